/** Which condition of an operator job is current, and when its status cannot be read yet. */
import { describe, expect, it } from 'vitest';
import { currentCondition, operatorJobPhase } from './job-conditions.ts';

describe('currentCondition', () => {
  it('is the newest True condition, the later entry on equal times, undefined without conditions', () => {
    expect(currentCondition(undefined)).toBeUndefined();
    expect(currentCondition([])).toBeUndefined();
    const created = { type: 'Created', status: 'True', lastTransitionTime: '2026-01-01T00:00:00Z' };
    const running = { type: 'Running', status: 'True', lastTransitionTime: '2026-01-01T00:00:05Z' };
    const restarting = { type: 'Restarting', status: 'True', lastTransitionTime: '2026-01-01T00:00:05Z' };
    expect(currentCondition([running, created])).toBe(running);
    expect(currentCondition([created, running, restarting])).toBe(restarting);
    expect(currentCondition([created, { ...running, status: 'False', lastTransitionTime: '2026-01-01T00:01:00Z' }])).toBe(created);
    expect(currentCondition([created, { type: 'Running', status: 'True', lastUpdateTime: '2026-01-01T00:00:09Z' }])?.type).toBe('Running');
  });

  it('throws a retryable SYSTEM error when there are conditions but none is True', () => {
    expect(() => currentCondition([{ type: 'Running', status: 'False' }])).toThrow(
      expect.objectContaining({ failure: expect.objectContaining({ kind: 'system', retryable: true, code: 'OperatorStatusUnreadable' }) }),
    );
  });
});

describe('operatorJobPhase start timeout', () => {
  const created = Date.parse('2026-01-01T00:00:00Z');
  const job = (extra: Record<string, unknown> = {}) => ({ metadata: { name: 'j', creationTimestamp: '2026-01-01T00:00:00Z' }, ...extra });

  it('asks to be evaluated again when the timeout is due, and throws once it has passed without a startTime', () => {
    expect(operatorJobPhase(job(), created + 1000)).toMatchObject({ status: { message: 'JobCreated' }, recheckAt: created + 60_000 });
    expect(() => operatorJobPhase(job(), created + 60_000)).toThrow(/has not started/);
  });

  it('does not apply to a started or suspended job, nor when turned off', () => {
    expect(operatorJobPhase(job({ status: { startTime: '2026-01-01T00:00:01Z' } }), created + 120_000)).toEqual({
      status: expect.objectContaining({ message: 'JobCreated' }),
    });
    expect(operatorJobPhase(job({ spec: { runPolicy: { suspend: true } } }), created + 120_000)).toEqual({
      status: expect.objectContaining({ message: 'JobCreated' }),
    });
    expect(operatorJobPhase(job(), created + 120_000, { startTimeoutMs: 0 })).toEqual({
      status: expect.objectContaining({ message: 'JobCreated' }),
    });
  });
});
