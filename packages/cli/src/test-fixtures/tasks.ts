// Tasks the CLI tests run: one per input kind, a failing one, and a slow one to cancel.
import { BackendError, InvalidInputError, NonRetryableError, t, task } from '@tflyte/core';

export const describeAll = task(
  {
    inputs: {
      n: t.int(),
      x: t.float(),
      s: t.string(),
      flag: t.bool(),
      when: t.datetime(),
      wait: t.duration(),
      color: t.enum(['red', 'green']),
      tags: t.list(t.string()),
      counts: t.map(t.int()),
      cfg: t.struct(),
      maybe: t.optional(t.int()),
      retries: t.int().default(2).describe('how often'),
    },
    outputs: t.string(),
  },
  function describeAll(i) {
    return JSON.stringify({ ...i, when: i.when.toISOString() });
  },
);

export const readFile = task({ inputs: { f: t.file(), d: t.directory() }, outputs: [t.string(), t.string()] }, function readFile({ f, d }) {
  return [f.uri, d.uri];
});

export const fail = task({ inputs: { why: t.string() }, outputs: t.int() }, function fail({ why }): number {
  throw new NonRetryableError(why);
});

export const flaky = task({ inputs: { why: t.string() }, outputs: t.int() }, function flaky({ why }): number {
  throw new Error(why);
});

export const mean = task({ inputs: { values: t.list(t.float()) }, outputs: t.float() }, function mean({ values }) {
  return values.reduce((a, b) => a + b, 0) / values.length;
});

export const cachedSquare = task({ inputs: { x: t.int() }, outputs: t.int(), cache: { version: '1' } }, function cachedSquare({ x }) {
  return x * x;
});

/** Writes a file and a directory locally and returns them, as a container task would. */
export const writeReport = task(
  { inputs: { text: t.string() }, outputs: { report: t.file(), pages: t.directory() } },
  async function writeReport({ text }) {
    const { mkdtemp, mkdir, writeFile } = await import('node:fs/promises');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = await mkdtemp(join(tmpdir(), 'tflyte-report-'));
    await writeFile(join(dir, 'report.txt'), text);
    await mkdir(join(dir, 'pages', 'nested'), { recursive: true });
    await writeFile(join(dir, 'pages', 'one.txt'), '1');
    await writeFile(join(dir, 'pages', 'nested', 'two.txt'), '2');
    return { report: { uri: join(dir, 'report.txt') }, pages: { uri: join(dir, 'pages') } };
  },
);

/** One task per way a body can fail, each with two retries, for the classification table of local runs and `tflyte execute`. */
export const badInput = task({ inputs: { why: t.string() }, outputs: t.int(), retries: 2 }, function badInput({ why }): number {
  throw new InvalidInputError('badInput', 'why', why);
});

export const permanent = task({ inputs: { why: t.string() }, outputs: t.int(), retries: 2 }, function permanent({ why }): number {
  throw new NonRetryableError(why);
});

export const transient = task({ inputs: { why: t.string() }, outputs: t.int(), retries: 2 }, function transient({ why }): number {
  throw new Error(why);
});

export const throttled = task({ inputs: { why: t.string() }, outputs: t.int(), retries: 2 }, function throttled({ why }): number {
  throw new BackendError({ kind: 'system', retryable: true, code: 'Throttled', message: why });
});
