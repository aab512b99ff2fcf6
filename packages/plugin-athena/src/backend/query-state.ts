/**
 * Athena's query states as TaskExecution phases, one row per state. Everything a FAILED query
 * reports (StateChangeReason, AthenaError) ends up in the failure, and its error category decides
 * whose fault it is.
 */
import type { QueryExecution } from '@aws-sdk/client-athena';
import { type FailureInfo, failed as failedStatus, failure, queued, running, succeeded, type TaskStatus } from '@tflyte/core';

/** AthenaError.ErrorCategory. */
const ATHENA_ERROR_CATEGORY = { SYSTEM: 1, USER: 2, OTHER: 3 } as const;

/** A status with its message always set. */
export type QueryState = TaskStatus & { readonly message: string };

/**
 * | State      | Phase                                  | Failure                                                   |
 * |------------|----------------------------------------|-----------------------------------------------------------|
 * | QUEUED     | QUEUED                                 |                                                           |
 * | RUNNING    | RUNNING                                |                                                           |
 * | SUCCEEDED  | SUCCEEDED                              |                                                           |
 * | FAILED     | RETRYABLE_FAILED (category 1 SYSTEM)   | system, retryable                                         |
 * | FAILED     | FAILED (category 2 USER)               | user, permanent                                           |
 * | FAILED     | by AthenaError.Retryable (3 OTHER/none)| user; retryable unless Athena says it is not              |
 * | CANCELLED  | FAILED                                 | user, permanent: someone stopped it outside tflyte        |
 * | other      | FAILED                                 | system, permanent: never poll a state we do not know      |
 */
export function queryState(execution: QueryExecution): QueryState {
  const id = execution.QueryExecutionId ?? '(unknown id)';
  const status = execution.Status;
  const reason = status?.StateChangeReason;
  switch (status?.State) {
    case 'QUEUED':
      return queued({ message: `Athena query ${id} is queued` }) as QueryState;
    case 'RUNNING':
      return running({ message: `Athena query ${id} is running` }) as QueryState;
    case 'SUCCEEDED':
      return succeeded(undefined, { message: `Athena query ${id} succeeded` }) as QueryState;
    case 'FAILED':
      return failed(id, execution);
    case 'CANCELLED': {
      // tflyte stops a query only when it has stopped following it, so a CANCELLED query seen here
      // was stopped by someone else; running it again would override their decision.
      const message = `Athena query ${id} was cancelled outside tflyte${reason ? `: ${reason}` : ''}`;
      return failure('user', false, 'QueryCancelled', message) as QueryState;
    }
    default: {
      const message = `Athena query ${id} is in state ${JSON.stringify(status?.State ?? null)}, which this plugin does not know; stopped following it`;
      return failure('system', false, 'UnknownQueryState', message) as QueryState;
    }
  }
}

function failed(id: string, execution: QueryExecution): QueryState {
  const status = execution.Status;
  const error = status?.AthenaError;
  const reason = status?.StateChangeReason || error?.ErrorMessage || 'no reason given';
  const message = `Athena query ${id} failed: ${reason}`;
  const code =
    /^([A-Z][A-Z0-9_]+):/.exec(reason)?.[1] ?? (error?.ErrorType === undefined ? 'QueryFailed' : `ATHENA_ERROR_${error.ErrorType}`);
  let info: FailureInfo;
  switch (error?.ErrorCategory) {
    case ATHENA_ERROR_CATEGORY.SYSTEM:
      info = { kind: 'system', retryable: true, code, message };
      break;
    case ATHENA_ERROR_CATEGORY.USER:
      info = { kind: 'user', retryable: false, code, message };
      break;
    default:
      // As Flyte's Athena plugin: a failed query is the user's, retryable within the task's retries.
      info = { kind: 'user', retryable: error?.Retryable ?? true, code, message };
  }
  return failedStatus(info) as QueryState;
}

/** The Athena console page of one query. */
export function consoleUrl(region: string, queryExecutionId: string): string {
  const host = region.startsWith('us-gov-')
    ? 'console.amazonaws-us-gov.com'
    : region.startsWith('cn-')
      ? `${region}.console.amazonaws.cn`
      : `${region}.console.aws.amazon.com`;
  return `https://${host}/athena/home?region=${encodeURIComponent(region)}#/query-editor/history/${encodeURIComponent(queryExecutionId)}`;
}
