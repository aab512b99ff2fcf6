/**
 * The text forms of a primitive input Literal. Three Go components write them remotely, each its
 * own way: copilot's input file (`/var/inputs/x`), copilot's `inputs.json` entry, and propeller's
 * `{{.inputs.x}}` rendering.
 */
import type { Primitive } from '@tflyte/idl/core/literals';
import { durationNanos, formatDurationGo, formatFloatGo, formatFloatPlain, formatTimestampGo } from './go-format.ts';

export type PrimitiveValue = Primitive['value'];

/** What copilot writes into the input's file (flytecopilot data/download.go handlePrimitive). */
export function fileText(p: PrimitiveValue): string {
  switch (p.case) {
    case 'integer':
      return p.value.toString();
    case 'floatValue':
      return formatFloatPlain(p.value);
    case 'stringValue':
      return p.value;
    case 'boolean':
      return String(p.value);
    case 'datetime':
      return formatTimestampGo(p.value.seconds, p.value.nanos);
    case 'duration':
      return formatDurationGo(durationNanos(p.value.seconds, p.value.nanos));
    case undefined:
      return 'null';
  }
}

/**
 * What propeller substitutes for `{{.inputs.x}}` (core/template serializePrimitive). Durations are
 * written in Go's duration form (`1m30s`) like the input file, not as propeller's protobuf text
 * form (`seconds:90`), whose spacing Go randomizes on purpose.
 */
export function templateText(p: PrimitiveValue): string {
  return p.case === 'floatValue' ? formatFloatGo(p.value) : fileText(p);
}

/**
 * The JSON text of the input's entry in `inputs.json`, as Go's encoding/json writes copilot's
 * value map: durations as integer nanoseconds, times as RFC 3339 strings, `<>&` escaped.
 * NaN and ±Infinity have no JSON form (copilot fails the download); undefined is returned for them.
 */
export function jsonText(p: PrimitiveValue): string | undefined {
  switch (p.case) {
    case 'integer':
      return p.value.toString();
    case 'floatValue':
      if (!Number.isFinite(p.value)) return undefined;
      return Object.is(p.value, -0) ? '-0' : JSON.stringify(p.value);
    case 'stringValue':
      return goJsonString(p.value);
    case 'boolean':
      return String(p.value);
    case 'datetime':
      return goJsonString(formatTimestampGo(p.value.seconds, p.value.nanos));
    case 'duration':
      return durationNanos(p.value.seconds, p.value.nanos).toString();
    case undefined:
      return 'null';
  }
}

/** A JSON string with the HTML-safe escapes Go's encoder adds by default. */
export function goJsonString(text: string): string {
  return JSON.stringify(text).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
