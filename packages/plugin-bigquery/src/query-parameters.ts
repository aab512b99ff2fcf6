/**
 * Inputs as BigQuery named query parameters (`@name`, standard SQL), in the REST API's own shape
 * (`{name, parameterType, parameterValue}`). The parameter's type comes from the input's declared
 * Flyte type, never from the value: an empty list is still ARRAY<INT64>, a null optional is still a
 * typed NULL. The request is built here rather than by the SDK's `params`, which sends a Buffer as
 * JSON and a string declared DATE as NULL.
 */
import { describeLiteralType, typeFromLiteralType } from '@tflyte/core';
import type { Literal } from '@tflyte/idl/core/literals';
import { type LiteralType, SimpleType } from '@tflyte/idl/core/types';
import { QueryInputError, sqlValue } from '@tflyte/warehouse';

/** BigQuery types a string input may be declared as (`parameterTypes`), and what its text must look like. */
export const STRING_PARAMETER_TYPES = {
  NUMERIC: /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/,
  BIGNUMERIC: /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/,
  DATE: /^\d{4}-\d{2}-\d{2}$/,
  DATETIME: /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d{1,6})?$/,
  TIME: /^\d{2}:\d{2}:\d{2}(\.\d{1,6})?$/,
  JSON: /^[\s\S]*$/,
} as const;
export type StringParameterType = keyof typeof STRING_PARAMETER_TYPES;

/** A BigQuery QueryParameterType. */
export interface ParameterType {
  readonly type: string;
  readonly arrayType?: ParameterType;
  readonly structTypes?: readonly { readonly name: string; readonly type: ParameterType }[];
}

/** A BigQuery QueryParameterValue; `value` null is SQL NULL. */
export interface ParameterValue {
  readonly value?: string | null;
  readonly arrayValues?: readonly ParameterValue[];
  readonly structValues?: Readonly<Record<string, ParameterValue>>;
}

export interface QueryParameter {
  readonly name: string;
  readonly parameterType: ParameterType;
  readonly parameterValue: ParameterValue;
}

/**
 * The BigQuery type of an input of Flyte type `type`, or a problem (a sentence completing "input 'x' …")
 * when it has none. `declared` is the task's `parameterTypes` entry for the input.
 */
export function parameterTypeOf(type: LiteralType, declared?: StringParameterType): ParameterType | { readonly problem: string } {
  const t = type.type;
  if (declared !== undefined) {
    if (t.case === 'simple' && (t.value === SimpleType.STRING || (declared === 'DATE' && t.value === SimpleType.DATETIME))) return { type: declared };
    if (t.case === 'simple' && (declared === 'NUMERIC' || declared === 'BIGNUMERIC') && (t.value === SimpleType.INTEGER || t.value === SimpleType.FLOAT)) {
      return { type: declared };
    }
    const inner = optionalInner(type);
    if (inner !== undefined) return parameterTypeOf(inner, declared);
    return { problem: `has type ${describeLiteralType(type)}, which cannot be sent as ${declared}; declare it t.string()${declared === 'DATE' ? ' or t.datetime()' : ''}` };
  }
  switch (t.case) {
    case 'simple':
      switch (t.value) {
        case SimpleType.INTEGER:
          return { type: 'INT64' };
        case SimpleType.FLOAT:
          return { type: 'FLOAT64' };
        case SimpleType.STRING:
          return { type: 'STRING' };
        case SimpleType.BOOLEAN:
          return { type: 'BOOL' };
        case SimpleType.DATETIME:
          return { type: 'TIMESTAMP' };
        case SimpleType.BINARY:
          return { type: 'BYTES' };
        case SimpleType.STRUCT:
          // An untyped JSON object: its STRUCT fields follow the value (see parameterValueOf).
          return { type: 'STRUCT' };
        default:
          return { problem: `has type ${describeLiteralType(type)}, which has no BigQuery query parameter type` };
      }
    case 'enumType':
      return { type: 'STRING' };
    case 'collectionType': {
      const element = parameterTypeOf(t.value);
      if ('problem' in element) return element;
      if (element.type === 'ARRAY') return { problem: 'is a list of lists; BigQuery has no ARRAY of ARRAY (wrap the inner list in a struct)' };
      return { type: 'ARRAY', arrayType: element };
    }
    case 'unionType': {
      const inner = optionalInner(type);
      if (inner !== undefined) return parameterTypeOf(inner);
      return { problem: `has type ${describeLiteralType(type)}; a union other than an optional has no single BigQuery type` };
    }
    default:
      return { problem: `has type ${describeLiteralType(type)}, which has no BigQuery query parameter type (pass a string and use | identifier for names)` };
  }
}

