import { Phase } from '@tflyte/core';
import { describe, expect, it } from 'vitest';
import { type QueryResource, queryStatus, snowsightUrl } from './query-state.ts';

const id = '01b2c3d4-0000-4000-8000-000000000001';
const err = (code: string, sqlState = '42000') => ({ code, sqlState, message: `error ${code}` });

describe('Snowflake query status → phase', () => {
  const rows: [string, QueryResource, { phase: Phase; kind?: string; retryable?: boolean; code?: string }][] = [
    ['queued', { queryId: id, status: 'QUEUED' }, { phase: Phase.QUEUED }],
    ['no data yet', { queryId: id, status: 'NO_DATA' }, { phase: Phase.QUEUED }],
    ['queued, repairing warehouse', { queryId: id, status: 'QUEUED_REPARING_WAREHOUSE' }, { phase: Phase.QUEUED }],
    ['resuming warehouse', { queryId: id, status: 'RESUMING_WAREHOUSE' }, { phase: Phase.INITIALIZING }],
    ['running', { queryId: id, status: 'RUNNING' }, { phase: Phase.RUNNING }],
    ['restarted', { queryId: id, status: 'RESTARTED' }, { phase: Phase.RUNNING }],
    ['blocked on a lock', { queryId: id, status: 'BLOCKED' }, { phase: Phase.RUNNING }],
    ['success', { queryId: id, status: 'SUCCESS' }, { phase: Phase.SUCCEEDED }],
    ['aborting', { queryId: id, status: 'ABORTING' }, { phase: Phase.ABORTED }],
    ['aborted', { queryId: id, status: 'ABORTED' }, { phase: Phase.ABORTED }],
    [
      'failed: compilation error',
      { queryId: id, status: 'FAILED_WITH_ERROR', error: err('002003', '42S02') },
      { phase: Phase.FAILED, kind: 'user', retryable: false, code: '002003:42S02' },
    ],
    [
      'failed: division by zero',
      { queryId: id, status: 'FAILED_WITH_ERROR', error: err('100051', '22012') },
      { phase: Phase.FAILED, kind: 'user', retryable: false, code: '100051:22012' },
    ],
    [
      'failed: statement timeout',
      { queryId: id, status: 'FAILED_WITH_ERROR', error: err('000630', '57014') },
      { phase: Phase.RETRYABLE_FAILED, kind: 'user', retryable: true },
    ],
    ['failed: cancelled', { queryId: id, status: 'FAILED_WITH_ERROR', error: err('000604', '57014') }, { phase: Phase.ABORTED }],
    [
      'failed: internal error',
      { queryId: id, status: 'FAILED_WITH_ERROR', error: err('000603', 'XX000') },
      { phase: Phase.RETRYABLE_FAILED, kind: 'system', retryable: true, code: '000603:XX000' },
    ],
    [
      'failed with incident',
      { queryId: id, status: 'FAILED_WITH_INCIDENT' },
      { phase: Phase.RETRYABLE_FAILED, kind: 'system', retryable: true },
    ],
    ['disconnected', { queryId: id, status: 'DISCONNECTED' }, { phase: Phase.RETRYABLE_FAILED, kind: 'system', retryable: true }],
    [
      'unknown state',
      { queryId: id, status: 'SOMETHING_NEW' },
      { phase: Phase.RETRYABLE_FAILED, kind: 'system', code: 'UnknownQueryStatus' },
    ],
  ];
  it.each(rows)('%s', (_name, resource, expected) => {
    const status = queryStatus(resource, []);
    expect(status.phase).toBe(expected.phase);
    if (expected.kind !== undefined)
      expect(status.failure).toMatchObject({
        kind: expected.kind,
        ...(expected.retryable === undefined ? {} : { retryable: expected.retryable }),
        ...(expected.code === undefined ? {} : { code: expected.code }),
      });
  });

  it('links the query in Snowsight', () => {
    expect(snowsightUrl('xy12345.us-east-1', id)).toBe(
      `https://app.snowflake.com/us-east-1/xy12345/#/compute/history/queries/${id}/detail`,
    );
    expect(snowsightUrl('myorg-acct', id)).toBe(`https://app.snowflake.com/myorg/acct/#/compute/history/queries/${id}/detail`);
  });
});
