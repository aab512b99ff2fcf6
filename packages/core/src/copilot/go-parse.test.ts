import { describe, expect, it } from 'vitest';
import { formatDurationGo } from '../index.ts';
import { parseGoBool, parseGoDatetime, parseGoDuration, parseGoFloat, parseGoInt } from './go-parse.ts';

const value = <T>(parsed: { ok: true; value: T } | { ok: false; expected: string }): T | 'rejected' =>
  parsed.ok ? parsed.value : 'rejected';

describe("output text parsed as Flyte's copilot parses it", () => {
  it('reads base-10 int64 integers and nothing else', () => {
    expect(['42', '+7', '-7', '0009'].map((s) => value(parseGoInt(s)))).toEqual([42n, 7n, -7n, 9n]);
    for (const bad of ['', '4.0', '0x10', '1_000', ' 1', '9223372036854775808']) expect(value(parseGoInt(bad)), bad).toBe('rejected');
    expect(value(parseGoInt('-9223372036854775808'))).toBe(-(1n << 63n));
  });

  it('reads decimal floats, inf, infinity and nan in any case', () => {
    expect(['3.14', '1e3', '.5', '5.', '-2E-2', '-inf', 'Infinity', '+INF'].map((s) => value(parseGoFloat(s)))).toEqual([
      3.14,
      1000,
      0.5,
      5,
      -0.02,
      -Infinity,
      Infinity,
      Infinity,
    ]);
    expect(value(parseGoFloat('NaN'))).toBeNaN();
    for (const bad of ['', 'abc', '1,5', '1e400', '--1', 'e5']) expect(value(parseGoFloat(bad)), bad).toBe('rejected');
  });

  it("reads strconv.ParseBool's spellings only", () => {
    expect(['1', 't', 'T', 'true', 'TRUE', 'True'].map((s) => value(parseGoBool(s)))).toEqual(Array(6).fill(true));
    expect(['0', 'f', 'F', 'false', 'FALSE', 'False'].map((s) => value(parseGoBool(s)))).toEqual(Array(6).fill(false));
    for (const bad of ['yes', 'tRuE', '']) expect(value(parseGoBool(bad)), bad).toBe('rejected');
  });

  it('reads Go durations into seconds and nanos of the same sign', () => {
    expect(value(parseGoDuration('1h2m3.5s'))).toEqual({ seconds: 3723, nanos: 500_000_000 });
    expect(value(parseGoDuration('300ms'))).toEqual({ seconds: 0, nanos: 300_000_000 });
    expect(value(parseGoDuration('-1.5h'))).toEqual({ seconds: -5400, nanos: 0 });
    expect(value(parseGoDuration('-1.5s'))).toEqual({ seconds: -1, nanos: -500_000_000 });
    expect(value(parseGoDuration('1µs2ns'))).toEqual({ seconds: 0, nanos: 1002 });
    expect(value(parseGoDuration('.5s'))).toEqual({ seconds: 0, nanos: 500_000_000 });
    expect(value(parseGoDuration('0'))).toEqual({ seconds: 0, nanos: 0 });
    for (const bad of ['', '1', '.s', '1d', '1h 2m', '3000000h']) expect(value(parseGoDuration(bad)), bad).toBe('rejected');
  });

  it('reads back every duration Go prints', () => {
    for (const nanos of [0n, 999n, 1_500n, 1_500_000n, 90_000_000_000n, 3_600_000_000_000n, 3_723_500_000_000n, -2_000_000n]) {
      const parsed = value(parseGoDuration(formatDurationGo(nanos)));
      expect(parsed === 'rejected' ? parsed : BigInt(parsed.seconds) * 1_000_000_000n + BigInt(parsed.nanos), String(nanos)).toBe(nanos);
    }
  });

  it('reads RFC 3339 times with any offset, to the nanosecond', () => {
    const at = (iso: string, nanos = 0) => ({ seconds: BigInt(Date.parse(iso) / 1000), nanos });
    expect(value(parseGoDatetime('2024-05-01T12:00:00Z'))).toEqual(at('2024-05-01T12:00:00Z'));
    expect(value(parseGoDatetime('2024-05-01T14:00:00.5+02:00'))).toEqual(at('2024-05-01T12:00:00Z', 500_000_000));
    expect(value(parseGoDatetime('2024-05-01T12:00:00.123456789Z'))).toEqual(at('2024-05-01T12:00:00Z', 123_456_789));
    expect(value(parseGoDatetime('0001-01-01T00:00:00Z'))).toEqual({ seconds: -62_135_596_800n, nanos: 0 });
    expect(value(parseGoDatetime('2024-02-29T00:00:00Z'))).toEqual(at('2024-02-29T00:00:00Z'));
    const bad = [
      '2023-02-29T00:00:00Z',
      '2024-05-01 12:00:00Z',
      '2024-05-01T12:00:00',
      '2024-05-01T24:00:00Z',
      '2024-05-01T12:00:00+25:00',
      '0001-01-01T00:00:00+01:00',
    ];
    for (const text of bad) expect(value(parseGoDatetime(text)), text).toBe('rejected');
  });
});