/** The non-none variant of an optional (`T | None`), if `type` is one. */
function optionalInner(type: LiteralType): LiteralType | undefined {
  if (type.type.case !== 'unionType') return undefined;
  const variants = type.type.value.variants.filter((v) => !(v.type.case === 'simple' && v.type.value === SimpleType.NONE));
  return variants.length === 1 && variants.length < type.type.value.variants.length ? variants[0] : undefined;
}

/** One input as a named query parameter, typed by its declaration. Throws QueryInputError naming the input. */
export function queryParameter(name: string, type: LiteralType, literal: Literal, declared?: StringParameterType): QueryParameter {
  const parameterType = parameterTypeOf(type, declared);
  if ('problem' in parameterType) throw new QueryInputError(name, parameterType.problem);
  const { type: resolved, value } = valueOf(name, type, parameterType, literal);
  return { name, parameterType: resolved, parameterValue: value };
}

interface Typed {
  readonly type: ParameterType;
  readonly value: ParameterValue;
}

const NULL: ParameterValue = { value: null };

function valueOf(path: string, flyteType: LiteralType, type: ParameterType, literal: Literal): Typed {
  const scalar = literal.value.case === 'scalar' ? literal.value.value.value : undefined;
  if (scalar?.case === 'union') {
    const inner = scalar.value.value;
    if (inner === undefined) throw new QueryInputError(path, 'is an empty union literal');
    return valueOf(path, optionalInner(flyteType) ?? flyteType, type, inner);
  }
  if (scalar?.case === 'noneType') {
    if (type.type === 'STRUCT' && type.structTypes === undefined) {
      throw new QueryInputError(path, 'is null, and an untyped struct has no fields to make a typed NULL STRUCT of; pass an object');
    }
    return { type, value: NULL };
  }
  switch (type.type) {
    case 'ARRAY': {
      if (literal.value.case !== 'collection') throw new QueryInputError(path, 'is declared a list but holds no collection literal');
      const elementType = type.arrayType as ParameterType;
      const flyteElement = flyteType.type.case === 'collectionType' ? flyteType.type.value : flyteType;
      const items = literal.value.value.literals.map((item, i) => {
        const typed = valueOf(`${path}[${i}]`, flyteElement, elementType, item);
        if (typed.value.value === null) throw new QueryInputError(`${path}[${i}]`, 'is null; a BigQuery ARRAY cannot hold NULL elements');
        return typed;
      });
      // An untyped struct element takes its fields from the first element; the others must agree.
      const first = items[0]?.type ?? elementType;
      for (const [i, item] of items.entries()) {
        if (JSON.stringify(item.type) !== JSON.stringify(first)) throw new QueryInputError(`${path}[${i}]`, 'has other struct fields than the first element; every element of a BigQuery ARRAY has one type');
      }
      return { type: { type: 'ARRAY', arrayType: first }, value: { arrayValues: items.map((item) => item.value) } };
    }
    case 'STRUCT': {
      const json = typeFromLiteralType(flyteType).fromLiteral(literal, path);
      return jsonStruct(path, json);
    }
    case 'BYTES': {
      const bytes = scalar?.case === 'binary' ? scalar.value.value : undefined;
      if (bytes === undefined) throw new QueryInputError(path, 'is declared binary but holds no binary literal');
      return { type, value: { value: Buffer.from(bytes).toString('base64') } };
    }
    default:
      return { type, value: { value: scalarText(path, type.type, literal) } };
  }
}

