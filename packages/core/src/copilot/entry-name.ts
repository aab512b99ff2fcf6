/**
 * Input and output names become file names in the mounted data directories. A name that is not a
 * single path segment (`..`, `a/b`, `../../etc/passwd`) would read or write outside them.
 */

/** Why `name` cannot be a file name in a data directory, or undefined when it can. */
export function unsafeEntryName(name: string): string | undefined {
  if (name === '' || name === '.' || name === '..') return `'${name}' is not a file name`;
  if (/[/\\\0]/.test(name)) return `'${name}' holds a path separator or NUL; it must be a single file name`;
  return undefined;
}
