/**
 * Value paths in error messages: `values[2]`, `cfg.name`, `m["key"]`.
 * The same strings are parsed back into segments for Standard Schema issues.
 */

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

export function indexPath(path: string, index: number): string {
  return `${path}[${index}]`;
}

/** Map keys are arbitrary strings, so they are always quoted. */
export function keyPath(path: string, key: string): string {
  return `${path}[${JSON.stringify(key)}]`;
}

/** Record fields (inputs, struct keys) read as `a.b` when the name allows it. */
export function fieldPath(path: string, name: string): string {
  if (!IDENTIFIER.test(name)) return keyPath(path, name);
  return path === '' ? name : `${path}.${name}`;
}

const SEGMENT = /^(?:\.?([A-Za-z_$][\w$]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\])/;

/** Splits a path built by the functions above into property keys; an unparsable rest stays one segment. */
export function parsePath(path: string): PropertyKey[] {
  const segments: PropertyKey[] = [];
  let rest = path;
  while (rest !== '') {
    const m = SEGMENT.exec(rest);
    if (m === null) {
      segments.push(rest);
      break;
    }
    if (m[1] !== undefined) segments.push(m[1]);
    else if (m[2] !== undefined) segments.push(Number(m[2]));
    else segments.push(JSON.parse(m[3] ?? '""') as string);
    rest = rest.slice(m[0].length);
  }
  return segments;
}
