import { describe, expect, it } from 'vitest';
import { formatDurationGo, formatFloatGo, formatFloatPlain, formatTimestampGo, parseBoolGo, parseDurationGo } from './go-format.ts';

describe('Go formatting', () => {
  it('prints floats as fmt %v does: exponents below 1e-4 and from 1e+06', () => {
    expect([0.5, 2e-5, 1e-4, 123456, 1e6, 1234567, -1.5e21, 0, -0, Infinity, NaN].map(formatFloatGo)).toEqual([
      '0.5', '2e-05', '0.0001', '123456', '1e+06', '1.234567e+06', '-1.5e+21', '0', '-0', '+Inf', 'NaN',
    ]);
  });

  it('prints floats as strconv "f" -1 does: never an exponent', () => {
    expect([2e-5, 1e21, 3.25, -7].map(formatFloatPlain)).toEqual(['0.00002', '1000000000000000000000', '3.25', '-7']);
  });

  it('prints durations as time.Duration.String() and parses them back', () => {
    const cases: [bigint, string][] = [
      [0n, '0s'],
      [999n, '999ns'],
      [1_500n, '1.5µs'],
      [1_500_000n, '1.5ms'],
      [90_000_000_000n, '1m30s'],
      [3_600_000_000_000n, '1h0m0s'],
      [3_723_500_000_000n, '1h2m3.5s'],
      [-2_000_000n, '-2ms'],
    ];
    for (const [nanos, text] of cases) {
      expect(formatDurationGo(nanos)).toBe(text);
      expect(parseDurationGo(text)).toBe(nanos);
    }
    expect(parseDurationGo('1.5h')).toBe(5_400_000_000_000n);
    expect(parseDurationGo('10')).toBeUndefined();
  });

  it('prints timestamps as RFC 3339 with nanoseconds, and parses booleans as strconv.ParseBool', () => {
    expect(formatTimestampGo(1_767_225_600n, 500_000_000)).toBe('2026-01-01T00:00:00.5Z');
    expect(formatTimestampGo(1_767_225_600n, 0)).toBe('2026-01-01T00:00:00Z');
    expect(['1', 'T', 'True', 'f', 'FALSE', 'yes'].map(parseBoolGo)).toEqual([true, true, true, false, false, undefined]);
  });
});
