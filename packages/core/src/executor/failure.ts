import { fromBinary } from '@bufbuild/protobuf';
import { TaskExecution_Phase, ExecutionError_ErrorKind } from '@tflyte/idl/core/execution';
import { ContainerError_Kind, ErrorDocumentSchema } from '@tflyte/idl/core/errors';
import { TflyteError } from '../errors.ts';
import type { FailureInfo, TaskStatus } from '../plugin/contract.ts';

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
  unknown: 'Unknown',
} as const;

/**
 * A BackendError, recognised by its code and fields rather than its class, so errors from a plugin
 * that bundles its own copy of @tflyte/core still carry their kind and retryability.
 */
function asBackendError(error: unknown): { kind: 'user' | 'system'; retryable: boolean; reason: string; message: string } | undefined {
  if (!(error instanceof TflyteError) || error.code !== 'TFLYTE_BACKEND') return undefined;
  const { kind, retryable, reason } = error as unknown as Record<string, unknown>;
  if ((kind !== 'user' && kind !== 'system') || typeof retryable !== 'boolean') return undefined;
  return { kind, retryable, reason: typeof reason === 'string' && reason !== '' ? reason : FAILURE_CODES.unknown, message: error.message };
}

/** Errors thrown by a lifecycle call: BackendError keeps its kind; anything else is a retryable SYSTEM failure. */
export function failureFromThrown(error: unknown): FailureInfo {
  const backend = asBackendError(error);
  if (backend !== undefined) return { kind: backend.kind, retryable: backend.retryable, code: backend.reason, message: backend.message };
  return {
    kind: 'system',
    retryable: true,
    code: FAILURE_CODES.backendException,
    message: error instanceof Error ? error.message : String(error),
  };
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
export function failureFromErrorDocument(bytes: Uint8Array, fallbackKind: FailureInfo['kind']): FailureInfo | undefined {
  const error = fromBinary(ErrorDocumentSchema, bytes).error;
  if (error === undefined) return undefined;
  const kind = error.origin === ExecutionError_ErrorKind.USER ? 'user' : error.origin === ExecutionError_ErrorKind.SYSTEM ? 'system' : fallbackKind;
  return {
    kind,
    retryable: error.kind === ContainerError_Kind.RECOVERABLE,
    code: error.code === '' ? FAILURE_CODES.unknown : error.code,
    message: error.message,
  };
}
