/**
 * A small semver range matcher for plugin `coreVersion` checks, following npm's semantics for the
 * forms plugins write: exact, `=`, `>`, `>=`, `<`, `<=`, `^`, `~`, x-ranges (`1.x`, `1.2.*`, `*`),
 * partial versions, hyphen ranges (`1.2 - 2.3.4`) and `||`. Pre-releases only match a comparator
 * set that names a pre-release of the same major.minor.patch, as in npm.
 */

export interface SemVer {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
  readonly prerelease: readonly (string | number)[];
}

type Op = '<' | '<=' | '>' | '>=' | '=';
interface Comparator {
  readonly op: Op;
  readonly version: SemVer;
}
/** Comparators of one `||` alternative; all must hold. */
type ComparatorSet = readonly Comparator[];

const NUM = String.raw`0|[1-9]\d*`;
const PRE_ID = String.raw`(?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*)`;
const VERSION_RE = new RegExp(
  String.raw`^v?(${NUM})\.(${NUM})\.(${NUM})(?:-(${PRE_ID}(?:\.${PRE_ID})*))?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$`,
);
const XR = String.raw`(?:${NUM}|[xX*])`;
const PARTIAL_RE = new RegExp(
  String.raw`^v?(${XR})(?:\.(${XR})(?:\.(${XR})(?:-(${PRE_ID}(?:\.${PRE_ID})*))?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?)?)?$`,
);

export function parseVersion(text: string): SemVer | undefined {
  const m = VERSION_RE.exec(text.trim());
  if (m === null) return undefined;
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]), prerelease: parsePrerelease(m[4]) };
}

function parsePrerelease(text: string | undefined): (string | number)[] {
  if (text === undefined) return [];
  return text.split('.').map((id) => (/^\d+$/.test(id) ? Number(id) : id));
}

