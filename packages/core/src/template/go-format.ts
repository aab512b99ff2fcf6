/**
 * Values as Flyte's Go components print them. Containers see inputs only as text that Go code
 * writes remotely (propeller's `{{.inputs.x}}` rendering, copilot's input files), so a local run
 * must produce the same characters or a script that works here could break on a cluster.
 */

/** Go's shortest round-trip digits of a finite, non-zero float: `digits` without a point, value = 0.digits × 10^dp. */
function shortestDigits(value: number): { negative: boolean; digits: string; dp: number } {
  // toExponential() without an argument gives the shortest digits that round-trip, as Go's strconv does.
  const [mantissa = '', exponent = '0'] = Math.abs(value).toExponential().split('e');
  return { negative: value < 0, digits: mantissa.replace('.', ''), dp: Number(exponent) + 1 };
}

function special(value: number): string | undefined {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  if (value === 0) return Object.is(value, -0) ? '-0' : '0';
  return undefined;
}

/** `strconv.FormatFloat(v, 'f', -1, 64)`: never an exponent (copilot's input files). */
export function formatFloatPlain(value: number): string {
  const s = special(value);
  if (s !== undefined) return s;
  const { negative, digits, dp } = shortestDigits(value);
  let text: string;
  if (dp <= 0) text = `0.${'0'.repeat(-dp)}${digits}`;
  else if (dp >= digits.length) text = digits + '0'.repeat(dp - digits.length);
  else text = `${digits.slice(0, dp)}.${digits.slice(dp)}`;
  return negative ? `-${text}` : text;
}

/** `fmt.Sprintf("%v", v)`: shortest %g, with an exponent when it is below -4 or at least 6 (propeller's templates). */
export function formatFloatGo(value: number): string {
  const s = special(value);
  if (s !== undefined) return s;
  const { negative, digits, dp } = shortestDigits(value);
  const exp = dp - 1;
  if (exp >= -4 && exp < 6) return formatFloatPlain(value);
  const mantissa = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
  const e = `e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  return `${negative ? '-' : ''}${mantissa}${e}`;
}

const NANOS_PER_SECOND = 1_000_000_000n;
const INT64_MAX = (1n << 63n) - 1n;
const INT64_MIN = -(1n << 63n);

/** Whole nanoseconds of a protobuf Duration, clamped to Go's time.Duration range as AsDuration() does. */
export function durationNanos(seconds: bigint, nanos: number): bigint {
  const total = seconds * NANOS_PER_SECOND + BigInt(nanos);
  return total > INT64_MAX ? INT64_MAX : total < INT64_MIN ? INT64_MIN : total;
}

/** Fraction digits of `value / 10^precision` without trailing zeros, e.g. (1500n, 3) → [1n, '.5']. */
function splitFraction(value: bigint, precision: number): [bigint, string] {
  const scale = 10n ** BigInt(precision);
  const fraction = (value % scale).toString().padStart(precision, '0').replace(/0+$/, '');
  return [value / scale, fraction === '' ? '' : `.${fraction}`];
}

/** Go's `time.Duration.String()`: `1h2m3.5s`, `1.5ms`, `0s`. */
export function formatDurationGo(totalNanos: bigint): string {
  if (totalNanos === 0n) return '0s';
  const negative = totalNanos < 0n;
  const u = negative ? -totalNanos : totalNanos;
  let text: string;
  if (u < NANOS_PER_SECOND) {
    const [unit, precision]: [string, number] = u < 1000n ? ['ns', 0] : u < 1_000_000n ? ['µs', 3] : ['ms', 6];
    const [whole, fraction] = splitFraction(u, precision);
    text = `${whole}${fraction}${unit}`;
  } else {
    const [totalSeconds, fraction] = splitFraction(u, 9);
    text = `${totalSeconds % 60n}${fraction}s`;
    const totalMinutes = totalSeconds / 60n;
    if (totalMinutes > 0n) {
      text = `${totalMinutes % 60n}m${text}`;
      const hours = totalMinutes / 60n;
      if (hours > 0n) text = `${hours}h${text}`;
    }
  }
  return negative ? `-${text}` : text;
}

/** Go's `time.RFC3339Nano` of a UTC instant: `2024-05-01T12:00:00.5Z` (trailing zeros dropped). */
export function formatTimestampGo(seconds: bigint, nanos: number): string {
  const base = new Date(Number(seconds) * 1000).toISOString().slice(0, 19);
  const fraction = String(nanos).padStart(9, '0').replace(/0+$/, '');
  return `${base}${fraction === '' ? '' : `.${fraction}`}Z`;
}
