/**
 * A BigQuery job resource (jobs.get) as a task status: Flyte's BigQuery plugin's state table and its
 * `errorResult.reason` table, one row per reason. Pure, so every row is a table test.
 */
import { type FailureInfo, failed, type LogLink, queued, running, succeeded, type TaskStatus } from '@tflyte/core';

/** The part of a BigQuery Job resource the status reads. */
export interface JobResource {
  readonly jobReference?: { readonly projectId?: string; readonly jobId?: string; readonly location?: string };
  readonly status?: {
    readonly state?: string;
    readonly errorResult?: { readonly reason?: string; readonly message?: string; readonly location?: string };
  };
  readonly configuration?: {
    readonly query?: {
      readonly destinationTable?: { readonly projectId?: string; readonly datasetId?: string; readonly tableId?: string };
    };
  };
}

/** How a failed job's `errorResult.reason` is classified, as Flyte's BigQuery plugin does. */
export const REASON_CLASSES = {
  permanentUser: [
    'accessDenied',
    'billingNotEnabled',
    'blocked',
    'duplicate',
    'invalid',
    'invalidQuery',
    'notFound',
    'notImplemented',
    'resourcesExceeded',
    'responseTooLarge',
    'stopped',
    'timeout',
  ],
  retryableUser: ['quotaExceeded', 'rateLimitExceeded'],
  retryableSystem: ['backendError', 'internalError', 'invalidUser', 'resourceInUse', 'tableUnavailable'],
} as const;

/** FailureInfo for a job that ended with `reason`; any reason not in the table is a permanent SYSTEM failure. */
export function reasonFailure(reason: string, message: string): FailureInfo {
  const code = reason === '' ? 'unknown' : reason;
  if ((REASON_CLASSES.permanentUser as readonly string[]).includes(reason)) return { kind: 'user', retryable: false, code, message };
  if ((REASON_CLASSES.retryableUser as readonly string[]).includes(reason)) return { kind: 'user', retryable: true, code, message };
  if ((REASON_CLASSES.retryableSystem as readonly string[]).includes(reason)) return { kind: 'system', retryable: true, code, message };
  return { kind: 'system', retryable: false, code, message };
}

/** The BigQuery console page of a job. */
export function consoleUrl(projectId: string, location: string, jobId: string): string {
  return `https://console.cloud.google.com/bigquery?project=${encodeURIComponent(projectId)}&j=bq:${encodeURIComponent(location)}:${encodeURIComponent(jobId)}&page=queryresults`;
}

/**
 * | state   | errorResult.reason                        | status                              |
 * |---------|-------------------------------------------|-------------------------------------|
 * | PENDING |                                           | QUEUED                              |
 * | RUNNING |                                           | RUNNING                             |
 * | DONE    | none                                      | SUCCEEDED (outputs read after)      |
 * | DONE    | accessDenied … timeout (REASON_CLASSES)   | FAILED, user                        |
 * | DONE    | quotaExceeded, rateLimitExceeded          | RETRYABLE_FAILED, user              |
 * | DONE    | backendError … tableUnavailable           | RETRYABLE_FAILED, system            |
 * | DONE    | any other                                 | FAILED, system                      |
 * | other   |                                           | FAILED, system: never poll a state we do not know |
 */
export function jobStatus(
  job: JobResource,
  handle: { readonly projectId: string; readonly location: string; readonly jobId: string },
): TaskStatus {
  const logs: LogLink[] = [{ name: 'BigQuery Console', uri: consoleUrl(handle.projectId, handle.location, handle.jobId) }];
  const state = job.status?.state;
  const name = `BigQuery job ${handle.jobId}`;
  switch (state) {
    case 'PENDING':
      return queued({ message: `${name} is pending`, logs });
    case 'RUNNING':
      return running({ message: `${name} is running`, logs });
    case 'DONE': {
      const error = job.status?.errorResult;
      if (error === undefined) return succeeded(undefined, { message: `${name} is done`, logs });
      const reason = error.reason ?? '';
      return failed(reasonFailure(reason, `${name} failed: ${reason || 'no reason'}: ${error.message ?? 'no message'}`), { logs });
    }
    default:
      return failed(
        {
          kind: 'system',
          retryable: false,
          code: 'UnknownJobState',
          message: `${name} is in state ${JSON.stringify(state ?? null)}, which this plugin does not know; stopped following it`,
        },
        { logs },
      );
  }
}
