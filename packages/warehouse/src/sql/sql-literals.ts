/**
 * Input values as a SQL service sees them. A value reference becomes a typed `SqlValue` (decoded
 * from its Flyte literal, unions looked through), which a dialect binds as a parameter or, for a
 * service without binding, writes as a SQL literal. Only an identifier (`| identifier`) is ever
 * written into the query's text by value, and only after it is validated and quoted.
 */

import { type AnyType, TflyteError } from '@tflyte/core';
import type { Literal } from '@tflyte/idl/core/literals';
import type { ReferenceFilter } from './query-template.ts';
import { type SqlBinds, type SqlType, sqlTypeOf } from './sql-data.ts';

/** An input value that cannot be sent to the service safely; names the input. */
export class QueryInputError extends TflyteError {
  readonly input: string;
  constructor(input: string, problem: string) {
    super('TFLYTE_INVALID_INPUT', `input '${input}' ${problem}`);
    this.input = input;
  }
}

/** A bindable value. `timestamp` is UTC; `text` is its `YYYY-MM-DD HH:MM:SS.fff` form (6 or 9 digits when needed). */
export type SqlValue =
  /** `of`: the NULL's declared type, when the renderer was given the inputs' types. */
  | { readonly type: 'null'; readonly of?: SqlType }
  | { readonly type: 'integer'; readonly value: bigint }
  | { readonly type: 'float'; readonly value: number }
  | { readonly type: 'string'; readonly value: string }
  | { readonly type: 'boolean'; readonly value: boolean }
  | { readonly type: 'timestamp'; readonly seconds: bigint; readonly nanos: number; readonly text: string }
  /** From `| date`: `YYYY-MM-DD`. */
  | { readonly type: 'date'; readonly text: string };

/**
 * Why an input of `type` cannot be referenced with `filter`, or undefined when it can. `binds` is
 * what the dialect binds beyond scalars. Checked when the task is defined, so a list bound into SQL
 * that cannot take it fails before anything runs.
 */
export function referenceTypeProblem(type: AnyType, filter: ReferenceFilter, binds: SqlBinds = {}): string | undefined {
  switch (filter) {
    case 'identifier':
      return type.kind === 'string' || type.kind === 'enum'
        ? undefined
        : `has type ${type.display}; | identifier takes a string (a table or column name)`;
    case 'date':
      return type.kind === 'datetime' ? undefined : `has type ${type.display}; | date takes a datetime`;
    case 'value': {
      const resolved = sqlTypeOf(type.literalType(), binds);
      if (!('unsupported' in resolved)) return undefined;
      const extra = [
        binds.bytes === true ? 'binary' : '',
        binds.arrays === true ? 'list' : '',
        binds.structs === true ? 'struct' : '',
      ].filter((k) => k !== '');
      return (
        `has type ${type.display}, which has no SQL literal form (${resolved.unsupported}); ` +
        `pass int, float, string, bool, datetime, enum${extra.map((k) => `, ${k}`).join('')} or an optional of these, or pass a string and use | identifier for names`
      );
    }
  }
}

/** The value of a `{{ .inputs.x }}` reference. */
export function sqlValue(input: string, literal: Literal): SqlValue {
  const value = unwrap(input, literal);
  switch (value.case) {
    case 'none':
      return { type: 'null' };
    case 'integer':
      return { type: 'integer', value: value.value };
    case 'floatValue':
      return { type: 'float', value: value.value };
    case 'boolean':
      return { type: 'boolean', value: value.value };
    case 'stringValue':
      return { type: 'string', value: value.value };
    case 'datetime':
      return { type: 'timestamp', ...value.value, text: formatTimestamp(input, value.value.seconds, value.value.nanos) };
    case 'other':
      throw new QueryInputError(input, `holds a value of type ${value.kind}, which has no SQL literal form`);
  }
}

/** The value of a `{{ .inputs.x | date }}` reference: the datetime must be midnight UTC, so nothing is dropped. */
export function sqlDateValue(input: string, literal: Literal): SqlValue {
  const value = unwrap(input, literal);
  if (value.case !== 'datetime') throw new QueryInputError(input, `holds a value of type ${describe(value)}; | date takes a datetime`);
  const text = formatTimestamp(input, value.value.seconds, value.value.nanos);
  if (!text.endsWith(' 00:00:00.000')) {
    throw new QueryInputError(input, `is ${text} UTC, which has a time of day; | date takes a datetime at midnight UTC`);
  }
  return { type: 'date', text: text.slice(0, 10) };
}

