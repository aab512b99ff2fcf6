/**
 * BigQuery's value encoder: the warehouse renderer's typed values (`SqlData`) as named query
 * parameters in the REST API's own shape (`{name, parameterType, parameterValue}`). The types come
 * from the inputs' declarations (an empty list is still ARRAY<INT64>, a null optional a typed NULL);
 * what BigQuery cannot hold (ARRAY of ARRAY, NULL array elements, a NULL struct field it cannot type)
 * is refused naming the input. The request is built here rather than by the SDK's `params`, which
 * sends a Buffer as JSON and a string declared DATE as NULL.
 */
import { describeLiteralType } from '@tflyte/core';
import { type LiteralType, SimpleType } from '@tflyte/idl/core/types';
import { optionalInner, QueryInputError, type SqlData, type SqlScalarKind, type SqlType } from '@tflyte/warehouse';

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

const SCALAR_TYPES: Readonly<Record<SqlScalarKind, string>> = {
  integer: 'INT64',
  float: 'FLOAT64',
  string: 'STRING',
  boolean: 'BOOL',
  timestamp: 'TIMESTAMP',
  date: 'DATE',
  bytes: 'BYTES',
};
const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,299}$/;
const NULL: ParameterValue = { value: null };

function fail(path: string, problem: string): never {
  throw new QueryInputError(path, problem);
}

/**
 * Why an input of Flyte type `type` cannot be declared `declared` in `parameterTypes`, or undefined.
 * Checked when the task is defined.
 */
export function declaredTypeProblem(type: LiteralType, declared: StringParameterType): string | undefined {
  const t = (optionalInner(type) ?? type).type;
  if (t.case === 'simple') {
    if (t.value === SimpleType.STRING) return undefined;
    if (declared === 'DATE' && t.value === SimpleType.DATETIME) return undefined;
    if ((declared === 'NUMERIC' || declared === 'BIGNUMERIC') && (t.value === SimpleType.INTEGER || t.value === SimpleType.FLOAT))
      return undefined;
  }
  return `has type ${describeLiteralType(type)}, which cannot be sent as ${declared}; declare it t.string()${declared === 'DATE' ? ' or t.datetime()' : ''}`;
}

/** One rendered value as a named query parameter; `declared` is the task's `parameterTypes` entry. Throws QueryInputError naming the input. */
export function queryParameter(name: string, value: SqlData, declared?: StringParameterType): QueryParameter {
  if (declared !== undefined) return { name, parameterType: { type: declared }, parameterValue: declaredValue(name, value, declared) };
  const encoded = encode(name, value);
  return { name, parameterType: encoded.type, parameterValue: encoded.value };
}

function parameterType(path: string, type: SqlType): ParameterType {
  switch (type.kind) {
    case 'array':
      if (type.element.kind === 'array')
        return fail(path, 'is a list of lists; BigQuery has no ARRAY of ARRAY (wrap the inner list in a struct)');
      return { type: 'ARRAY', arrayType: parameterType(path, type.element) };
    case 'struct':
      if (type.fields === undefined) return fail(path, 'is a struct whose fields only a value can tell; BigQuery needs them to type it');
      return { type: 'STRUCT', structTypes: type.fields.map((f) => ({ name: f.name, type: parameterType(`${path}.${f.name}`, f.type) })) };
    default:
      return { type: SCALAR_TYPES[type.kind] };
  }
}

interface Encoded {
  readonly type: ParameterType;
  readonly value: ParameterValue;
}

const scalar = (type: string, value: string): Encoded => ({ type: { type }, value: { value } });

