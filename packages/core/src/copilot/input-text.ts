/**
 * The text forms of a primitive input Literal that copilot writes remotely: the input's file
 * (`/var/inputs/x`) and its `inputs.json` entry. (Propeller's `{{.inputs.x}}` rendering is
 * @tflyte/core's renderTemplate.)
 */

import type { Primitive } from '@tflyte/idl/core/literals';
import { durationNanos, formatTimestampGo } from '../template/go-format.ts';
import { formatPrimitiveGo } from '../template/primitive-text.ts';

export type PrimitiveValue = Primitive['value'];

/** What copilot writes into the input's file (flytecopilot data/download.go handlePrimitive). */
export function fileText(p: PrimitiveValue): string {
  return formatPrimitiveGo(p, 'f') ?? 'null';
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
