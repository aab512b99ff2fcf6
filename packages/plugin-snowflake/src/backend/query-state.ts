/**
 * Snowflake query states → task phases, as a pure table. Errors are classified by Snowflake's error
 * code: internal errors and incidents are the service's (SYSTEM, retryable), statement errors the
 * user's (permanent), a cancelled statement is ABORTED.
 */
import { aborted, failure, initializing, type LogLink, queued, running, succeeded, type TaskStatus } from '@tflyte/core';

export interface QueryError {
  readonly code: string;
  readonly sqlState: string;
  readonly message: string;
}

/** What a status check read: the state, and for a failed query the error its result carries. */
export interface QueryResource {
  readonly queryId: string;
  readonly status: string;
  readonly error?: QueryError;
}

/** Codes of failures that are Snowflake's, not the statement's. */
const SYSTEM_CODES = new Set(['000603', '000605', '000606', '300002', '300005', '390100', '390144']);
const CANCELLED = '000604';
const STATEMENT_TIMEOUT = '000630';

export function queryStatus(resource: QueryResource, logs: readonly LogLink[]): TaskStatus {
  const details = { logs };
  switch (resource.status) {
    case 'QUEUED':
    case 'NO_DATA':
      return queued({ ...details, message: 'query queued' });
    case 'QUEUED_REPARING_WAREHOUSE':
      return queued({ ...details, message: 'queued: the warehouse is being repaired' });
    case 'RESUMING_WAREHOUSE':
      return initializing({ ...details, message: 'resuming the warehouse' });
    case 'RUNNING':
    case 'RESTARTED':
      return running({ ...details, message: 'query running' });
    case 'BLOCKED':
      return running({ ...details, message: 'blocked: waiting for a lock held by another transaction' });
    case 'SUCCESS':
      return succeeded(undefined, details);
    case 'ABORTING':
    case 'ABORTED':
      return aborted({ ...details, message: `query ${resource.queryId} was cancelled` });
    case 'FAILED_WITH_INCIDENT':
      return withLogs(
        failure(
          'system',
          true,
          'FAILED_WITH_INCIDENT',
          `Snowflake query ${resource.queryId} failed with an incident: ${resource.error?.message ?? 'no details'}`,
        ),
        logs,
      );
    case 'DISCONNECTED':
      return withLogs(failure('system', true, 'DISCONNECTED', `Snowflake query ${resource.queryId} lost its session`), logs);
    case 'FAILED_WITH_ERROR': {
      const error = resource.error;
      if (error?.code === CANCELLED) return aborted({ ...details, message: error.message });
      const code = error === undefined ? 'FAILED_WITH_ERROR' : `${error.code}:${error.sqlState}`;
      const message = `Snowflake query ${resource.queryId} failed: ${error?.message ?? 'no error details'}`;
      if (error !== undefined && SYSTEM_CODES.has(error.code)) return withLogs(failure('system', true, code, message), logs);
      // A statement timeout may pass on a retry (a less busy warehouse); other statement errors will not.
      return withLogs(failure('user', error?.code === STATEMENT_TIMEOUT, code, message), logs);
    }
    default:
      return withLogs(
        failure(
          'system',
          true,
          'UnknownQueryStatus',
          `Snowflake query ${resource.queryId} reports status '${resource.status}', which tflyte does not know`,
        ),
        logs,
      );
  }
}

function withLogs(status: TaskStatus, logs: readonly LogLink[]): TaskStatus {
  return { ...status, logs };
}

/**
 * The Snowsight page of a query, as flytekit's connector links it. `xy12345.us-east-1` is a locator
 * with its region; `org-account` an account name under its organization.
 */
export function snowsightUrl(account: string, queryId: string): string {
  const dot = account.indexOf('.');
  const [first, second] = dot === -1 ? account.split('-', 2) : [account.slice(dot + 1), account.slice(0, dot)];
  const path =
    second === undefined
      ? encodeURIComponent(account.toLowerCase())
      : `${encodeURIComponent(first!.toLowerCase())}/${encodeURIComponent(second.toLowerCase())}`;
  return `https://app.snowflake.com/${path}/#/compute/history/queries/${queryId}/detail`;
}
