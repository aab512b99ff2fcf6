/**
 * HiveServer2's operation states as task statuses, one row per state (pure: a table test covers it).
 *
 * | TOperationState | Status                                                                          |
 * |-----------------|---------------------------------------------------------------------------------|
 * | INITIALIZED     | QUEUED                                                                          |
 * | PENDING         | QUEUED (waiting for the cluster, e.g. a YARN queue)                             |
 * | RUNNING         | RUNNING                                                                         |
 * | FINISHED        | SUCCEEDED                                                                       |
 * | ERROR           | by SQLSTATE class: 42/22/21/23/0A/3F/44 → USER, permanent; others → SYSTEM, retryable; the message ends with the query log (GetLog) |
 * | TIMEDOUT        | USER, retryable (within the task's retries): the query outlived its timeout     |
 * | CANCELED        | USER, permanent: cancelled outside tflyte (tflyte cancels only what it stopped following) |
 * | CLOSED          | SYSTEM, retryable: closed under the attempt (the server restarted or reclaimed it) |
 * | UKNOWN, other   | SYSTEM, permanent: never poll a state we do not know                            |
 * | (handle lost)   | SYSTEM, retryable `HiveSessionLost`: the session ended with its connection; the next attempt resubmits |
 */
import { failure, type LogLink, queued, running, succeeded, type TaskStatus } from '@tflyte/core';
import { operationStateName, TCLI } from '../tcli.ts';

/** What one status check read. */
export type OperationReport =
  | {
      readonly kind: 'status';
      readonly state: number | undefined;
      readonly sqlState?: string | null;
      readonly errorCode?: number | null;
      readonly errorMessage?: string | null;
      /** The query's own log lines, read for a failed operation where the server keeps them. */
      readonly log?: readonly string[];
    }
  /** HiveServer2 no longer knows the session or operation (INVALID_HANDLE). */
  | { readonly kind: 'lost'; readonly message: string };

/** Log lines kept in a failure's message: the end, where Hive says what failed. */
const LOG_TAIL = 20;

/** SQLSTATE classes that are the query's fault (ISO/IEC 9075): syntax or access rule, data, cardinality, integrity, feature, schema, check option. */
const USER_SQLSTATE_CLASSES = new Set(['42', '22', '21', '23', '0A', '3F', '44']);

export function operationStatus(report: OperationReport, id: string, logs: readonly LogLink[] = []): TaskStatus {
  const details = logs.length === 0 ? {} : { logs };
  if (report.kind === 'lost') {
    return failure(
      'system',
      true,
      'HiveSessionLost',
      `Hive operation ${id} is gone: ${report.message}. HiveServer2 closes a binary-transport session when its client disconnects (hive.server2.close.session.on.disconnect), so this attempt cannot re-attach after a restart; the next attempt submits the query again`,
    );
  }
  const S = TCLI.TOperationState;
  switch (report.state) {
    case S.INITIALIZED_STATE:
      return queued({ message: `Hive operation ${id} is initialized`, ...details });
    case S.PENDING_STATE:
      return queued({ message: `Hive operation ${id} is pending`, ...details });
    case S.RUNNING_STATE:
      return running({ message: `Hive operation ${id} is running`, ...details });
    case S.FINISHED_STATE:
      return succeeded(undefined, { message: `Hive operation ${id} finished`, ...details });
    case S.ERROR_STATE: {
      const sqlState = report.sqlState ?? '';
      const log =
        report.log === undefined || report.log.length === 0
          ? ''
          : `\nHive query log (last ${Math.min(report.log.length, LOG_TAIL)} lines):\n${report.log.slice(-LOG_TAIL).join('\n')}`;
      const message = `Hive operation ${id} failed${sqlState === '' ? '' : ` (SQLSTATE ${sqlState})`}: ${report.errorMessage ?? 'no message'}${log}`;
      const code = sqlState === '' ? 'HiveQueryFailed' : `SQLSTATE_${sqlState}`;
      return USER_SQLSTATE_CLASSES.has(sqlState.slice(0, 2))
        ? failure('user', false, code, message)
        : failure('system', true, code, message);
    }
    case S.TIMEDOUT_STATE:
      return failure(
        'user',
        true,
        'HiveQueryTimedOut',
        `Hive operation ${id} timed out on the server (the task's timeout is sent as the query timeout)`,
      );
    case S.CANCELED_STATE:
      return failure('user', false, 'HiveQueryCancelled', `Hive operation ${id} was cancelled outside tflyte`);
    case S.CLOSED_STATE:
      return failure('system', true, 'HiveOperationClosed', `Hive operation ${id} was closed before it finished`);
    default:
      return failure(
        'system',
        false,
        'UnknownOperationState',
        `Hive operation ${id} is in ${operationStateName(report.state)}, which this plugin does not know; stopped following it`,
      );
  }
}
