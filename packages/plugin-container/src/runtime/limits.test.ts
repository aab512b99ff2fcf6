import { describe, expect, it } from 'vitest';
import { ContainerSpecError } from './errors.ts';
import { cpusFlag, memoryFlag } from './limits.ts';

describe('Kubernetes quantities as runtime limit flags', () => {
  it('turns CPU millicores and cores into a --cpus value', () => {
    expect(cpusFlag('500m')).toBe('0.5');
    expect(cpusFlag('2')).toBe('2');
    expect(cpusFlag('1.5')).toBe('1.5');
    expect(cpusFlag('100m')).toBe('0.1');
    expect(cpusFlag('0.1')).toBe('0.1');
  });

  it('turns binary and decimal memory quantities into a byte count', () => {
    expect(memoryFlag('256Mi')).toBe('268435456b');
    expect(memoryFlag('1Gi')).toBe('1073741824b');
    expect(memoryFlag('500M')).toBe('500000000b');
    expect(memoryFlag('1e6')).toBe('1000000b');
    expect(memoryFlag('1.5Ki')).toBe('1536b');
  });

  it('rejects malformed, zero and negative quantities naming the field', () => {
    for (const bad of ['', 'lots', '-1', '0', '256MB', '1.2.3']) {
      expect(() => memoryFlag(bad)).toThrow(ContainerSpecError);
    }
    expect(() => cpusFlag('half')).toThrow(/limits\.cpu.*'500m'/);
    expect(() => memoryFlag('1 Gi')).toThrow(/limits\.memory/);
  });
});
