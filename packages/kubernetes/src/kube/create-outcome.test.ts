import { describe, expect, it } from 'vitest';
import { requestExceedsQuota } from './create-outcome.ts';

describe('requestExceedsQuota', () => {
  const message = (requested: string, limited: string) =>
    `pods "p" is forbidden: exceeded quota: compute, requested: ${requested}, used: limits.cpu=1,limits.memory=1Gi, limited: ${limited}`;

  it('is true when the request alone is above a limit, whatever is in use', () => {
    expect(requestExceedsQuota(message('limits.cpu=4,limits.memory=1Gi', 'limits.cpu=2,limits.memory=8Gi'))).toBe(true);
    expect(requestExceedsQuota(message('requests.memory=2Gi', 'requests.memory=1536Mi'))).toBe(true);
  });

  it('is false when freeing what is in use would let it in', () => {
    expect(requestExceedsQuota(message('limits.cpu=500m', 'limits.cpu=1'))).toBe(false);
    expect(requestExceedsQuota('pods "p" is forbidden: exceeded quota: count/pods')).toBe(false);
  });
});