/** The string of a `{{ .inputs.x | identifier }}` reference, before validation. */
export function identifierText(input: string, literal: Literal): string {
  const value = unwrap(input, literal);
  if (value.case !== 'stringValue')
    throw new QueryInputError(input, `holds a value of type ${describe(value)}; | identifier takes a string`);
  return value.value;
}

/**
 * The ANSI / Trino SQL literal of a value: `'it''s'`, `42`, `1.5E0` (DOUBLE, with an exponent so it
 * is not read as a DECIMAL), `true`, `NULL`, `TIMESTAMP '…'`, `DATE '…'`. Used by services that take
 * parameters as literal text (Athena) and by dialects that have no binding at all.
 */
export function ansiLiteral(input: string, value: SqlValue): string {
  switch (value.type) {
    case 'null':
      return 'NULL';
    case 'integer':
      return value.value.toString();
    case 'float':
      return doubleLiteral(input, value.value);
    case 'boolean':
      return value.value ? 'true' : 'false';
    case 'timestamp':
      return `TIMESTAMP '${value.text}'`;
    case 'date':
      return `DATE '${value.text}'`;
    case 'string':
      return stringLiteral(value.value);
  }
}

/** `it's` → `'it''s'`: in ANSI SQL a string literal's only escape is a doubled quote. */
export function stringLiteral(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

function doubleLiteral(input: string, value: number): string {
  if (!Number.isFinite(value)) {
    throw new QueryInputError(
      input,
      `is ${value}, which has no SQL literal; SQL writes it as nan() or infinity(), which cannot be a parameter`,
    );
  }
  return value.toExponential().toUpperCase().replace('E+', 'E');
}

/** `YYYY-MM-DD HH:MM:SS.fff` in UTC, with 6 or 9 fraction digits when the value has them. */
function formatTimestamp(input: string, seconds: bigint, nanos: number): string {
  const date = new Date(Number(seconds) * 1000);
  const year = date.getUTCFullYear();
  if (Number.isNaN(year) || year < 1 || year > 9999 || nanos < 0 || nanos > 999_999_999) {
    throw new QueryInputError(input, 'is a datetime outside 0001-01-01..9999-12-31, which SQL timestamps cannot represent');
  }
  const iso = date.toISOString();
  const fraction = nanos.toString().padStart(9, '0');
  const digits = nanos % 1_000_000 === 0 ? 3 : nanos % 1000 === 0 ? 6 : 9;
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}.${fraction.slice(0, digits)}`;
}

type Value =
  | { readonly case: 'none' }
  | { readonly case: 'integer'; readonly value: bigint }
  | { readonly case: 'floatValue'; readonly value: number }
  | { readonly case: 'stringValue'; readonly value: string }
  | { readonly case: 'boolean'; readonly value: boolean }
  | { readonly case: 'datetime'; readonly value: { readonly seconds: bigint; readonly nanos: number } }
  /** Anything without a SQL literal form; `kind` names it for errors. */
  | { readonly case: 'other'; readonly kind: string };

/** The primitive (or none) a literal holds, looking through union wrappers. */
function unwrap(input: string, literal: Literal): Value {
  if (literal.value.case !== 'scalar') return { case: 'other', kind: literal.value.case ?? 'empty' };
  const scalar = literal.value.value.value;
  switch (scalar.case) {
    case 'union':
      if (scalar.value.value === undefined) throw new QueryInputError(input, 'is an empty union literal');
      return unwrap(input, scalar.value.value);
    case 'noneType':
      return { case: 'none' };
    case 'primitive': {
      const p = scalar.value.value;
      if (p.case === undefined) throw new QueryInputError(input, 'is an empty primitive literal');
      if (p.case === 'datetime') return { case: 'datetime', value: { seconds: p.value.seconds, nanos: p.value.nanos } };
      if (p.case === 'duration') return { case: 'other', kind: 'duration' };
      return p;
    }
    default:
      return { case: 'other', kind: scalar.case ?? 'empty' };
  }
}

const TYPE_NAMES: Readonly<Record<Exclude<Value['case'], 'other'>, string>> = {
  none: 'none',
  integer: 'int',
  floatValue: 'float',
  stringValue: 'string',
  boolean: 'bool',
  datetime: 'datetime',
};

function describe(value: Value): string {
  return value.case === 'other' ? value.kind : TYPE_NAMES[value.case];
}
