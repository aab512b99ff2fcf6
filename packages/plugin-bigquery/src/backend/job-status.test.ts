// Every row of the state and errorResult.reason tables.
import { Phase } from '@tflyte/core';
import { describe, expect, it } from 'vitest';
import { jobStatus, REASON_CLASSES } from './job-status.ts';

const handle = { projectId: 'my-project', location: 'EU', jobId: 'tflyte_r1' };
const done = (reason: string) => jobStatus({ status: { state: 'DONE', errorResult: { reason, message: 'boom' } } }, handle);

describe('jobStatus', () => {
  it.each([
    ['PENDING', Phase.QUEUED],
    ['RUNNING', Phase.RUNNING],
    ['DONE', Phase.SUCCEEDED],
  ])('state %s is %s, with the console link', (state, phase) => {
    const status = jobStatus({ status: { state } }, handle);
    expect(status.phase).toBe(phase);
    expect(status.logs).toEqual([
      { name: 'BigQuery Console', uri: 'https://console.cloud.google.com/bigquery?project=my-project&j=bq:EU:tflyte_r1&page=queryresults' },
    ]);
  });

  it.each(REASON_CLASSES.permanentUser)('reason %s is a permanent USER failure', (reason) => {
    expect(done(reason)).toMatchObject({ phase: Phase.FAILED, failure: { kind: 'user', retryable: false, code: reason } });
  });
  it.each(REASON_CLASSES.retryableUser)('reason %s is a retryable USER failure', (reason) => {
    expect(done(reason)).toMatchObject({ phase: Phase.RETRYABLE_FAILED, failure: { kind: 'user', retryable: true, code: reason } });
  });
  it.each(REASON_CLASSES.retryableSystem)('reason %s is a retryable SYSTEM failure', (reason) => {
    expect(done(reason)).toMatchObject({ phase: Phase.RETRYABLE_FAILED, failure: { kind: 'system', retryable: true, code: reason } });
  });
  it('any other reason is a permanent SYSTEM failure', () => {
    expect(done('somethingNew')).toMatchObject({
      phase: Phase.FAILED,
      failure: { kind: 'system', retryable: false, code: 'somethingNew' },
    });
  });
  it('an unknown state is a permanent SYSTEM failure rather than polled forever', () => {
    expect(jobStatus({ status: { state: 'WEIRD' } }, handle)).toMatchObject({
      phase: Phase.FAILED,
      failure: { kind: 'system', code: 'UnknownJobState' },
    });
  });
});
