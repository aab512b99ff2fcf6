import { describe, expect, it } from 'vitest';
import { fixedLengthUniqueId, generatedName, toDns1123 } from './generated-name.ts';

describe('generated names', () => {
  it("hashes ids longer than the limit exactly as Flyte's FixedLengthUniqueID does", () => {
    // Vectors from flytestdlib encoding/encoder_test.go.
    expect(fixedLengthUniqueId('x', 5)).toBe('x');
    expect(fixedLengthUniqueId('xxxxx', 10)).toBe('xxxxx');
    expect(fixedLengthUniqueId('xxxxxxxxxxxxxxxxxxxxxxxx', 20)).toBe('fuaa3aji');
    expect(fixedLengthUniqueId('xxxxxxxxxxx', 10)).toBe('fggddjly');
    expect(fixedLengthUniqueId('xx', 1)).toBe('flfryc2i');
    expect(fixedLengthUniqueId('xxxxxx', 5)).toBe('fufiti6i');
  });

  it('joins run id, node id and attempt, keeping names of up to 50 characters as they are', () => {
    expect(generatedName('abc123', 'n0', 0)).toBe('abc123-n0-0');
    const fifty = `${'a'.repeat(45)}-n0-1`;
    expect(fifty).toHaveLength(50);
    expect(generatedName('a'.repeat(45), 'n0', 1)).toBe(fifty);
  });

  it('hashes longer names to 8 DNS-1123 characters that differ per attempt', () => {
    const first = generatedName('r'.repeat(60), 'n0', 0);
    const second = generatedName('r'.repeat(60), 'n0', 1);
    expect(first).toMatch(/^f[a-z1-6]{7}$/);
    expect(second).toMatch(/^f[a-z1-6]{7}$/);
    expect(first).not.toBe(second);
  });

  it('makes user-chosen ids DNS-1123 safe', () => {
    expect(toDns1123('My_Run.2024')).toBe('my-run-2024');
    expect(toDns1123('--x--')).toBe('x');
    expect(toDns1123('___')).toBe('x');
    expect(generatedName('Nightly Run', 'Load/Users', 2)).toBe('nightly-run-load-users-2');
    expect(generatedName('Nightly Run', 'Load/Users', 2)).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
  });
});