/** The value text of a scalar parameter, as the REST API takes it. */
function scalarText(path: string, type: string, literal: Literal): string {
  const value = sqlValue(path, literal);
  switch (value.type) {
    case 'null':
      return fail(path, 'is null where a value is required');
    case 'integer':
      return value.value.toString();
    case 'float':
      // BigQuery reads FLOAT64 parameters' NaN and infinities by these names.
      return Number.isNaN(value.value) ? 'NaN' : value.value === Infinity ? 'Infinity' : value.value === -Infinity ? '-Infinity' : String(value.value);
    case 'boolean':
      return value.value ? 'true' : 'false';
    case 'timestamp':
      if (type === 'DATE') {
        if (!value.text.endsWith(' 00:00:00.000')) throw new QueryInputError(path, `is ${value.text} UTC, which has a time of day; a DATE parameter takes a datetime at midnight UTC`);
        return value.text.slice(0, 10);
      }
      return `${value.text}+00:00`;
    case 'date':
      return value.text;
    case 'string': {
      const pattern = (STRING_PARAMETER_TYPES as Record<string, RegExp>)[type];
      if (pattern !== undefined && !pattern.test(value.value)) {
        throw new QueryInputError(path, `(${JSON.stringify(value.value.length > 40 ? `${value.value.slice(0, 37)}...` : value.value)}) is not a ${type} value`);
      }
      if (type === 'JSON') {
        try {
          JSON.parse(value.value);
        } catch {
          throw new QueryInputError(path, 'is not JSON text, and it is declared JSON');
        }
      }
      return value.value;
    }
  }
}

function fail(path: string, problem: string): never {
  throw new QueryInputError(path, problem);
}

/** A JSON value as a STRUCT / ARRAY / scalar parameter, its type read off the value. */
function jsonStruct(path: string, json: unknown): Typed {
  if (json === null || json === undefined) return fail(path, 'is null inside a struct; BigQuery cannot type a NULL struct field from its value');
  if (typeof json === 'boolean') return { type: { type: 'BOOL' }, value: { value: json ? 'true' : 'false' } };
  if (typeof json === 'bigint') return { type: { type: 'INT64' }, value: { value: json.toString() } };
  if (typeof json === 'number') return Number.isInteger(json) ? { type: { type: 'INT64' }, value: { value: String(json) } } : { type: { type: 'FLOAT64' }, value: { value: String(json) } };
  if (typeof json === 'string') return { type: { type: 'STRING' }, value: { value: json } };
  if (Array.isArray(json)) {
    if (json.length === 0) return fail(path, 'is an empty list inside a struct; BigQuery cannot type it from its value');
    const items = json.map((item, i) => jsonStruct(`${path}[${i}]`, item));
    const first = items[0] as Typed;
    if (first.type.type === 'ARRAY') return fail(path, 'is a list of lists; BigQuery has no ARRAY of ARRAY');
    for (const [i, item] of items.entries()) {
      if (JSON.stringify(item.type) !== JSON.stringify(first.type)) return fail(`${path}[${i}]`, 'has another type than the first element; a BigQuery ARRAY has one element type');
    }
    return { type: { type: 'ARRAY', arrayType: first.type }, value: { arrayValues: items.map((i) => i.value) } };
  }
  if (typeof json === 'object') {
    const entries = Object.entries(json as Record<string, unknown>).map(([key, v]) => {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) fail(`${path}.${key}`, 'is not a BigQuery field name (letters, digits and underscores)');
      return [key, jsonStruct(`${path}.${key}`, v)] as const;
    });
    return {
      type: { type: 'STRUCT', structTypes: entries.map(([name, typed]) => ({ name, type: typed.type })) },
      value: { structValues: Object.fromEntries(entries.map(([name, typed]) => [name, typed.value])) },
    };
  }
  return fail(path, `holds a ${typeof json}, which has no BigQuery type`);
}
