/** Flyte's phase table for SparkApplication states, and the log links Flyte shows in each. */
import { Phase } from '@tflyte/core';
import { testAttemptContext } from '@tflyte/testing';
import { describe, expect, it } from 'vitest';
import { type SparkApplicationView, sparkPhase } from './index.ts';

const ctx = testAttemptContext();
const app = (state: string | undefined, status: Partial<NonNullable<SparkApplicationView['status']>> = {}): SparkApplicationView => ({
  metadata: { name: 'run-n0-0', namespace: 'spark' },
  status: { ...(state === undefined ? {} : { applicationState: { state } }), ...status },
});

describe('sparkPhase: every row of the table', () => {
  it.each([
    [undefined, Phase.QUEUED],
    ['', Phase.QUEUED],
    ['SUBMITTED', Phase.INITIALIZING],
    ['RUNNING', Phase.RUNNING],
    ['PENDING_RERUN', Phase.RUNNING],
    ['SUCCEEDING', Phase.RUNNING],
    ['FAILING', Phase.RUNNING],
    ['INVALIDATING', Phase.RUNNING],
    ['UNKNOWN', Phase.RUNNING],
    ['COMPLETED', Phase.SUCCEEDED],
    ['FAILED', Phase.RETRYABLE_FAILED],
    ['SUBMISSION_FAILED', Phase.RETRYABLE_FAILED],
  ])('%s → %s', (state, phase) => {
    expect(sparkPhase(app(state), ctx).phase).toBe(phase);
  });

  it('fails as a retryable USER DownstreamSystemError carrying the operator’s message', () => {
    const status = sparkPhase(
      app('FAILED', { applicationState: { state: 'FAILED', errorMessage: 'driver container failed with ExitCode: 1' } }),
      ctx,
    );
    expect(status.failure).toEqual({
      kind: 'user',
      retryable: true,
      code: 'DownstreamSystemError',
      message: 'SparkApplication run-n0-0 failed: driver container failed with ExitCode: 1',
    });
  });

  it('summarizes executor states while running', () => {
    expect(sparkPhase(app('RUNNING', { executorState: { a: 'RUNNING', b: 'RUNNING', c: 'PENDING' } }), ctx).message).toBe(
      'SparkApplication run-n0-0 is RUNNING (executors: 2 RUNNING, 1 PENDING)',
    );
  });
});

describe('sparkPhase: log links', () => {
  const options = {
    logs: {
      mixed: [{ name: 'Kubernetes Logs', template: 'https://k8s/#!/log/{{ .namespace }}/{{ .podName }}/pod' }],
      user: [{ name: 'CloudWatch', template: 'https://cw/{{ .podName }}' }],
      allUser: [{ name: 'All', template: 'https://all/{{ .podName }}' }],
    },
    historyServerUrl: 'https://history.example.com/',
  };

  it('links the driver pod once the operator names it, and the driver UI while running', () => {
    const status = sparkPhase(
      app('RUNNING', {
        driverInfo: { podName: 'run-n0-0-driver', webUIIngressAddress: 'spark-ui.example.com/run-n0-0' },
        sparkApplicationId: 'spark-123',
      }),
      ctx,
      options,
    );
    expect(status.logs).toEqual([
      { name: 'Kubernetes Logs (Driver Logs)', uri: 'https://k8s/#!/log/spark/run-n0-0-driver/pod' },
      { name: 'CloudWatch (User Logs)', uri: 'https://cw/run-n0-0-driver' },
      { name: 'All (Spark-Submit/All User Logs)', uri: 'https://all/run-n0-0-driver' },
      { name: 'Spark Driver UI', uri: 'https://spark-ui.example.com/run-n0-0' },
    ]);
  });

  it('shows the all-user logs from submission on, before the driver exists', () => {
    expect(sparkPhase(app('SUBMITTED'), ctx, options).logs).toEqual([
      { name: 'All (Spark-Submit/All User Logs)', uri: 'https://all/run-n0-0-driver' },
    ]);
  });

  it('links the history server once the application is over', () => {
    const status = sparkPhase(
      app('COMPLETED', { driverInfo: { podName: 'run-n0-0-driver', webUIIngressAddress: 'ui' }, sparkApplicationId: 'spark-123' }),
      ctx,
      options,
    );
    expect(status.logs?.map((l) => l.name)).not.toContain('Spark Driver UI');
    expect(status.logs).toContainEqual({ name: 'Spark History UI', uri: 'https://history.example.com/history/spark-123' });
  });
});
