// Tasks the CLI tests run: one per input kind, a failing one, and a slow one to cancel.
import { NonRetryableError, t, task } from '@tflyte/core';

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
