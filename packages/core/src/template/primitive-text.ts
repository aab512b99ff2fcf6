/**
 * A primitive Literal as Flyte's Go components print it: propeller's `{{.inputs.x}}` rendering
 * (core/template serializePrimitive) and copilot's input files (flytecopilot data/download.go
 * handlePrimitive) agree on everything but floats.
 */
import type { Primitive } from '@tflyte/idl/core/literals';
import { durationNanos, formatDurationGo, formatFloatGo, formatFloatPlain, formatTimestampGo } from './go-format.ts';

/**
 * Floats as `%v` (`'v'`, propeller: `1e-05`) or strconv's `'f', -1` (`'f'`, copilot: `0.00001`).
 * Durations take Go's duration form (`1m30s`) in both: propeller's own is the protobuf text form
 * (`seconds:90`), whose spacing Go randomizes on purpose. Undefined for an empty primitive.
 */
export function formatPrimitiveGo(p: Primitive['value'], floats: 'v' | 'f' = 'v'): string | undefined {
  switch (p.case) {
    case 'integer':
      return p.value.toString();
    case 'floatValue':
      return floats === 'v' ? formatFloatGo(p.value) : formatFloatPlain(p.value);
    case 'stringValue':
      return p.value;
    case 'boolean':
      return String(p.value);
    case 'datetime':
      return formatTimestampGo(p.value.seconds, p.value.nanos);
    case 'duration':
      return formatDurationGo(durationNanos(p.value.seconds, p.value.nanos));
    case undefined:
      return undefined;
  }
}
