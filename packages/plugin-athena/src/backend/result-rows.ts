/**
 * A finished query's rows as JSON objects, read page by page with GetQueryResults. Athena sends every
 * value as text; the column types in ResultSetMetadata decide the JSON value: booleans and numbers
 * become JSON booleans and numbers where that loses nothing, everything else stays Athena's text.
 */
import { type AthenaClient, type ColumnInfo, paginateGetQueryResults, type Row } from '@aws-sdk/client-athena';
import type { JsonObject, JsonValue } from '@tflyte/core';
import { collectRows, jsonRow, rowColumnNames } from '@tflyte/warehouse';

/** GetQueryResults' largest page. */
const PAGE_SIZE = 1000;

const INTEGER_TYPES = new Set(['tinyint', 'smallint', 'integer', 'int', 'bigint']);
const FLOAT_TYPES = new Set(['real', 'float', 'double']);

/** Every row of a finished query, at most `maxRows` (else TooManyRowsError). */
export function readRows(
  client: AthenaClient,
  queryExecutionId: string,
  options: { readonly statementType: string | undefined; readonly maxRows: number },
): Promise<JsonObject[]> {
  return collectRows(pages(client, queryExecutionId, options.statementType), options.maxRows);
}

async function* pages(client: AthenaClient, queryExecutionId: string, statementType: string | undefined): AsyncIterable<JsonObject[]> {
  // Athena puts the column labels in the first row of a SELECT's (DML's) first page.
  let skipHeader = statementType === 'DML';
  for await (const page of paginateGetQueryResults({ client, pageSize: PAGE_SIZE }, { QueryExecutionId: queryExecutionId })) {
    const convert = rowConverter(page.ResultSet?.ResultSetMetadata?.ColumnInfo ?? []);
    const data = page.ResultSet?.Rows ?? [];
    yield (skipHeader ? data.slice(1) : data).map(convert);
    skipHeader = false;
  }
}

function rowConverter(columns: readonly ColumnInfo[]): (row: Row) => JsonObject {
  const names = rowColumnNames(columns.map((c, i) => c.Name ?? c.Label ?? `_col${i}`));
  const converters = columns.map((c) => valueConverter(c.Type ?? 'varchar'));
  return (row) =>
    jsonRow(
      names,
      converters.map((convert, i) => convert(row.Data?.[i]?.VarCharValue)),
    );
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
