import { fromBinary } from '@bufbuild/protobuf';
import { ContainerError_Kind, ErrorDocumentSchema } from '@tflyte/idl/core/errors';
import { ExecutionError_ErrorKind, TaskExecution_Phase } from '@tflyte/idl/core/execution';
import { BackendError, type FailureInfo, type FailureKind, hasErrorCode, TflyteError } from '../errors.ts';
import type { TaskStatus } from '../plugin/contract.ts';

/** Failure codes the executor itself assigns. */
export const FAILURE_CODES = {
  /** A non-BackendError thrown by create / get / watch / do. */
  backendException: 'BackendException',
  taskTimeout: 'TaskTimeout',
  unknownPhase: 'UnknownPhase',
  /** `do` returned a live phase instead of a terminal one. */
  notTerminal: 'NotTerminal',
  abortedExternally: 'Aborted',
  invalidHandle: 'InvalidHandle',
  outputsNotFound: 'OutputsNotFound',
  outputsInvalid: 'OutputsInvalid',
  /** outputs.pb (or error.pb) kept failing to read past the status-check bound. */
  outputsUnreadable: 'OutputsUnreadable',
  /** Status checks kept failing past the backend's bound. */
  statusCheckFailed: 'StatusCheckFailed',
  unknown: 'Unknown',
} as const;

/** Where a thrown value came from: a task's own code, or a backend's lifecycle call. */
export type ErrorOrigin = 'user' | 'system';

/** Errors that say the task's data or definition is wrong: running it again cannot help. */
const PERMANENT_CODES = new Set(['TFLYTE_NON_RETRYABLE', 'TFLYTE_INVALID_OUTPUT', 'TFLYTE_INVALID_INPUT', 'TFLYTE_LITERAL_MISMATCH']);

/**
 * The one classifier: any thrown value → FailureInfo. Local runs, `tflyte execute` on a cluster and
 * every backend classify through it, so the same error gives the same kind, retryability and
 * attempt count everywhere.
 *
 * - A BackendError keeps the failure it states (from any copy of @tflyte/core).
 * - NonRetryableError and bad input / output values are permanent USER failures.
 * - A storage failure (TFLYTE_STORAGE) is a retryable SYSTEM failure wherever it happens.
 * - Anything else is a retryable failure of `origin`: USER for a task body, SYSTEM for a backend.
 */
export function classifyError(error: unknown, origin: ErrorOrigin): FailureInfo {
  if (error instanceof BackendError && isFailure(error.failure)) return error.failure;
  const message = error instanceof Error ? error.message : String(error);
  if (hasErrorCode(error, 'TFLYTE_STORAGE')) return { kind: 'system', retryable: true, code: 'StorageError', message };
  if (origin === 'system' && !(error instanceof TflyteError && PERMANENT_CODES.has(error.code))) {
    return { kind: 'system', retryable: true, code: FAILURE_CODES.backendException, message };
  }
  const permanent = error instanceof TflyteError && PERMANENT_CODES.has(error.code);
  return { kind: 'user', retryable: !permanent, code: `USER:${errorName(error)}`, message };
}

/** The name put after `USER:` (as flytekit does): the underlying error's class, not a wrapper's. */
function errorName(error: unknown): string {
  if (!(error instanceof Error)) return 'Error';
  return error.cause instanceof Error ? error.cause.name : error.name;
}

function isFailure(value: unknown): value is FailureInfo {
  const f = value as Partial<FailureInfo> | undefined;
  return (
    (f?.kind === 'user' || f?.kind === 'system') &&
    typeof f.retryable === 'boolean' &&
    typeof f.code === 'string' &&
    typeof f.message === 'string'
  );
}

/**
 * A terminal failed status. When the backend sends FailureInfo it wins; otherwise FAILED is a
 * permanent USER failure and RETRYABLE_FAILED a retryable one (Flyte's PhaseInfoFailure /
 * PhaseInfoRetryableFailure defaults).
 */
export function failureFromStatus(status: TaskStatus): FailureInfo {
  if (status.failure !== undefined) return status.failure;
  return {
    kind: 'user',
    retryable: status.phase === TaskExecution_Phase.RETRYABLE_FAILED,
    code: FAILURE_CODES.unknown,
    message: status.message ?? 'the backend reported a failure without details',
  };
}

/**
 * A flyteidl ErrorDocument (error.pb) written by the task: its origin decides the kind and
 * RECOVERABLE decides retryability. An UNKNOWN origin keeps `fallbackKind`.
 */
export function failureFromErrorDocument(bytes: Uint8Array, fallbackKind: FailureKind): FailureInfo | undefined {
  const error = fromBinary(ErrorDocumentSchema, bytes).error;
  if (error === undefined) return undefined;
  const kind =
    error.origin === ExecutionError_ErrorKind.USER ? 'user' : error.origin === ExecutionError_ErrorKind.SYSTEM ? 'system' : fallbackKind;
  return {
    kind,
    retryable: error.kind === ContainerError_Kind.RECOVERABLE,
    code: error.code === '' ? FAILURE_CODES.unknown : error.code,
    message: error.message,
  };
}

/** The inverse, for `tflyte execute`: a failure as the ErrorDocument fields Flyte reads. */
export function errorDocumentFields(failure: FailureInfo): { code: string; kind: ContainerError_Kind; origin: ExecutionError_ErrorKind } {
  return {
    code: failure.code,
    kind: failure.retryable ? ContainerError_Kind.RECOVERABLE : ContainerError_Kind.NON_RECOVERABLE,
    origin: failure.kind === 'user' ? ExecutionError_ErrorKind.USER : ExecutionError_ErrorKind.SYSTEM,
  };
}