function encode(path: string, value: SqlData): Encoded {
  switch (value.type) {
    case 'null': {
      const of = value.of;
      if (of === undefined)
        return fail(path, 'is null where its type cannot be told (a NULL struct field, or a union with no single BigQuery type)');
      if (of.kind === 'struct' && of.fields === undefined)
        return fail(path, 'is null, and an untyped struct has no fields to make a typed NULL STRUCT of; pass an object');
      return { type: parameterType(path, of), value: NULL };
    }
    case 'array': {
      const items = value.items.map((item, i) => {
        if (item.type === 'null') fail(`${path}[${i}]`, 'is null; a BigQuery ARRAY cannot hold NULL elements');
        return encode(`${path}[${i}]`, item);
      });
      // An untyped struct element (or a JSON list) takes its type from the first element; the others must agree.
      const declared =
        value.element === undefined || (value.element.kind === 'struct' && value.element.fields === undefined)
          ? undefined
          : parameterType(path, value.element);
      const first = declared ?? items[0]?.type;
      if (first === undefined) return fail(path, 'is an empty list whose element type only its values could tell; BigQuery cannot type it');
      if (first.type === 'ARRAY') return fail(path, 'is a list of lists; BigQuery has no ARRAY of ARRAY (wrap the inner list in a struct)');
      for (const [i, item] of items.entries()) {
        if (JSON.stringify(item.type) !== JSON.stringify(first))
          fail(`${path}[${i}]`, 'has another type than the first element; every element of a BigQuery ARRAY has one type');
      }
      return { type: { type: 'ARRAY', arrayType: first }, value: { arrayValues: items.map((item) => item.value) } };
    }
    case 'struct': {
      const fields = value.fields.map((field) => {
        const at = `${path}.${field.name}`;
        if (!FIELD_NAME.test(field.name))
          fail(at, 'is not a BigQuery field name (letters, digits and underscores, not starting with a digit)');
        if (field.value.type === 'null' && field.value.of === undefined)
          fail(at, 'is null inside a struct; BigQuery cannot type a NULL struct field from its value');
        return { name: field.name, encoded: encode(at, field.value) };
      });
      return {
        type: { type: 'STRUCT', structTypes: fields.map((f) => ({ name: f.name, type: f.encoded.type })) },
        value: { structValues: Object.fromEntries(fields.map((f) => [f.name, f.encoded.value])) },
      };
    }
    case 'bytes':
      return scalar('BYTES', Buffer.from(value.value).toString('base64'));
    case 'integer':
      return scalar('INT64', value.value.toString());
    case 'float':
      // BigQuery reads FLOAT64 parameters' NaN and infinities by these names.
      return scalar(
        'FLOAT64',
        Number.isNaN(value.value)
          ? 'NaN'
          : value.value === Infinity
            ? 'Infinity'
            : value.value === -Infinity
              ? '-Infinity'
              : String(value.value),
      );
    case 'boolean':
      return scalar('BOOL', value.value ? 'true' : 'false');
    case 'string':
      return scalar('STRING', value.value);
    case 'timestamp':
      return scalar('TIMESTAMP', `${value.text}+00:00`);
    case 'date':
      return scalar('DATE', value.text);
  }
}

/** The text of a value sent as the BigQuery type the task declared for it. */
function declaredValue(path: string, value: SqlData, declared: StringParameterType): ParameterValue {
  switch (value.type) {
    case 'null':
      return NULL;
    case 'timestamp':
      if (declared !== 'DATE') break;
      if (!value.text.endsWith(' 00:00:00.000'))
        fail(path, `is ${value.text} UTC, which has a time of day; a DATE parameter takes a datetime at midnight UTC`);
      return { value: value.text.slice(0, 10) };
    case 'date':
      return { value: value.text };
    case 'integer':
    case 'float':
      if (declared !== 'NUMERIC' && declared !== 'BIGNUMERIC') break;
      if (value.type === 'float' && !Number.isFinite(value.value)) fail(path, `is ${value.value}, which ${declared} cannot hold`);
      return { value: String(value.value) };
    case 'string': {
      const text = value.value;
      if (!STRING_PARAMETER_TYPES[declared].test(text))
        fail(path, `(${JSON.stringify(text.length > 40 ? `${text.slice(0, 37)}...` : text)}) is not a ${declared} value`);
      if (declared === 'JSON') {
        try {
          JSON.parse(text);
        } catch {
          fail(path, 'is not JSON text, and it is declared JSON');
        }
      }
      return { value: text };
    }
    default:
      break;
  }
  return fail(path, `holds a ${value.type} value, which cannot be sent as ${declared}`);
}
