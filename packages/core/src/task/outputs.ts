/**
 * Output declarations and Flyte's output naming: a single type is `o0`, a tuple is `o0, o1, …`,
 * a record keeps its names (flytekit's NamedTuple). A call returns the same shape the function did.
 */
import { InvalidSchemaError } from '../errors.ts';
import { isFlyteType } from '../types/base.ts';
import type { AnyType, Infer, TypeRecord } from '../types/flyte-type.ts';

export type OutputSpec = AnyType | readonly AnyType[] | TypeRecord | undefined;

export type InferOutput<O extends OutputSpec> = O extends undefined
  ? void
  : O extends AnyType
    ? Infer<O>
    : O extends readonly AnyType[]
      ? { -readonly [K in keyof O]: Infer<O[K]> }
      : O extends TypeRecord
        ? { -readonly [K in keyof O]: Infer<O[K]> }
        : never;

export type OutputShape = 'none' | 'single' | 'tuple' | 'record';

export interface NormalizedOutputs {
  readonly shape: OutputShape;
  /** Flyte output variables in declaration order. */
  readonly types: TypeRecord;
}

export function normalizeOutputs(spec: OutputSpec): NormalizedOutputs {
  if (spec === undefined) return { shape: 'none', types: {} };
  if (isFlyteType(spec)) return { shape: 'single', types: { o0: spec } };
  if (Array.isArray(spec)) {
    if (spec.length < 2) {
      throw new InvalidSchemaError('a tuple of outputs needs at least two types; declare a single output as `outputs: t.float()`');
    }
    const types: Record<string, AnyType> = {};
    spec.forEach((type, i) => {
      if (!isFlyteType(type)) throw new InvalidSchemaError(`outputs[${i}] is not a tflyte type (use t.int(), t.float(), …)`);
      types[`o${i}`] = type;
    });
    return { shape: 'tuple', types };
  }
  for (const [name, type] of Object.entries(spec)) {
    if (!isFlyteType(type)) throw new InvalidSchemaError(`outputs.${name} is not a tflyte type (use t.int(), t.float(), …)`);
  }
  return { shape: 'record', types: spec as TypeRecord };
}

/** Splits a function's return value into Flyte output variables, or describes why its shape is wrong. */
export function packOutputs(outputs: NormalizedOutputs, value: unknown): Record<string, unknown> | string {
  switch (outputs.shape) {
    case 'none':
      return {};
    case 'single':
      return { o0: value };
    case 'tuple': {
      const n = Object.keys(outputs.types).length;
      if (!Array.isArray(value) || value.length !== n) return `expected a tuple of ${n} values`;
      return Object.fromEntries(value.map((v: unknown, i) => [`o${i}`, v]));
    }
    case 'record': {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        return `expected an object with ${Object.keys(outputs.types).join(', ')}`;
      }
      const extra = Object.keys(value).filter((k) => !(k in outputs.types));
      if (extra.length > 0) return `returned undeclared output '${extra[0]}'`;
      return value as Record<string, unknown>;
    }
  }
}

/** The inverse of packOutputs: output variables back to the shape the function returned. */
export function unpackOutputs(outputs: NormalizedOutputs, values: Record<string, unknown>): unknown {
  switch (outputs.shape) {
    case 'none':
      return undefined;
    case 'single':
      return values.o0;
    case 'tuple':
      return Object.keys(outputs.types).map((name) => values[name]);
    case 'record':
      return values;
  }
}
