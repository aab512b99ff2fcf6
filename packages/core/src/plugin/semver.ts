/**
 * Range checks for a plugin's `coreVersion`, with npm's own semantics (the `semver` package, so a
 * range means here exactly what it means in a package.json). Only the two functions used are loaded.
 */
import satisfiesRange from 'semver/functions/satisfies.js';
import validRange from 'semver/ranges/valid.js';

/** The range in normal form, or undefined when it is not a valid range. */
export function parseRange(range: string): string | undefined {
  return validRange(range) ?? undefined;
}

/** True when `version` satisfies `range`; false for an invalid version or range. Pre-releases match only
 * a range that names a pre-release of the same version, as in npm. */
export function satisfies(version: string, range: string): boolean {
  return satisfiesRange(version, range);
}
