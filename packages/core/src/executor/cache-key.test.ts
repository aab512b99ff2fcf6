import { create } from '@bufbuild/protobuf';
import { type Literal, LiteralCollectionSchema, type LiteralMap, LiteralMapSchema, LiteralSchema } from '@tflyte/idl/core/literals';
import { type TaskTemplate, TaskTemplateSchema } from '@tflyte/idl/core/tasks';
import { describe, expect, it } from 'vitest';
import { cacheKey } from './cache-key.ts';

const int = (value: bigint, hash = ''): Literal =>
  create(LiteralSchema, {
    hash,
    value: { case: 'scalar', value: { value: { case: 'primitive', value: { value: { case: 'integer', value } } } } },
  });
const struct = (value: Record<string, unknown>): Literal =>
  create(LiteralSchema, { value: { case: 'scalar', value: { value: { case: 'generic', value: value as never } } } });
const map = (literals: Record<string, Literal>): LiteralMap => create(LiteralMapSchema, { literals });
const list = (...literals: Literal[]): Literal =>
  create(LiteralSchema, { value: { case: 'collection', value: create(LiteralCollectionSchema, { literals }) } });
const nested = (literals: Record<string, Literal>): Literal => create(LiteralSchema, { value: { case: 'map', value: map(literals) } });

function task(options: { name?: string; version?: string; ignore?: string[] } = {}): TaskTemplate {
  return create(TaskTemplateSchema, {
    id: { name: options.name ?? 'pkg.mod.task' },
    type: 'python-task',
    metadata: { discoverable: true, discoveryVersion: options.version ?? '1.0', cacheIgnoreInputVars: options.ignore ?? [] },
  });
}

describe('cacheKey', () => {
  it('is "<task name>-<discovery version>-<sha256>"', () => {
    expect(cacheKey(task(), map({ a: int(1n) }))).toMatch(/^pkg\.mod\.task-1\.0-[0-9a-f]{64}$/);
  });

  it('does not depend on the order in which map entries were built, at any depth', () => {
    const one = map({ a: int(1n), b: nested({ x: int(1n), y: int(2n) }), s: struct({ k: 1, j: { z: 1, a: 2 } }) });
    const two = map({ s: struct({ j: { a: 2, z: 1 }, k: 1 }), b: nested({ y: int(2n), x: int(1n) }), a: int(1n) });
    expect(cacheKey(task(), one)).toBe(cacheKey(task(), two));
  });

  it('changes with any input value, the task name or the discovery version', () => {
    const base = cacheKey(task(), map({ a: int(1n) }));
    expect(cacheKey(task(), map({ a: int(2n) }))).not.toBe(base);
    expect(cacheKey(task(), map({ a: int(1n), b: int(1n) }))).not.toBe(base);
    expect(cacheKey(task({ name: 'other' }), map({ a: int(1n) }))).not.toBe(base);
    expect(cacheKey(task({ version: '2.0' }), map({ a: int(1n) }))).not.toBe(base);
  });

  it('ignores the inputs named in cacheIgnoreInputVars', () => {
    const ignoring = task({ ignore: ['seed'] });
    expect(cacheKey(ignoring, map({ a: int(1n), seed: int(1n) }))).toBe(cacheKey(ignoring, map({ a: int(1n), seed: int(2n) })));
    expect(cacheKey(ignoring, map({ a: int(1n), seed: int(1n) }))).toBe(cacheKey(ignoring, map({ a: int(1n) })));
  });

  it('keys literals that carry a hash by the hash alone, inside collections and maps too', () => {
    expect(cacheKey(task(), map({ a: int(1n, 'h1') }))).toBe(cacheKey(task(), map({ a: int(2n, 'h1') })));
    expect(cacheKey(task(), map({ a: int(1n, 'h1') }))).not.toBe(cacheKey(task(), map({ a: int(1n, 'h2') })));
    expect(cacheKey(task(), map({ l: list(int(1n, 'h'), int(5n)) }))).toBe(cacheKey(task(), map({ l: list(int(9n, 'h'), int(5n)) })));
    expect(cacheKey(task(), map({ m: nested({ k: int(1n, 'h') }) }))).toBe(cacheKey(task(), map({ m: nested({ k: int(3n, 'h') }) })));
  });

  it('does not modify the inputs it hashes', () => {
    const inputs = map({ a: int(1n, 'h') });
    cacheKey(task({ ignore: ['a'] }), inputs);
    cacheKey(task(), inputs);
    expect(inputs.literals['a']).toEqual(int(1n, 'h'));
  });
});

describe('cacheKey with keys that name Object.prototype members', () => {
  const strings = (value: Record<string, unknown>) => JSON.parse(JSON.stringify(value)) as Record<string, unknown>;
  for (const key of ['__proto__', 'constructor', 'prototype']) {
    it(`treats "${key}" as an ordinary map key`, () => {
      const withKey = map({ m: nested(JSON.parse(`{"${key}": null, "a": null}`, (_k, v) => (v === null ? int(5n) : v))) });
      expect(Object.keys((withKey.literals.m!.value.value as LiteralMap).literals)).toContain(key);
      expect(cacheKey(task(), withKey)).not.toBe(cacheKey(task(), map({ m: nested({ a: int(5n) }) })));
    });

    it(`treats "${key}" as an ordinary top-level input name and struct key`, () => {
      const top = map(JSON.parse(`{"${key}": null, "a": null}`, (_k, v) => (v === null ? int(1n) : v)));
      expect(cacheKey(task(), top)).not.toBe(cacheKey(task(), map({ a: int(1n) })));
      const withStruct = map({ s: struct(strings(JSON.parse(`{"${key}": {"x": 1}, "a": 1}`))) });
      expect(cacheKey(task(), withStruct)).not.toBe(cacheKey(task(), map({ s: struct({ a: 1 }) })));
    });
  }
});
