/**
 * Results as text: a single scalar prints bare (`3`, `-1.5`, an ISO date), anything structured as
 * JSON; with --json always JSON. Dates and durations print in ISO-8601, bytes as base64.
 */
export function formatResult(value: unknown, json: boolean): string {
  const plain = toPlain(value);
  if (json || (typeof plain === 'object' && plain !== null)) return JSON.stringify(plain, null, json ? 2 : undefined);
  return plain === undefined ? '' : String(plain);
}

function toPlain(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (Array.isArray(value)) return value.map(toPlain);
  if (typeof value === 'object' && value !== null) {
    const keys = Object.keys(value);
    if (keys.length === 2 && 'seconds' in value && 'nanos' in value) return isoDuration(value as { seconds: number; nanos: number });
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toPlain(v)]));
  }
  return value;
}

function isoDuration({ seconds, nanos }: { seconds: number; nanos: number }): string {
  const total = seconds + nanos / 1e9;
  return `${total < 0 ? '-' : ''}PT${Math.abs(total)}S`;
}
