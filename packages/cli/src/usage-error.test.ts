import { StateCorruptError, TaskFailedError, TflyteError } from '@tflyte/core';
import { describe, expect, it } from 'vitest';
import { EXIT, exitCodeOf, UsageError } from './usage-error.ts';

describe('exitCodeOf', () => {
  it('gives an unwritable state store its own exit code, apart from usage, task and internal failures', () => {
    const unavailable = new TflyteError('TFLYTE_STATE_UNAVAILABLE', 'state store x is locked by another process');
    expect(exitCodeOf(unavailable)).toBe(EXIT.stateUnavailable);
    expect(new Set([EXIT.stateUnavailable, EXIT.usage, EXIT.taskFailed, EXIT.internal, EXIT.cancelled]).size).toBe(5);
  });

  it('maps task failures to 1, user-fixable errors to 2 and anything else to 70', () => {
    expect(
      exitCodeOf(new TaskFailedError({ task: 't', failure: { kind: 'user', retryable: false, code: 'X', message: 'm' }, attempts: 1 })),
    ).toBe(EXIT.taskFailed);
    expect(exitCodeOf(new UsageError('bad'))).toBe(EXIT.usage);
    expect(exitCodeOf(new StateCorruptError('/s/state.db', 'bad header'))).toBe(EXIT.usage);
    expect(exitCodeOf(new Error('bug'))).toBe(EXIT.internal);
  });
});
