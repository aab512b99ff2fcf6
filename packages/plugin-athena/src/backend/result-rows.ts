/**
 * A finished query's rows as JSON objects, read page by page with GetQueryResults. Athena sends every
 * value as text; the column types in ResultSetMetadata decide the JSON value: booleans and numbers
 * become JSON booleans and numbers where that loses nothing, everything else stays Athena's text.
 */
import { type AthenaClient, type ColumnInfo, type Row, paginateGetQueryResults } from '@aws-sdk/client-athena';
import { type JsonObject, type JsonValue, TflyteError } from '@tflyte/core';

/** The query returned more rows than the task's `maxRows`. */
export class TooManyRowsError extends TflyteError {
  readonly limit: number;
  constructor(limit: number) {
    super('TFLYTE_INVALID_OUTPUT', `the query returned more than ${limit} rows`);
    this.limit = limit;
  }
}

/** Result columns do not make a JSON object (duplicate names). */
export class RowShapeError extends TflyteError {
  constructor(message: string) {
    super('TFLYTE_INVALID_OUTPUT', message);
  }
}

/** GetQueryResults' largest page. */
const PAGE_SIZE = 1000;

const INTEGER_TYPES = new Set(['tinyint', 'smallint', 'integer', 'int', 'bigint']);
const FLOAT_TYPES = new Set(['real', 'float', 'double']);

export async function readRows(
  client: AthenaClient,
  queryExecutionId: string,
  options: { readonly statementType: string | undefined; readonly maxRows: number },
): Promise<JsonObject[]> {
  const rows: JsonObject[] = [];
  // Athena puts the column labels in the first row of a SELECT's (DML's) first page.
  let skipHeader = options.statementType === 'DML';
  const pages = paginateGetQueryResults({ client, pageSize: PAGE_SIZE }, { QueryExecutionId: queryExecutionId });
  for await (const page of pages) {
    const columns = page.ResultSet?.ResultSetMetadata?.ColumnInfo ?? [];
    const data = page.ResultSet?.Rows ?? [];
    const convert = rowConverter(columns);
    for (const row of skipHeader ? data.slice(1) : data) {
      if (rows.length === options.maxRows) throw new TooManyRowsError(options.maxRows);
      rows.push(convert(row));
    }
    skipHeader = false;
  }
  return rows;
}

function rowConverter(columns: readonly ColumnInfo[]): (row: Row) => JsonObject {
  const names = columns.map((c, i) => c.Name ?? c.Label ?? `_col${i}`);
  const duplicate = names.find((n, i) => names.indexOf(n) !== i);
  if (duplicate !== undefined) {
    throw new RowShapeError(`the result has two columns named '${duplicate}'; give them distinct aliases (AS …) to return rows`);
  }
  const converters = columns.map((c) => valueConverter(c.Type ?? 'varchar'));
  return (row) => {
    const out: JsonObject = {};
    names.forEach((name, i) => {
      const datum = row.Data?.[i];
      // defineProperty: a column may be called __proto__.
      Object.defineProperty(out, name, { value: converters[i]!(datum?.VarCharValue), enumerable: true, writable: true, configurable: true });
    });
    return out;
  };
}

/** SQL NULL (a Datum without VarCharValue) is JSON null. */
function valueConverter(athenaType: string): (text: string | undefined) => JsonValue {
  const base = athenaType.toLowerCase().replace(/\(.*$/, '').trim();
  if (base === 'boolean') return (text) => (text === undefined ? null : text === 'true');
  if (INTEGER_TYPES.has(base)) {
    // Beyond 2^53 a JSON number would round; the exact digits are kept as a string.
    return (text) => (text === undefined ? null : Number.isSafeInteger(Number(text)) ? Number(text) : text);
  }
  if (FLOAT_TYPES.has(base)) {
    // NaN and ±Infinity have no JSON number: they stay 'NaN', 'Infinity', '-Infinity'.
    return (text) => (text === undefined ? null : Number.isFinite(Number(text)) ? Number(text) : text);
  }
  // decimal (exact), varchar, date, timestamp, json, array, map, row, …: Athena's text.
  return (text) => (text === undefined ? null : text);
}
