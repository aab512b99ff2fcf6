// Flyte's kfoperators condition table, row by row, on PyTorchJobs: the mapping is @tflyte/kubernetes'
// operatorJobPhase, the one every operator job shares; the backend passes it the operator timeout.
import { Phase } from '@tflyte/core';
import { currentCondition, JOB_STATUS_UNREADABLE, operatorJobPhase } from '@tflyte/kubernetes';
import { describe, expect, it } from 'vitest';
import type { PyTorchJobView } from './pytorch-job.ts';

const pytorchJobPhase = (job: PyTorchJobView, now: number, startTimeoutMs = 60_000) => operatorJobPhase(job, now, { startTimeoutMs })!;

const CREATED = '2026-01-01T00:00:00Z';
const at = (s: number) => new Date(Date.parse(CREATED) + s * 1000).toISOString();
const job = (conditions: object[] | undefined, extra: Partial<PyTorchJobView> = {}): PyTorchJobView => ({
  metadata: { name: 'j', namespace: 'ns', creationTimestamp: CREATED },
  spec: {},
  status: { startTime: at(1), ...(conditions === undefined ? {} : { conditions: conditions as never }) },
  ...extra,
});
const cond = (type: string, status: string, s: number, reason = `${type}Reason`, message = `${type} message`) => ({
  type,
  status,
  lastTransitionTime: at(s),
  reason,
  message,
});
const now = Date.parse(CREATED) + 5000;

describe('condition → phase', () => {
  it.each([
    ['no conditions', undefined, Phase.QUEUED, 'JobCreated'],
    ['Created', [cond('Created', 'True', 1)], Phase.QUEUED, 'JobCreated'],
    ['Running', [cond('Created', 'True', 1), cond('Running', 'True', 2)], Phase.RUNNING, undefined],
    ['Restarting', [cond('Running', 'False', 2), cond('Restarting', 'True', 3)], Phase.RUNNING, undefined],
    ['Succeeded', [cond('Running', 'False', 2), cond('Succeeded', 'True', 4)], Phase.SUCCEEDED, undefined],
    ['Suspended', [cond('Created', 'True', 1), cond('Suspended', 'True', 2)], Phase.QUEUED, 'Suspended'],
  ] as const)('%s', (_label, conditions, phase, message) => {
    const status = pytorchJobPhase(job(conditions as never), now).status;
    expect(status.phase).toBe(phase);
    if (message !== undefined) expect(status.message).toBe(message);
  });

  it('Failed is a retryable USER failure with the reason and message', () => {
    const status = pytorchJobPhase(
      job([cond('Running', 'False', 2), cond('Failed', 'True', 3, 'PyTorchJobFailed', 'worker-1 exited 3')]),
      now,
    ).status;
    expect(status.phase).toBe(Phase.RETRYABLE_FAILED);
    expect(status.failure).toMatchObject({
      kind: 'user',
      retryable: true,
      code: 'DownstreamSystemError',
      message: 'Job failed: PyTorchJobFailed - worker-1 exited 3',
    });
  });

  it('the newest True condition decides, whatever the list order', () => {
    expect(currentCondition([cond('Succeeded', 'True', 9), cond('Running', 'True', 2)])?.type).toBe('Succeeded');
  });

  it('conditions present but none True is a status that cannot be read yet: a retryable SYSTEM error for the executor to read again', () => {
    expect(() => pytorchJobPhase(job([cond('Running', 'False', 2)]), now)).toThrow(
      expect.objectContaining({ failure: expect.objectContaining({ kind: 'system', retryable: true, code: JOB_STATUS_UNREADABLE }) }),
    );
  });

  it('no start time: queued until the operator timeout, then unreadable (retried under the status-check bound)', () => {
    const unstarted = job(undefined, { status: {} });
    const before = pytorchJobPhase(unstarted, Date.parse(CREATED) + 30_000);
    expect(before.status.phase).toBe(Phase.QUEUED);
    expect(before.recheckAt).toBe(Date.parse(CREATED) + 60_000);
    expect(() => pytorchJobPhase(unstarted, Date.parse(CREATED) + 61_000)).toThrow(/is the operator running/);
  });

  it('a suspended job without a start time does not time out', () => {
    const suspended = job([cond('Suspended', 'True', 1)], {
      spec: { runPolicy: { suspend: true } },
      status: { conditions: [cond('Suspended', 'True', 1)] as never },
    });
    expect(pytorchJobPhase(suspended, Date.parse(CREATED) + 3_600_000).status.phase).toBe(Phase.QUEUED);
  });
});
