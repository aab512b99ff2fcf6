/** A single HTTP byte range (`Range: bytes=a-b`, `bytes=a-`, `bytes=-n`), as both object stores serve it. */

/** `[start, end]` inclusive; undefined for no range or a malformed one, which both services answer with the whole object. */
export function parseRange(value: string | undefined, size: number): [number, number] | 'unsatisfiable' | 'multiple' | undefined {
  if (value === undefined) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(value.trim());
  if (m === null) return value.includes(',') ? 'multiple' : undefined;
  const [, from = '', to = ''] = m;
  if (from === '' && to === '') return undefined;
  if (from === '') {
    const suffix = Number(to);
    return suffix === 0 || size === 0 ? 'unsatisfiable' : [Math.max(0, size - suffix), size - 1];
  }
  const start = Number(from);
  if (start >= size) return 'unsatisfiable';
  const end = to === '' ? size - 1 : Math.min(Number(to), size - 1);
  return end < start ? undefined : [start, end];
}
