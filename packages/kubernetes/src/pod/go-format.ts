/**
 * Values printed and parsed as Flyte's Go components do: propeller renders `{{.inputs.x}}` with
 * `%v`, and copilot writes and reads a raw container's data files with strconv and time. A script
 * that works on a Flyte cluster must see the same characters here.
 */

function special(value: number): string | undefined {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  if (value === 0) return Object.is(value, -0) ? '-0' : '0';
  return undefined;
}

/** Shortest round-trip digits (toExponential() gives the same ones as Go's strconv); value = 0.digits × 10^dp. */
function shortest(value: number): { sign: string; digits: string; dp: number } {
  const [mantissa = '', exponent = '0'] = Math.abs(value).toExponential().split('e');
  return { sign: value < 0 ? '-' : '', digits: mantissa.replace('.', ''), dp: Number(exponent) + 1 };
}

/** `strconv.FormatFloat(v, 'f', -1, 64)`: shortest digits, never an exponent. */
export function formatFloatPlain(value: number): string {
  const s = special(value);
  if (s !== undefined) return s;
  const { sign, digits, dp } = shortest(value);
  if (dp <= 0) return `${sign}0.${'0'.repeat(-dp)}${digits}`;
  if (dp >= digits.length) return sign + digits + '0'.repeat(dp - digits.length);
  return `${sign}${digits.slice(0, dp)}.${digits.slice(dp)}`;
}

/** `fmt.Sprint(v)`: shortest %g, in exponent form below 1e-4 and from 1e+06 (`2e-05`, `1.5e+06`). */
export function formatFloatGo(value: number): string {
  const s = special(value);
  if (s !== undefined) return s;
  const { sign, digits, dp } = shortest(value);
  const exp = dp - 1;
  if (exp >= -4 && exp < 6) return formatFloatPlain(value);
  const mantissa = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
  return `${sign}${mantissa}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
}

const SECOND = 1_000_000_000n;

/** Go's `time.Duration.String()` of whole nanoseconds: `1h2m3.5s`, `1.5ms`, `0s`. */
export function formatDurationGo(nanos: bigint): string {
  if (nanos === 0n) return '0s';
  const sign = nanos < 0n ? '-' : '';
  const u = nanos < 0n ? -nanos : nanos;
  const fraction = (value: bigint, digits: number): string => {
    const scale = 10n ** BigInt(digits);
    const rest = (value % scale).toString().padStart(digits, '0').replace(/0+$/, '');
    return `${value / scale}${rest === '' ? '' : `.${rest}`}`;
  };
  if (u < 1000n) return `${sign}${u}ns`;
  if (u < 1_000_000n) return `${sign}${fraction(u, 3)}µs`;
  if (u < SECOND) return `${sign}${fraction(u, 6)}ms`;
  const seconds = u / SECOND;
  let text = `${fraction(seconds % 60n * SECOND + (u % SECOND), 9)}s`;
  const minutes = seconds / 60n;
  if (minutes > 0n) text = `${minutes % 60n}m${text}`;
  if (minutes >= 60n) text = `${minutes / 60n}h${text}`;
  return sign + text;
}

/** Go's `time.RFC3339Nano` of a UTC instant (`2024-05-01T12:00:00.5Z`). */
export function formatTimestampGo(seconds: bigint, nanos: number): string {
  const base = new Date(Number(seconds) * 1000).toISOString().slice(0, 19);
  const fraction = String(nanos).padStart(9, '0').replace(/0+$/, '');
  return `${base}${fraction === '' ? '' : `.${fraction}`}Z`;
}

export function durationToNanos(seconds: bigint, nanos: number): bigint {
  return seconds * SECOND + BigInt(nanos);
}

const UNITS: Record<string, bigint> = { ns: 1n, us: 1000n, µs: 1000n, μs: 1000n, ms: 1_000_000n, s: SECOND, m: 60n * SECOND, h: 3600n * SECOND };

/** Go's `time.ParseDuration` (`1h30m`, `1.5s`, `-2ms`) in whole nanoseconds, or undefined. */
export function parseDurationGo(text: string): bigint | undefined {
  const m = /^([+-]?)((?:(?:\d+\.?\d*|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+|0)$/.exec(text);
  if (m === null) return undefined;
  let total = 0n;
  for (const [, number = '', unit = ''] of m[2]!.matchAll(/(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g)) {
    const [whole = '0', frac = ''] = number.split('.');
    const scale = UNITS[unit]!;
    total += BigInt(whole || '0') * scale + (frac === '' ? 0n : (BigInt(frac) * scale) / 10n ** BigInt(frac.length));
  }
  return m[1] === '-' ? -total : total;
}

const BOOLEANS: Readonly<Record<string, boolean>> = {
  '1': true, t: true, T: true, true: true, TRUE: true, True: true,
  '0': false, f: false, F: false, false: false, FALSE: false, False: false,
};

/** `strconv.ParseBool`. */
export function parseBoolGo(text: string): boolean | undefined {
  return BOOLEANS[text];
}
