/**
 * Output files parsed as Flyte's copilot parses them (Go's strconv / time parsers), so an output a
 * script writes is accepted locally exactly when it would be accepted on a cluster. Each parser
 * returns the value or a sentence saying what was expected.
 */
import type { Duration } from '../types/flyte-type.ts';

export type Parsed<T> = { ok: true; value: T } | { ok: false; expected: string };

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const fail = (expected: string): Parsed<never> => ({ ok: false, expected });

/** `strconv.ParseInt(s, 10, 64)`. */
export function parseGoInt(text: string): Parsed<bigint> {
  if (!/^[+-]?\d+$/.test(text)) return fail('a base-10 integer such as 42 or -7');
  const value = BigInt(text);
  if (value >= 1n << 63n || value < -(1n << 63n)) return fail('an integer within the 64-bit range');
  return ok(value);
}

/** `strconv.ParseFloat(s, 64)` for decimal text, `inf`, `infinity` and `nan` (any case). */
export function parseGoFloat(text: string): Parsed<number> {
  const special = /^([+-]?)(inf|infinity|nan)$/i.exec(text);
  if (special) {
    if (special[2]!.toLowerCase() === 'nan') return special[1] === '' ? ok(NaN) : fail('a number such as 3.14, 1e-3, inf or nan');
    return ok(special[1] === '-' ? -Infinity : Infinity);
  }
  if (!/^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/.test(text)) return fail('a number such as 3.14, 1e-3, inf or nan');
  const value = Number(text);
  if (!Number.isFinite(value)) return fail('a number within the 64-bit float range');
  return ok(value);
}

const BOOLEANS: Readonly<Record<string, boolean>> = {
  '1': true,
  t: true,
  T: true,
  true: true,
  TRUE: true,
  True: true,
  '0': false,
  f: false,
  F: false,
  false: false,
  FALSE: false,
  False: false,
};

/** `strconv.ParseBool`. */
export function parseGoBool(text: string): Parsed<boolean> {
  return Object.hasOwn(BOOLEANS, text) ? ok(BOOLEANS[text]!) : fail('true or false (or 1, 0, t, f, TRUE, FALSE, True, False)');
}

const UNIT_NANOS: Readonly<Record<string, bigint>> = {
  ns: 1n,
  us: 1_000n,
  µs: 1_000n,
  μs: 1_000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};
const DURATION_EXPECTED = 'a Go duration such as 300ms, 1.5h or 2h45m (units ns, us, ms, s, m, h)';
const COMPONENT = /^(\d*)(?:\.(\d*))?([^\d.]*)/;

/** `time.ParseDuration`, as a protobuf-style {seconds, nanos}. */
export function parseGoDuration(text: string): Parsed<Duration> {
  let rest = text;
  const negative = rest.startsWith('-');
  if (rest.startsWith('-') || rest.startsWith('+')) rest = rest.slice(1);
  if (rest === '0') return ok({ seconds: 0, nanos: 0 });
  if (rest === '') return fail(DURATION_EXPECTED);
  let total = 0n;
  while (rest !== '') {
    const match = COMPONENT.exec(rest);
    const [whole = '', fraction = '', unit = ''] = match ? match.slice(1) : [];
    if (!match || (whole === '' && fraction === '')) return fail(DURATION_EXPECTED);
    const scale = UNIT_NANOS[unit];
    if (scale === undefined) return fail(DURATION_EXPECTED);
    // Go keeps the fraction to nanosecond precision and drops the rest.
    total += BigInt(whole || '0') * scale + (BigInt(fraction || '0') * scale) / 10n ** BigInt(fraction.length);
    if (total > 1n << 63n) return fail('a duration within ±292 years');
    rest = rest.slice(match[0].length);
  }
  if (total === 1n << 63n && !negative) return fail('a duration within ±292 years');
  const signed = negative ? -total : total;
  // BigInt division truncates toward zero, so seconds and nanos keep the same sign.
  return ok({ seconds: Number(signed / 1_000_000_000n), nanos: Number(signed % 1_000_000_000n) });
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:(Z)|([+-])(\d{2}):(\d{2}))$/;
/** google.protobuf.Timestamp's range, which copilot's conversion of the parsed time enforces. */
const MIN_SECONDS = -62_135_596_800;
const MAX_SECONDS = 253_402_300_799;

/** `time.Parse(time.RFC3339, s)`; the instant as a protobuf-style {seconds, nanos}, to the nanosecond. */
export function parseGoDatetime(text: string): Parsed<{ readonly seconds: bigint; readonly nanos: number }> {
  const expected = 'an RFC 3339 time such as 2024-05-01T12:00:00Z or 2024-05-01T14:00:00.5+02:00';
  const m = RFC3339.exec(text);
  if (!m) return fail(expected);
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const daysInMonth = new Date(Date.UTC(isLeap(year) ? 2000 : 2001, month, 0)).getUTCDate();
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth || hour > 23 || minute > 59 || second > 59) return fail(expected);
  const offsetMinutes = m[8] === 'Z' ? 0 : (m[9] === '-' ? -1 : 1) * (Number(m[10]) * 60 + Number(m[11]));
  if (Number(m[10] ?? 0) > 23 || Number(m[11] ?? 0) > 59) return fail(expected);
  const date = new Date(0);
  // setUTCFullYear, unlike Date.UTC, does not move years 0..99 into the 1900s.
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute - offsetMinutes, second, 0);
  const seconds = date.getTime() / 1000;
  if (seconds < MIN_SECONDS || seconds > MAX_SECONDS) return fail('a time between 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z');
  return ok({ seconds: BigInt(seconds), nanos: Number((m[7] ?? '').padEnd(9, '0')) });
}

function isLeap(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}
