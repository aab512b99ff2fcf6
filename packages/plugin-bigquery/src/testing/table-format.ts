/**
 * DuckDB result columns and values as BigQuery presents them: a table schema (`fields` with
 * BigQuery's legacy type names and REPEATED mode for lists) and rows as `{f: [{v}]}` with every
 * scalar as text (TIMESTAMP as microseconds since the epoch, as `formatOptions.useInt64Timestamp` asks).
 */
import { type DuckDBType, DuckDBTypeId, type DuckDBValue } from '@duckdb/node-api';

export interface TableField {
  readonly name: string;
  readonly type: string;
  readonly mode: 'NULLABLE' | 'REPEATED';
  readonly fields?: readonly TableField[];
}

export type Cell = { readonly v: unknown };

export function tableField(name: string, type: DuckDBType): TableField {
  if (type.typeId === DuckDBTypeId.LIST || type.typeId === DuckDBTypeId.ARRAY) {
    const inner = tableField(name, (type as unknown as { valueType: DuckDBType }).valueType);
    return { ...inner, mode: 'REPEATED' };
  }
  if (type.typeId === DuckDBTypeId.STRUCT) {
    const struct = type as unknown as { entryNames: readonly string[]; entryTypes: readonly DuckDBType[] };
    return {
      name,
      type: 'RECORD',
      mode: 'NULLABLE',
      fields: struct.entryNames.map((n, i) => tableField(n, struct.entryTypes[i] as DuckDBType)),
    };
  }
  return { name, type: scalarTypeName(type), mode: 'NULLABLE' };
}

function scalarTypeName(type: DuckDBType): string {
  switch (type.typeId) {
    case DuckDBTypeId.TINYINT:
    case DuckDBTypeId.SMALLINT:
    case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UTINYINT:
    case DuckDBTypeId.USMALLINT:
    case DuckDBTypeId.UINTEGER:
    case DuckDBTypeId.UBIGINT:
      return 'INTEGER';
    case DuckDBTypeId.FLOAT:
    case DuckDBTypeId.DOUBLE:
      return 'FLOAT';
    case DuckDBTypeId.DECIMAL:
      return (type as unknown as { scale: number }).scale > 9 ? 'BIGNUMERIC' : 'NUMERIC';
    case DuckDBTypeId.BOOLEAN:
      return 'BOOLEAN';
    case DuckDBTypeId.BLOB:
      return 'BYTES';
    case DuckDBTypeId.TIMESTAMP_TZ:
      return 'TIMESTAMP';
    case DuckDBTypeId.TIMESTAMP:
    case DuckDBTypeId.TIMESTAMP_MS:
    case DuckDBTypeId.TIMESTAMP_S:
    case DuckDBTypeId.TIMESTAMP_NS:
      return 'DATETIME';
    case DuckDBTypeId.DATE:
      return 'DATE';
    case DuckDBTypeId.TIME:
      return 'TIME';
    default:
      return 'STRING';
  }
}

export function cell(field: TableField, value: DuckDBValue): Cell {
  if (value === null || value === undefined) return { v: null };
  if (field.mode === 'REPEATED') {
    const items = (value as unknown as { items: readonly DuckDBValue[] }).items;
    return { v: items.map((item) => cell({ ...field, mode: 'NULLABLE' }, item)) };
  }
  if (field.type === 'RECORD') {
    const entries = (value as unknown as { entries: Readonly<Record<string, DuckDBValue>> }).entries;
    return { v: { f: (field.fields ?? []).map((f) => cell(f, entries[f.name] ?? null)) } };
  }
  switch (field.type) {
    case 'BYTES':
      return { v: Buffer.from((value as unknown as { bytes: Uint8Array }).bytes).toString('base64') };
    case 'TIMESTAMP':
      return { v: String((value as unknown as { micros: bigint }).micros) };
    case 'DATETIME':
      return { v: String(value).replace(' ', 'T') };
    case 'BOOLEAN':
      return { v: value ? 'true' : 'false' };
    default:
      return { v: String(value) };
  }
}