export function compareVersions(a: SemVer, b: SemVer): number {
  const main = a.major - b.major || a.minor - b.minor || a.patch - b.patch;
  if (main !== 0) return Math.sign(main);
  // A version without a pre-release ranks above any of its pre-releases.
  if (a.prerelease.length === 0 || b.prerelease.length === 0) return Math.sign(b.prerelease.length - a.prerelease.length);
  for (let i = 0; i < Math.max(a.prerelease.length, b.prerelease.length); i++) {
    const x = a.prerelease[i];
    const y = b.prerelease[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    if (x === y) continue;
    if (typeof x === 'number' && typeof y === 'number') return Math.sign(x - y);
    if (typeof x === 'number') return -1;
    if (typeof y === 'number') return 1;
    return x < y ? -1 : 1;
  }
  return 0;
}

/** Parses a range into `||` alternatives; undefined when it is not a valid range. */
export function parseRange(range: string): readonly ComparatorSet[] | undefined {
  const sets: ComparatorSet[] = [];
  for (const alternative of range.split('||')) {
    const set = parseSet(alternative.trim());
    if (set === undefined) return undefined;
    sets.push(set);
  }
  return sets;
}

/** True when `version` satisfies `range`; false for an invalid version or range. */
export function satisfies(version: string, range: string): boolean {
  const v = parseVersion(version);
  const sets = parseRange(range);
  if (v === undefined || sets === undefined) return false;
  return sets.some((set) => setMatches(set, v));
}

function setMatches(set: ComparatorSet, v: SemVer): boolean {
  if (!set.every((c) => test(c, v))) return false;
  if (v.prerelease.length === 0) return true;
  return set.some(
    (c) =>
      c.version.prerelease.length > 0 &&
      c.version.major === v.major &&
      c.version.minor === v.minor &&
      c.version.patch === v.patch,
  );
}

function test(c: Comparator, v: SemVer): boolean {
  const cmp = compareVersions(v, c.version);
  switch (c.op) {
    case '<':
      return cmp < 0;
    case '<=':
      return cmp <= 0;
    case '>':
      return cmp > 0;
    case '>=':
      return cmp >= 0;
    case '=':
      return cmp === 0;
  }
}

interface Partial {
  readonly major: number | undefined;
  readonly minor: number | undefined;
  readonly patch: number | undefined;
  readonly prerelease: readonly (string | number)[];
}

function parsePartial(text: string): Partial | undefined {
  const m = PARTIAL_RE.exec(text);
  if (m === null) return undefined;
  const num = (s: string | undefined): number | undefined => (s === undefined || /^[xX*]$/.test(s) ? undefined : Number(s));
  const major = num(m[1]);
  const minor = major === undefined ? undefined : num(m[2]);
  const patch = minor === undefined ? undefined : num(m[3]);
  return { major, minor, patch, prerelease: patch === undefined ? [] : parsePrerelease(m[4]) };
}

const v = (major: number, minor: number, patch: number, prerelease: readonly (string | number)[] = []): SemVer => ({
  major,
  minor,
  patch,
  prerelease,
});
// `<X-0` excludes every pre-release of X, as npm's desugaring does.
const below = (major: number, minor: number, patch: number): Comparator => ({ op: '<', version: v(major, minor, patch, [0]) });
const atLeast = (p: Partial): Comparator => ({ op: '>=', version: v(p.major ?? 0, p.minor ?? 0, p.patch ?? 0, p.prerelease) });
const ANY: ComparatorSet = [{ op: '>=', version: v(0, 0, 0) }];

function parseSet(text: string): ComparatorSet | undefined {
  if (text === '') return ANY;
  const hyphen = /^(\S+)\s+-\s+(\S+)$/.exec(text);
  if (hyphen !== null) return hyphenRange(hyphen[1] ?? '', hyphen[2] ?? '');
  // Allow `>= 1.2.3` with a space between operator and version.
  const tokens = text.replace(/(<=|>=|<|>|=|\^|~)\s+/g, '$1').split(/\s+/);
  const out: Comparator[] = [];
  for (const token of tokens) {
    const comparators = parseComparator(token);
    if (comparators === undefined) return undefined;
    out.push(...comparators);
  }
  return out.length === 0 ? ANY : out;
}

function hyphenRange(fromText: string, toText: string): ComparatorSet | undefined {
  const from = parsePartial(fromText);
  const to = parsePartial(toText);
  if (from === undefined || to === undefined) return undefined;
  const out: Comparator[] = [atLeast(from)];
  if (to.major === undefined) return out;
  if (to.minor === undefined) out.push(below(to.major + 1, 0, 0));
  else if (to.patch === undefined) out.push(below(to.major, to.minor + 1, 0));
  else out.push({ op: '<=', version: v(to.major, to.minor, to.patch, to.prerelease) });
  return out;
}

function parseComparator(token: string): Comparator[] | undefined {
  const m = /^(<=|>=|<|>|=|\^|~>?|)(.*)$/.exec(token);
  if (m === null) return undefined;
  const op = m[1] ?? '';
  const p = parsePartial(m[2] ?? '');
  if (p === undefined) return undefined;
  const { major, minor, patch } = p;
  switch (op) {
    case '^':
      return caret(p);
    case '~':
    case '~>':
      return tilde(p);
    case '':
    case '=':
      return xRange(p);
    case '>':
      if (major === undefined) return [{ op: '<', version: v(0, 0, 0, [0]) }];
      if (minor === undefined) return [{ op: '>=', version: v(major + 1, 0, 0) }];
      if (patch === undefined) return [{ op: '>=', version: v(major, minor + 1, 0) }];
      return [{ op: '>', version: v(major, minor, patch, p.prerelease) }];
    case '>=':
      return [atLeast(p)];
    case '<':
      if (major === undefined) return [{ op: '<', version: v(0, 0, 0, [0]) }];
      return [{ op: '<', version: v(major, minor ?? 0, patch ?? 0, patch === undefined ? [0] : p.prerelease) }];
    case '<=':
      if (major === undefined) return [...ANY];
      if (minor === undefined) return [below(major + 1, 0, 0)];
      if (patch === undefined) return [below(major, minor + 1, 0)];
      return [{ op: '<=', version: v(major, minor, patch, p.prerelease) }];
    default:
      return undefined;
  }
}

function xRange(p: Partial): Comparator[] {
  const { major, minor, patch } = p;
  if (major === undefined) return [...ANY];
  if (minor === undefined) return [atLeast(p), below(major + 1, 0, 0)];
  if (patch === undefined) return [atLeast(p), below(major, minor + 1, 0)];
  return [{ op: '=', version: v(major, minor, patch, p.prerelease) }];
}

function tilde(p: Partial): Comparator[] {
  const { major, minor } = p;
  if (major === undefined) return [...ANY];
  if (minor === undefined) return [atLeast(p), below(major + 1, 0, 0)];
  return [atLeast(p), below(major, minor + 1, 0)];
}

/** `^` allows changes that do not modify the left-most non-zero part. */
function caret(p: Partial): Comparator[] {
  const { major, minor, patch } = p;
  if (major === undefined) return [...ANY];
  if (minor === undefined) return [atLeast(p), below(major + 1, 0, 0)];
  if (major > 0) return [atLeast(p), below(major + 1, 0, 0)];
  if (patch === undefined || minor > 0) return [atLeast(p), below(0, minor + 1, 0)];
  return [atLeast(p), below(0, 0, patch + 1)];
}
