import { create, toBinary } from '@bufbuild/protobuf';
import { ContainerError_Kind, ErrorDocumentSchema } from '@tflyte/idl/core/errors';
import { ExecutionError_ErrorKind, TaskExecution_Phase } from '@tflyte/idl/core/execution';
import { describe, expect, it } from 'vitest';
import { BackendError, InvalidInputError, NonRetryableError, StorageError, TflyteError } from '../errors.ts';
import { classifyError, failureFromErrorDocument, failureFromStatus } from './failure.ts';
import { classifyPhase, phaseName } from './phases.ts';

describe('failure classification', () => {
  it('keeps the failure a BackendError states', () => {
    const error = new BackendError({ kind: 'user', retryable: false, code: 'SYNTAX_ERROR', message: 'line 1' });
    expect(classifyError(error, 'system')).toEqual({ kind: 'user', retryable: false, code: 'SYNTAX_ERROR', message: 'line 1' });
  });

  it('recognises a BackendError from another copy of @tflyte/core by its brand', () => {
    // What a second copy's BackendError looks like to this copy: another class of the same name, branded.
    const brand = Symbol.for('tflyte.error');
    class BackendErrorCopy extends Error {}
    Object.defineProperty(BackendErrorCopy, 'name', { value: 'BackendError' });
    const foreign = Object.assign(new BackendErrorCopy('throttled'), {
      code: 'TFLYTE_BACKEND',
      failure: { kind: 'system', retryable: true, code: 'Throttling', message: 'throttled' },
      [brand]: ['BackendError', 'TflyteError', 'Error'],
    });
    expect(foreign).toBeInstanceOf(BackendError);
    expect(foreign).toBeInstanceOf(TflyteError);
    expect(classifyError(foreign, 'system')).toEqual({ kind: 'system', retryable: true, code: 'Throttling', message: 'throttled' });
  });

  it('treats any other value a backend throws as a retryable SYSTEM failure', () => {
    expect(classifyError(new Error('ECONNRESET'), 'system')).toEqual({
      kind: 'system',
      retryable: true,
      code: 'BackendException',
      message: 'ECONNRESET',
    });
    expect(classifyError('weird', 'system')).toMatchObject({ kind: 'system', retryable: true, message: 'weird' });
    expect(classifyError(new TflyteError('TFLYTE_CONFIG', 'x'), 'system')).toMatchObject({ code: 'BackendException' });
  });

  it('treats what a task body throws as a USER failure, permanent for bad data and NonRetryableError', () => {
    expect(classifyError(new RangeError('boom'), 'user')).toEqual({
      kind: 'user',
      retryable: true,
      code: 'USER:RangeError',
      message: 'boom',
    });
    expect(classifyError(new NonRetryableError('no'), 'user')).toMatchObject({
      kind: 'user',
      retryable: false,
      code: 'USER:NonRetryableError',
    });
    expect(classifyError(new InvalidInputError('t', 'x', 'bad'), 'user')).toMatchObject({ kind: 'user', retryable: false });
    expect(classifyError(new InvalidInputError('t', 'x', 'bad'), 'system')).toMatchObject({ kind: 'user', retryable: false });
    expect(classifyError(new StorageError('s3://b/k', 'gone'), 'user')).toMatchObject({
      kind: 'system',
      retryable: true,
      code: 'StorageError',
    });
  });

  it('refuses error codes that are not SCREAMING_SNAKE_CASE with a prefix, and accepts a plugin-owned one', () => {
    expect(() => new TflyteError('oops', 'x')).toThrow(TypeError);
    expect(new TflyteError('SPARK_INVALID_CONF', 'x').code).toBe('SPARK_INVALID_CONF');
  });

  it('uses the FailureInfo of a failed status, else FAILED is permanent and RETRYABLE_FAILED retryable (USER)', () => {
    const failure = { kind: 'system', retryable: true, code: 'OOMKilled', message: 'oom' } as const;
    expect(failureFromStatus({ phase: TaskExecution_Phase.FAILED, failure })).toBe(failure);
    expect(failureFromStatus({ phase: TaskExecution_Phase.FAILED, message: 'no' })).toEqual({
      kind: 'user',
      retryable: false,
      code: 'Unknown',
      message: 'no',
    });
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
    expect(failureFromErrorDocument(doc(ExecutionError_ErrorKind.SYSTEM, ContainerError_Kind.NON_RECOVERABLE), 'user')).toMatchObject({
      kind: 'system',
      retryable: false,
    });
    expect(failureFromErrorDocument(doc(ExecutionError_ErrorKind.UNKNOWN, ContainerError_Kind.NON_RECOVERABLE), 'user')).toMatchObject({
      kind: 'user',
    });
    expect(failureFromErrorDocument(toBinary(ErrorDocumentSchema, create(ErrorDocumentSchema)), 'user')).toBeUndefined();
  });
});

describe('phases', () => {
  it('classifies every TaskExecution phase, and anything else as unknown', () => {
    expect([1, 7, 6, 2].map(classifyPhase)).toEqual(['live', 'live', 'live', 'live']);
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
