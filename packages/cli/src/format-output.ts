/**
 * Results and failures as text. A single scalar prints bare (`3`, `-1.5`, `Infinity`, an ISO date),
 * anything structured as JSON; with --json always JSON, failures included. Values print by their
 * declared type, never by their shape: a struct that happens to hold `{seconds, nanos}` stays a
 * JSON object, and only a declared duration prints as ISO-8601.
 */
import type { AnyType, FlyteListType, FlyteMapType, FlyteUnionType, TypeRecord } from '@tflyte/core';
import { setOwn, TflyteError } from '@tflyte/core';

/** The declared outputs of what ran (a task's `outputs`); without it values print by their runtime shape. */
export interface DeclaredOutputs {
  readonly shape: 'none' | 'single' | 'tuple' | 'record';
  readonly types: TypeRecord;
}

export function formatResult(value: unknown, json: boolean, outputs?: DeclaredOutputs): string {
  const plain = outputs === undefined ? toPlain(value, undefined) : plainOutputs(value, outputs);
  if (plain === undefined) return json ? 'null' : '';
  if (json || (typeof plain === 'object' && plain !== null)) return JSON.stringify(plain, null, json ? 2 : undefined);
  return String(plain);
}

/**
 * A failure as one JSON object on stdout with --json, so scripts read failures the way they read
 * results: `{ "error": { "code", "message", … } }`, plus the task's failure details when it ran.
 */
export function formatFailure(error: unknown): string {
  const base =
    error instanceof TflyteError
      ? { code: error.code, message: error.message }
      : { code: 'TFLYTE_INTERNAL', message: String(error instanceof Error ? error.message : error) };
  const details: Record<string, unknown> = {};
  if (typeof error === 'object' && error !== null) {
    const e = error as { task?: unknown; failure?: unknown; attempts?: unknown };
    if (typeof e.task === 'string') details.task = e.task;
    if (typeof e.failure === 'object' && e.failure !== null) details.failure = e.failure;
    if (typeof e.attempts === 'number') details.attempts = e.attempts;
  }
  return JSON.stringify({ error: { ...base, ...details } }, null, 2);
}

function plainOutputs(value: unknown, outputs: DeclaredOutputs): unknown {
  const types = Object.values(outputs.types);
  switch (outputs.shape) {
    case 'none':
      return undefined;
    case 'single':
      return toPlain(value, types[0]);
    case 'tuple':
      return Array.isArray(value) ? value.map((item, i) => toPlain(item, types[i])) : toPlain(value, undefined);
    case 'record':
      return typeof value === 'object' && value !== null
        ? plainRecord(value as Record<string, unknown>, (key) => outputs.types[key])
        : toPlain(value, undefined);
  }
}

function toPlain(value: unknown, type: AnyType | undefined): unknown {
  if (typeof value === 'number' && !Number.isFinite(value)) {
    // JSON has no Infinity or NaN; proto3 JSON writes them as these strings, and so do we.
    return Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity';
  }
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  switch (type?.kind) {
    case 'duration':
      return isoDuration(value as { seconds: number; nanos: number });
    case 'struct':
      return value;
    case 'list':
      return Array.isArray(value) ? value.map((item) => toPlain(item, (type as FlyteListType<AnyType>).element)) : value;
    case 'map':
      return typeof value === 'object' && value !== null
        ? plainRecord(value as Record<string, unknown>, () => (type as FlyteMapType<AnyType>).valueType)
        : value;
    case 'union':
      return toPlain(value, variantOf(type as FlyteUnionType<unknown>, value));
  }
  if (Array.isArray(value)) return value.map((item) => toPlain(item, undefined));
  if (typeof value === 'object' && value !== null) return plainRecord(value as Record<string, unknown>, () => undefined);
  return value;
}

/** Defines rather than assigns, so a `__proto__` key prints as the key it is. */
function plainRecord(value: Record<string, unknown>, typeOf: (key: string) => AnyType | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    setOwn(out, key, toPlain(item, typeOf(key)));
  }
  return out;
}

function variantOf(type: FlyteUnionType<unknown>, value: unknown): AnyType | undefined {
  return type.variants.find((variant) => {
    try {
      variant.check(value);
      return true;
    } catch {
      return false;
    }
  });
}

function isoDuration({ seconds, nanos }: { seconds: number; nanos: number }): string {
  const negative = seconds < 0 || nanos < 0;
  const whole = Math.abs(seconds);
  const fraction = Math.abs(nanos) === 0 ? '' : `.${String(Math.abs(nanos)).padStart(9, '0').replace(/0+$/, '')}`;
  return `${negative ? '-' : ''}PT${whole}${fraction}S`;
}
