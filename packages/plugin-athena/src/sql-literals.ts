/**
 * Input values as Athena sees them. A value becomes one `ExecutionParameters` entry: a SQL literal
 * written as a string ('it''s', 42, 1.5E0, true, NULL, TIMESTAMP '…', DATE '…') that Athena binds to
 * a `?` placeholder, so it can never change the query's text. Only an identifier (`| identifier`) is
 * written into the query itself, and only after it is validated and double-quoted.
 */
import type { Literal } from '@tflyte/idl/core/literals';
import { type AnyType, type FlyteUnionType, TflyteError } from '@tflyte/core';
import type { ReferenceFilter } from './query-template.ts';

/** Athena's limit on the length of one execution parameter. */
export const MAX_PARAMETER_LENGTH = 1024;

/** An input value that cannot be sent to Athena safely; names the input. */
export class QueryInputError extends TflyteError {
  readonly input: string;
  constructor(input: string, problem: string) {
    super('TFLYTE_INVALID_INPUT', `input '${input}' ${problem}`);
    this.input = input;
  }
}

const VALUE_KINDS = new Set(['integer', 'float', 'string', 'boolean', 'datetime', 'enum', 'none']);

/**
 * Why an input of `type` cannot be referenced with `filter`, or undefined when it can. Checked when
 * the task is defined, so a list bound into SQL fails before anything runs.
 */
export function referenceTypeProblem(type: AnyType, filter: ReferenceFilter): string | undefined {
  switch (filter) {
    case 'identifier':
      return type.kind === 'string' || type.kind === 'enum'
        ? undefined
        : `has type ${type.display}; | identifier takes a string (a table or column name)`;
    case 'date':
      return type.kind === 'datetime' ? undefined : `has type ${type.display}; | date takes a datetime`;
    case 'value': {
      const unsupported = valueKinds(type).find((t) => !VALUE_KINDS.has(t.kind));
      return unsupported === undefined
        ? undefined
        : `has type ${type.display}, which has no SQL literal form (${unsupported.display}); ` +
            'pass int, float, string, bool, datetime, enum or an optional of these, or pass a string and use | identifier for names';
    }
  }
}

function valueKinds(type: AnyType): AnyType[] {
  return type.kind === 'union' ? (type as FlyteUnionType<unknown>).variants.flatMap(valueKinds) : [type];
}

/** The SQL literal for a value reference. */
export function parameterLiteral(input: string, literal: Literal): string {
  const value = unwrap(input, literal);
  switch (value.case) {
    case 'none':
      return 'NULL';
    case 'integer':
      return value.value.toString();
    case 'floatValue':
      return doubleLiteral(input, value.value);
    case 'boolean':
      return value.value ? 'true' : 'false';
    case 'datetime':
      return `TIMESTAMP '${formatTimestamp(input, value.value.seconds, value.value.nanos)}'`;
    case 'stringValue': {
      const text = stringLiteral(value.value);
      if (text.length > MAX_PARAMETER_LENGTH) {
        throw new QueryInputError(
          input,
          `is ${text.length} characters as a SQL literal; Athena takes execution parameters of at most ${MAX_PARAMETER_LENGTH} characters`,
        );
      }
      return text;
    }
    case 'other':
      throw new QueryInputError(input, `holds a value of type ${value.kind}, which has no SQL literal form`);
  }
}

/** `DATE 'YYYY-MM-DD'` for `| date`: the datetime must be midnight UTC, so nothing is dropped. */
export function dateLiteral(input: string, literal: Literal): string {
  const value = unwrap(input, literal);
  if (value.case !== 'datetime') throw new QueryInputError(input, `holds a value of type ${describe(value)}; | date takes a datetime`);
  const text = formatTimestamp(input, value.value.seconds, value.value.nanos);
  if (!text.endsWith(' 00:00:00.000')) {
    throw new QueryInputError(input, `is ${text} UTC, which has a time of day; | date takes a datetime at midnight UTC`);
  }
  return `DATE '${text.slice(0, 10)}'`;
}

const IDENTIFIER_PART = /^[A-Za-z_][A-Za-z0-9_]*$/;
const MAX_IDENTIFIER_PART = 255;

/**
 * `db.table` → `"db"."table"`. Each dot-separated part must match [A-Za-z_][A-Za-z0-9_]*, which also
 * rules out quotes, so quoting cannot be escaped.
 */
export function quotedIdentifier(input: string, literal: Literal): string {
  const value = unwrap(input, literal);
  if (value.case !== 'stringValue') throw new QueryInputError(input, `holds a value of type ${describe(value)}; | identifier takes a string`);
  const parts = value.value.split('.');
  const bad = parts.find((p) => !IDENTIFIER_PART.test(p) || p.length > MAX_IDENTIFIER_PART);
  if (bad !== undefined) {
    throw new QueryInputError(
      input,
      `(${JSON.stringify(value.value.length > 60 ? `${value.value.slice(0, 57)}...` : value.value)}) is not an identifier: ` +
        `| identifier takes names made of letters, digits and underscores (not starting with a digit, at most ${MAX_IDENTIFIER_PART} characters), optionally dotted (db.table)`,
    );
  }
  return parts.map((p) => `"${p}"`).join('.');
}

/** `it's` → `'it''s'`: in Trino a string literal's only escape is a doubled quote. */
function stringLiteral(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** A DOUBLE literal (with an exponent, so Athena does not read it as a DECIMAL). */
function doubleLiteral(input: string, value: number): string {
  if (!Number.isFinite(value)) {
    throw new QueryInputError(input, `is ${value}, which has no SQL literal; Athena writes it as nan() or infinity(), which cannot be a parameter`);
  }
  return value.toExponential().toUpperCase().replace('E+', 'E');
}

/** `YYYY-MM-DD HH:MM:SS.fff` in UTC, with 6 or 9 fraction digits when the value has them. */
function formatTimestamp(input: string, seconds: bigint, nanos: number): string {
  const date = new Date(Number(seconds) * 1000);
  const year = date.getUTCFullYear();
  if (Number.isNaN(year) || year < 1 || year > 9999 || nanos < 0 || nanos > 999_999_999) {
    throw new QueryInputError(input, 'is a datetime outside 0001-01-01..9999-12-31, which Athena cannot represent');
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

/** Which filter applies to a reference: one function per filter. */
export const RENDERERS: Readonly<Record<ReferenceFilter, (input: string, literal: Literal) => string>> = {
  value: parameterLiteral,
  date: dateLiteral,
  identifier: quotedIdentifier,
};
