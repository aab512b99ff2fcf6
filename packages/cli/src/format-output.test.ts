import { TaskFailedError, t } from '@tflyte/core';
import { describe, expect, it } from 'vitest';
import { formatFailure, formatResult } from './format-output.ts';
import { UsageError } from './usage-error.ts';

const single = (type: ReturnType<typeof t.struct> | ReturnType<typeof t.duration> | ReturnType<typeof t.float>) =>
  ({ shape: 'single', types: { o0: type } }) as const;

describe('formatResult prints by the declared type', () => {
  it('prints a declared duration in ISO-8601, and a struct that looks like one as JSON', () => {
    expect(formatResult({ seconds: 90, nanos: 500_000_000 }, false, single(t.duration()))).toBe('PT90.5S');
    expect(formatResult({ seconds: -1, nanos: -5 }, false, single(t.duration()))).toBe('-PT1.000000005S');
    expect(formatResult({ seconds: 90, nanos: 0 }, false, single(t.struct()))).toBe('{"seconds":90,"nanos":0}');
  });

  it('prints durations inside lists, maps and optionals by their element type', () => {
    const outputs = {
      shape: 'record',
      types: { waits: t.list(t.duration()), byName: t.map(t.optional(t.duration())), raw: t.struct() },
    } as const;
    const value = { waits: [{ seconds: 1, nanos: 0 }], byName: { a: { seconds: 2, nanos: 0 }, b: null }, raw: { seconds: 3, nanos: 0 } };
    expect(JSON.parse(formatResult(value, true, outputs))).toEqual({
      waits: ['PT1S'],
      byName: { a: 'PT2S', b: null },
      raw: { seconds: 3, nanos: 0 },
    });
  });

  it('prints Infinity, -Infinity and NaN instead of null', () => {
    expect(formatResult(Number.POSITIVE_INFINITY, false, single(t.float()))).toBe('Infinity');
    expect(formatResult(Number.NaN, true, single(t.float()))).toBe('"NaN"');
    expect(formatResult([Number.NEGATIVE_INFINITY, 1], false, { shape: 'tuple', types: { o0: t.float(), o1: t.float() } })).toBe(
      '["-Infinity",1]',
    );
  });

  it('keeps a "__proto__" key as the key it is', () => {
    expect(formatResult(JSON.parse('{"__proto__": 1}'), false, { shape: 'single', types: { o0: t.map(t.int()) } })).toBe('{"__proto__":1}');
  });

  it('prints nothing (or JSON null) for a task without outputs', () => {
    expect(formatResult(undefined, false, { shape: 'none', types: {} })).toBe('');
    expect(formatResult(undefined, true, { shape: 'none', types: {} })).toBe('null');
  });
});

describe('formatFailure', () => {
  it("prints a task failure as JSON with the failure's classification", () => {
    const error = new TaskFailedError({
      task: 'daily',
      failure: { kind: 'user', retryable: false, code: 'USER:Error', message: 'no data' },
      attempts: 2,
    });
    expect(JSON.parse(formatFailure(error))).toEqual({
      error: {
        code: 'TFLYTE_TASK_FAILED',
        message: error.message,
        task: 'daily',
        failure: { kind: 'user', retryable: false, code: 'USER:Error', message: 'no data' },
        attempts: 2,
      },
    });
  });

  it('prints a usage error and an unexpected error with their codes', () => {
    expect(JSON.parse(formatFailure(new UsageError('bad flag')))).toEqual({ error: { code: 'TFLYTE_USAGE', message: 'bad flag' } });
    expect(JSON.parse(formatFailure(new Error('boom')))).toEqual({ error: { code: 'TFLYTE_INTERNAL', message: 'boom' } });
  });
});
