import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { create } from '@bufbuild/protobuf';
import { type Literal, LiteralCollectionSchema, type LiteralMap, LiteralMapSchema, LiteralSchema } from '@tflyte/idl/core/literals';
import { type TaskTemplate, TaskTemplateSchema } from '@tflyte/idl/core/tasks';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRegistry } from '../plugin/registry.ts';
import { executorRunner } from '../session/executor-runner.ts';
import { openStateStore, type StateStore } from '../store/index.ts';
import { functionPlugin } from '../task/function-plugin.ts';
import { task as functionTask } from '../task/function-task.ts';
import { withRunner } from '../task/run-context.ts';
import { t } from '../types/t.ts';
import { cacheKey } from './cache-key.ts';
import { createExecutor, type Executor } from './executor.ts';

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

// Content-hashed cache keys through the executor: a file, directory or dataset input with a hash
// method is keyed by its Literal.hash, not its URI, so equal content at two URIs runs the task once.
let dir: string;
let store: StateStore;
let executor: Executor;
const calls = { file: 0, uri: 0, dir: 0, dataset: 0 };

const countLines = functionTask(
  { inputs: { data: t.file({ format: 'csv', hash: 'content' }) }, outputs: t.string(), cache: { version: '1' } },
  function countLines({ data }) {
    calls.file += 1;
    return data.uri;
  },
);
const byUri = functionTask({ inputs: { data: t.file() }, outputs: t.string(), cache: { version: '1' } }, function byUri({ data }) {
  calls.uri += 1;
  return data.uri;
});
const listing = functionTask(
  { inputs: { tree: t.directory({ hash: 'content' }) }, outputs: t.string(), cache: { version: '1' } },
  function listing({ tree }) {
    calls.dir += 1;
    return tree.uri;
  },
);
// A user hash function: the table's snapshot id decides, whatever warehouse URI names it.
const snapshot = (ref: { readonly uri: string }) => ref.uri.split('@')[1] ?? ref.uri;
const summarize = functionTask(
  { inputs: { table: t.dataset({ hash: snapshot }) }, outputs: t.string(), cache: { version: '1' } },
  function summarize({ table }) {
    calls.dataset += 1;
    return table.uri;
  },
);

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tflyte-content-hash-'));
  store = openStateStore(join(dir, 'state'));
  executor = createExecutor({ registry: createRegistry({ plugins: [functionPlugin()] }), store, stateDir: join(dir, 'state') });
  for (const key of Object.keys(calls) as (keyof typeof calls)[]) calls[key] = 0;
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const run = <T>(fn: () => T): T => withRunner(executorRunner(executor), fn);

function file(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

describe('content-hashed cache keys', () => {
  it('answers a second file with the same content from the cache entry of the first; changed content runs again', async () => {
    const a = file('a.csv', 'id\n1\n2\n');
    const b = file('b.csv', 'id\n1\n2\n');
    expect(await run(() => countLines({ data: { uri: a } }))).toBe(a);
    // Another URI (here a file:// URL of another file) with the same bytes: one cache entry, the first run's output.
    expect(await run(() => countLines({ data: { uri: pathToFileURL(b).href } }))).toBe(a);
    expect(calls.file).toBe(1);
    writeFileSync(b, 'id\n1\n2\n3\n');
    expect(await run(() => countLines({ data: { uri: b } }))).toBe(b);
    expect(calls.file).toBe(2);
  });

  it('keys a file without a hash method by its URI, as flytekit does', async () => {
    await run(() => byUri({ data: { uri: file('a.csv', 'same') } }));
    await run(() => byUri({ data: { uri: file('b.csv', 'same') } }));
    expect(calls.uri).toBe(2);
  });

  it("digests a directory's relative paths and bytes, not where it lives", async () => {
    for (const root of ['one', 'two']) {
      mkdirSync(join(dir, root, 'sub'), { recursive: true });
      writeFileSync(join(dir, root, 'x.txt'), 'x');
      writeFileSync(join(dir, root, 'sub', 'y.txt'), 'y');
    }
    await run(() => listing({ tree: { uri: join(dir, 'one') } }));
    await run(() => listing({ tree: { uri: join(dir, 'two') } }));
    expect(calls.dir).toBe(1);
    writeFileSync(join(dir, 'two', 'sub', 'z.txt'), 'z');
    await run(() => listing({ tree: { uri: join(dir, 'two') } }));
    expect(calls.dir).toBe(2);
  });

  it("uses a hash function's result as the dataset literal's hash", async () => {
    await run(() => summarize({ table: { uri: 'bq://p:sales.orders@1700' } }));
    await run(() => summarize({ table: { uri: 'bq://p:mirror.orders@1700' } }));
    await run(() => summarize({ table: { uri: 'bq://p:sales.orders@1800' } }));
    expect(calls.dataset).toBe(2);
  });

  it('refuses a content hash of a remote URI and a hash function that returns no string, naming the input', async () => {
    await expect(run(() => countLines({ data: { uri: 's3://bucket/a.csv' } }))).rejects.toThrow(
      /data: expected file<csv> with hash 'content' \(a local path or file:\/\/ URI\), got remote URI "s3:\/\/bucket\/a.csv"/,
    );
    const bad = t.dataset({ hash: () => '' });
    expect(() => bad.toLiteral({ uri: 'bq://x' }, 'table')).toThrow('table: expected a non-empty string from the hash function of dataset');
    expect(() => t.file({ hash: 'sha1' as never })).toThrow("t.file: hash must be 'content' or a function of the value");
  });
});
