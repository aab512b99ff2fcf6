/**
 * Athena's `ExecutionParameters` are SQL literals written as strings (`'abc'`, `42`, `DATE '2024-01-01'`)
 * that fill the query's `?` placeholders in order. Each one is parsed here into a typed value and bound
 * as a prepared-statement parameter, so a parameter can never change the query's text.
 */

import type { DuckDBPreparedStatement } from '@duckdb/node-api';
import { DuckDBDateValue, DuckDBDecimalValue, DuckDBTimestampValue } from '@duckdb/node-api';
import { TflyteError } from '@tflyte/core';

export type ParameterValue =
  | { kind: 'varchar'; value: string }
  | { kind: 'integer'; value: number }
  | { kind: 'bigint'; value: bigint }
  | { kind: 'decimal'; value: DuckDBDecimalValue }
  | { kind: 'double'; value: number }
  | { kind: 'boolean'; value: boolean }
  | { kind: 'date'; value: DuckDBDateValue }
  | { kind: 'timestamp'; value: DuckDBTimestampValue }
  | { kind: 'null' };

/** Why a parameter string is not a literal; the engine reports it as a failed query. */
export class ParameterLiteralError extends TflyteError {
  readonly index: number;
  constructor(index: number, text: string, problem: string) {
    super('TFLYTE_INVALID_INPUT', `ExecutionParameters[${index}] (${JSON.stringify(text)}) ${problem}`);
    this.index = index;
  }
}

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const MAX_DECIMAL_WIDTH = 38;

/** Parses one parameter as Trino would read it as a literal. `index` only labels errors. */
export function parseParameterLiteral(text: string, index = 0): ParameterValue {
  const fail = (problem: string): never => {
    throw new ParameterLiteralError(index, text, problem);
  };
  const trimmed = text.trim();
  if (trimmed === '') fail("is empty; pass a SQL literal such as 'abc' or 42");

  const typed = /^(DATE|TIMESTAMP)\s+('.*')$/is.exec(trimmed);
  if (typed !== null) {
    const keyword = (typed[1] ?? '').toUpperCase();
    const inner = unquote(typed[2] ?? '') ?? fail('has an unterminated or malformed string literal');
    return keyword === 'DATE'
      ? { kind: 'date', value: parseDate(inner) ?? fail("is not a valid DATE; use DATE 'YYYY-MM-DD'") }
      : { kind: 'timestamp', value: parseTimestamp(inner) ?? fail("is not a valid TIMESTAMP; use TIMESTAMP 'YYYY-MM-DD HH:MM:SS[.fff]'") };
  }
  if (trimmed.startsWith("'")) {
    const value = unquote(trimmed) ?? fail("is not a well-formed string literal; write quotes inside it twice ('it''s')");
    return { kind: 'varchar', value };
  }
  const lower = trimmed.toLowerCase();
  if (lower === 'true' || lower === 'false') return { kind: 'boolean', value: lower === 'true' };
  if (lower === 'null') return { kind: 'null' };

  if (/^[+-]?\d+$/.test(trimmed)) {
    const n = BigInt(trimmed);
    if (n >= BigInt(INT32_MIN) && n <= BigInt(INT32_MAX)) return { kind: 'integer', value: Number(n) };
    if (n >= INT64_MIN && n <= INT64_MAX) return { kind: 'bigint', value: n };
    return fail('is out of range for bigint');
  }
  const decimal = /^([+-]?)(\d*)\.(\d*)$/.exec(trimmed);
  if (decimal !== null && (decimal[2] !== '' || decimal[3] !== '')) {
    const [, sign = '', whole = '', fraction = ''] = decimal;
    const digits = `${whole}${fraction}`.replace(/^0+(?=\d)/, '');
    const width = Math.max(digits.length, fraction.length, 1);
    if (width <= MAX_DECIMAL_WIDTH) {
      const unscaled = BigInt(`${sign}${digits === '' ? '0' : digits}`);
      return { kind: 'decimal', value: new DuckDBDecimalValue(unscaled, width, fraction.length) };
    }
    return { kind: 'double', value: Number(trimmed) };
  }
  if (/^[+-]?(\d+\.?\d*|\.\d+)[eE][+-]?\d+$/.test(trimmed)) return { kind: 'double', value: Number(trimmed) };
  return fail("is not a SQL literal; quote strings ('abc'), or pass a number, true/false, NULL, DATE '...' or TIMESTAMP '...'");
}

/** Binds parsed parameters to `?` placeholders 1..n. */
export function bindParameters(statement: DuckDBPreparedStatement, values: readonly ParameterValue[]): void {
  for (const [i, p] of values.entries()) bindParameter(statement, i + 1, p);
}

function bindParameter(statement: DuckDBPreparedStatement, at: number, p: ParameterValue): void {
  switch (p.kind) {
    case 'varchar':
      statement.bindVarchar(at, p.value);
      break;
    case 'integer':
      statement.bindInteger(at, p.value);
      break;
    case 'bigint':
      statement.bindBigInt(at, p.value);
      break;
    case 'decimal':
      statement.bindDecimal(at, p.value);
      break;
    case 'double':
      statement.bindDouble(at, p.value);
      break;
    case 'boolean':
      statement.bindBoolean(at, p.value);
      break;
    case 'date':
      statement.bindDate(at, p.value);
      break;
    case 'timestamp':
      statement.bindTimestamp(at, p.value);
      break;
    case 'null':
      statement.bindNull(at);
      break;
  }
}

/** `'it''s'` → `it's`; undefined when the quotes are unbalanced or a lone quote sits inside. */
function unquote(literal: string): string | undefined {
  if (literal.length < 2 || !literal.startsWith("'") || !literal.endsWith("'")) return undefined;
  const body = literal.slice(1, -1);
  if (body.replaceAll("''", '').includes("'")) return undefined;
  return body.replaceAll("''", "'");
}

function parseDate(text: string): DuckDBDateValue | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text.trim());
  if (m === null) return undefined;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const ms = Date.UTC(year, month - 1, day);
  const check = new Date(ms);
  if (check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) return undefined;
  return new DuckDBDateValue(Math.round(ms / 86_400_000));
}

function parseTimestamp(text: string): DuckDBTimestampValue | undefined {
  const m = /^(\d{4}-\d{2}-\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?)?$/.exec(text.trim());
  if (m === null) return undefined;
  const date = parseDate(m[1] ?? '');
  const [h, min, s] = [Number(m[2] ?? 0), Number(m[3] ?? 0), Number(m[4] ?? 0)];
  if (date === undefined || h > 23 || min > 59 || s > 59) return undefined;
  const fractionMicros = BigInt((m[5] ?? '').padEnd(6, '0'));
  const seconds = BigInt(date.days) * 86_400n + BigInt(h * 3600 + min * 60 + s);
  return new DuckDBTimestampValue(seconds * 1_000_000n + fractionMicros);
}
