import { describe, expect, it } from 'vitest';
import { durationNanos, formatDurationGo, formatFloatGo, formatFloatPlain, formatTimestampGo } from './go-format.ts';

describe("Go's text forms", () => {
  it("formats floats as fmt's %v does: shortest digits, an exponent from 1e+06 and below 1e-04", () => {
    const cases: Array<[number, string]> = [
      [3, '3'],
      [3.5, '3.5'],
      [0.5, '0.5'],
      [-0.25, '-0.25'],
      [123456, '123456'],
      [1e6, '1e+06'],
      [1234567, '1.234567e+06'],
      [0.0001, '0.0001'],
      [0.00001, '1e-05'],
      [2e-5, '2e-05'],
      [-2.5e-7, '-2.5e-07'],
      [1e21, '1e+21'],
      [-1.5e21, '-1.5e+21'],
      [1e100, '1e+100'],
      [0.1 + 0.2, '0.30000000000000004'],
      [0, '0'],
      [-0, '-0'],
      [NaN, 'NaN'],
      [Infinity, '+Inf'],
      [-Infinity, '-Inf'],
    ];
    for (const [value, text] of cases) expect(formatFloatGo(value), String(value)).toBe(text);
  });

  it("formats floats as strconv's 'f', -1 does for copilot's input files: never an exponent", () => {
    const cases: Array<[number, string]> = [
      [3, '3'],
      [3.25, '3.25'],
      [-7, '-7'],
      [37.69911184307752, '37.69911184307752'],
      [1e21, '1000000000000000000000'],
      [1e-7, '0.0000001'],
      [2e-5, '0.00002'],
      [-1.5e-3, '-0.0015'],
      [1.25e3, '1250'],
      [0, '0'],
      [NaN, 'NaN'],
      [-Infinity, '-Inf'],
    ];
    for (const [value, text] of cases) expect(formatFloatPlain(value), String(value)).toBe(text);
  });

  it('formats durations as time.Duration.String(): h, m and fractional s, or a sub-second unit', () => {
    const cases: Array<[bigint, string]> = [
      [0n, '0s'],
      [1n, '1ns'],
      [999n, '999ns'],
      [1500n, '1.5µs'],
      [1_500_000n, '1.5ms'],
      [100_000_000n, '100ms'],
      [1_000_000_000n, '1s'],
      [90_000_000_000n, '1m30s'],
      [3_600_000_000_000n, '1h0m0s'],
      [3_661_500_000_000n, '1h1m1.5s'],
      [3_723_500_000_000n, '1h2m3.5s'],
      [-2_000_000n, '-2ms'],
      [-90_000_000_000n, '-1m30s'],
      [100n * 3_600_000_000_000n + 1n, '100h0m0.000000001s'],
    ];
    for (const [nanos, text] of cases) expect(formatDurationGo(nanos), String(nanos)).toBe(text);
  });

  it('clamps durations to the int64 nanoseconds Go holds, as AsDuration does', () => {
    expect(durationNanos(90n, 500)).toBe(90_000_000_500n);
    expect(durationNanos(-1n, -5)).toBe(-1_000_000_005n);
    expect(durationNanos(315_576_000_000n, 0)).toBe((1n << 63n) - 1n);
  });

  it('formats timestamps in RFC 3339 with nanoseconds in UTC, trailing zeros dropped', () => {
    expect(formatTimestampGo(0n, 0)).toBe('1970-01-01T00:00:00Z');
    expect(formatTimestampGo(1_714_564_800n, 500_000_000)).toBe('2024-05-01T12:00:00.5Z');
    expect(formatTimestampGo(1_714_564_800n, 123_456_789)).toBe('2024-05-01T12:00:00.123456789Z');
    expect(formatTimestampGo(-62_135_596_800n, 0)).toBe('0001-01-01T00:00:00Z');
  });
});
