import { describe, expect, it } from 'vitest';
import { jsonPatch, mergePatch } from './patch.ts';
import { KubeStatusError } from './status.ts';

function statusCode(fn: () => unknown): number | undefined {
  try {
    fn();
  } catch (error) {
    if (error instanceof KubeStatusError) return error.status.code;
    throw error;
  }
  return undefined;
}

describe('JSON merge patch (RFC 7386)', () => {
  it('merges objects recursively, deletes keys set to null and replaces arrays', () => {
    const target = { a: 'b', c: { d: 'e', f: 'g' }, list: [1, 2] };
    expect(mergePatch(target, { a: 'z', c: { f: null }, list: [3] })).toEqual({ a: 'z', c: { d: 'e' }, list: [3] });
    expect(target).toEqual({ a: 'b', c: { d: 'e', f: 'g' }, list: [1, 2] });
  });

  it('replaces a non-object target and is replaced by a non-object patch', () => {
    expect(mergePatch(['a'], { a: 'b' })).toEqual({ a: 'b' });
    expect(mergePatch({ a: 'b' }, 'x')).toBe('x');
  });
});

describe('JSON patch (RFC 6902)', () => {
  const doc = { metadata: { labels: { a: '1' }, finalizers: ['x', 'y'] }, spec: { n: 1 } };

  it('applies add, remove, replace, move, copy and test in order', () => {
    const result = jsonPatch(doc, [
      { op: 'test', path: '/spec/n', value: 1 },
      { op: 'add', path: '/metadata/labels/b~1c', value: '2' },
      { op: 'remove', path: '/metadata/finalizers/0' },
      { op: 'add', path: '/metadata/finalizers/-', value: 'z' },
      { op: 'replace', path: '/spec/n', value: 2 },
      { op: 'copy', from: '/spec/n', path: '/spec/m' },
      { op: 'move', from: '/metadata/labels/a', path: '/metadata/labels/moved' },
    ]);
    expect(result).toEqual({ metadata: { labels: { 'b/c': '2', moved: '1' }, finalizers: ['y', 'z'] }, spec: { n: 2, m: 2 } });
    expect(doc.spec.n).toBe(1);
  });

  it('answers 422 when an operation does not apply and 400 when the patch is malformed', () => {
    expect(statusCode(() => jsonPatch(doc, [{ op: 'test', path: '/spec/n', value: 5 }]))).toBe(422);
    expect(statusCode(() => jsonPatch(doc, [{ op: 'replace', path: '/spec/missing', value: 5 }]))).toBe(422);
    expect(statusCode(() => jsonPatch(doc, [{ op: 'remove', path: '/metadata/finalizers/9' }]))).toBe(422);
    expect(statusCode(() => jsonPatch(doc, { op: 'add' }))).toBe(400);
    expect(statusCode(() => jsonPatch(doc, [{ op: 'frobnicate', path: '/a' }]))).toBe(400);
  });
});
