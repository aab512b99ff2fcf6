import { create, toBinary } from '@bufbuild/protobuf';
import { ContainerError_Kind, ErrorDocumentSchema } from '@tflyte/idl/core/errors';
import { ExecutionError_ErrorKind, TaskExecution_Phase } from '@tflyte/idl/core/execution';
import { describe, expect, it } from 'vitest';
import { BackendError, TflyteError } from '../errors.ts';
import { failureFromErrorDocument, failureFromStatus, failureFromThrown } from './failure.ts';
import { classifyPhase, phaseName } from './phases.ts';

describe('failure classification', () => {
  it('keeps the kind, retryability and reason of a BackendError', () => {
    const error = new BackendError({ kind: 'user', retryable: false, reason: 'SYNTAX_ERROR', message: 'line 1' });
    expect(failureFromThrown(error)).toEqual({ kind: 'user', retryable: false, code: 'SYNTAX_ERROR', message: 'line 1' });
  });

  it('recognises a BackendError from another copy of @tflyte/core by its code and fields', () => {
    const foreign = Object.assign(new TflyteError('TFLYTE_BACKEND', 'throttled'), { kind: 'system', retryable: true, reason: 'Throttling' });
    expect(failureFromThrown(foreign)).toEqual({ kind: 'system', retryable: true, code: 'Throttling', message: 'throttled' });
  });

  it('treats every other thrown value as a retryable SYSTEM failure', () => {
    expect(failureFromThrown(new Error('ECONNRESET'))).toEqual({ kind: 'system', retryable: true, code: 'BackendException', message: 'ECONNRESET' });
    expect(failureFromThrown('weird')).toMatchObject({ kind: 'system', retryable: true, message: 'weird' });
    expect(failureFromThrown(new TflyteError('TFLYTE_CONFIG', 'x'))).toMatchObject({ code: 'BackendException' });
  });

  it('uses the FailureInfo of a failed status, else FAILED is permanent and RETRYABLE_FAILED retryable (USER)', () => {
    const failure = { kind: 'system', retryable: true, code: 'OOMKilled', message: 'oom' } as const;
    expect(failureFromStatus({ phase: TaskExecution_Phase.FAILED, failure })).toBe(failure);
    expect(failureFromStatus({ phase: TaskExecution_Phase.FAILED, message: 'no' })).toEqual({ kind: 'user', retryable: false, code: 'Unknown', message: 'no' });
    expect(failureFromStatus({ phase: TaskExecution_Phase.RETRYABLE_FAILED })).toMatchObject({ kind: 'user', retryable: true });
  });

  it('reads kind from the origin and retryability from RECOVERABLE in an error.pb', () => {
    const doc = (origin: ExecutionError_ErrorKind, kind: ContainerError_Kind) =>
      toBinary(ErrorDocumentSchema, create(ErrorDocumentSchema, { error: { code: 'USER:ValueError', message: 'trace', origin, kind } }));
    expect(failureFromErrorDocument(doc(ExecutionError_ErrorKind.USER, ContainerError_Kind.RECOVERABLE), 'system')).toEqual({
      kind: 'user',
      retryable: true,
      code: 'USER:ValueError',
      message: 'trace',
    });
    expect(failureFromErrorDocument(doc(ExecutionError_ErrorKind.SYSTEM, ContainerError_Kind.NON_RECOVERABLE), 'user')).toMatchObject({ kind: 'system', retryable: false });
    expect(failureFromErrorDocument(doc(ExecutionError_ErrorKind.UNKNOWN, ContainerError_Kind.NON_RECOVERABLE), 'user')).toMatchObject({ kind: 'user' });
    expect(failureFromErrorDocument(toBinary(ErrorDocumentSchema, create(ErrorDocumentSchema)), 'user')).toBeUndefined();
  });
});

describe('phases', () => {
  it('classifies every TaskExecution phase, and anything else as unknown', () => {
    expect(
      [1, 7, 6, 2].map(classifyPhase),
    ).toEqual(['live', 'live', 'live', 'live']);
    expect(classifyPhase(TaskExecution_Phase.SUCCEEDED)).toBe('succeeded');
    expect(classifyPhase(TaskExecution_Phase.FAILED)).toBe('failed');
    expect(classifyPhase(TaskExecution_Phase.RETRYABLE_FAILED)).toBe('failed');
    expect(classifyPhase(TaskExecution_Phase.ABORTED)).toBe('aborted');
    expect(classifyPhase(TaskExecution_Phase.UNDEFINED)).toBe('unknown');
    expect(classifyPhase(9)).toBe('unknown');
    expect(classifyPhase(-1)).toBe('unknown');
  });

  it('names phases, including ones outside the enum', () => {
    expect(phaseName(2)).toBe('RUNNING');
    expect(phaseName(42)).toBe('UNKNOWN(42)');
  });
});
