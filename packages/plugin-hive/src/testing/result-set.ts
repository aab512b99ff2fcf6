/**
 * A DuckDB result as HiveServer2 sends it: a TTableSchema with Hive type ids, and columnar TRowSets
 * (protocol V6+) paged by FetchResults. Hive sends DECIMAL, DATE, TIMESTAMP and complex values as
 * strings (complex ones as JSON), BIGINT as i64.
 */

import { createRequire } from 'node:module';
import type { DuckDBType } from '@duckdb/node-api';
import { DuckDBTypeId } from '@duckdb/node-api';
import { TCLI } from '../tcli.ts';

const Int64 = createRequire(import.meta.url)('node-int64') as new (value: string | number) => unknown;

type ColumnKind = 'boolVal' | 'byteVal' | 'i16Val' | 'i32Val' | 'i64Val' | 'doubleVal' | 'stringVal' | 'binaryVal';

export interface ResultColumn {
  readonly name: string;
  readonly hiveType: string;
  readonly kind: ColumnKind;
}

export interface ResultSet {
  readonly columns: readonly ResultColumn[];
  /** Column-major JSON values from DuckDB (`getColumnsJson`); null is SQL NULL. */
  readonly values: readonly (readonly unknown[])[];
  readonly rowCount: number;
}

export function resultColumn(name: string, type: DuckDBType): ResultColumn {
  const c = (hiveType: string, kind: ColumnKind): ResultColumn => ({ name, hiveType, kind });
  switch (type.typeId) {
    case DuckDBTypeId.BOOLEAN:
      return c('BOOLEAN_TYPE', 'boolVal');
    case DuckDBTypeId.TINYINT:
      return c('TINYINT_TYPE', 'byteVal');
    case DuckDBTypeId.SMALLINT:
    case DuckDBTypeId.UTINYINT:
      return c('SMALLINT_TYPE', 'i16Val');
    case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.USMALLINT:
      return c('INT_TYPE', 'i32Val');
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.UINTEGER:
      return c('BIGINT_TYPE', 'i64Val');
    case DuckDBTypeId.FLOAT:
      return c('FLOAT_TYPE', 'doubleVal');
    case DuckDBTypeId.DOUBLE:
      return c('DOUBLE_TYPE', 'doubleVal');
    case DuckDBTypeId.DECIMAL:
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UBIGINT:
      return c('DECIMAL_TYPE', 'stringVal');
    case DuckDBTypeId.DATE:
      return c('DATE_TYPE', 'stringVal');
    case DuckDBTypeId.TIMESTAMP:
    case DuckDBTypeId.TIMESTAMP_MS:
    case DuckDBTypeId.TIMESTAMP_S:
    case DuckDBTypeId.TIMESTAMP_NS:
      return c('TIMESTAMP_TYPE', 'stringVal');
    case DuckDBTypeId.BLOB:
      return c('BINARY_TYPE', 'binaryVal');
    case DuckDBTypeId.LIST:
    case DuckDBTypeId.ARRAY:
      return c('ARRAY_TYPE', 'stringVal');
    case DuckDBTypeId.STRUCT:
      return c('STRUCT_TYPE', 'stringVal');
    case DuckDBTypeId.MAP:
      return c('MAP_TYPE', 'stringVal');
    case DuckDBTypeId.SQLNULL:
      return c('NULL_TYPE', 'stringVal');
    default:
      return c('STRING_TYPE', 'stringVal');
  }
}

export function tableSchema(columns: readonly ResultColumn[]): object {
  return {
    columns: columns.map((column, i) => ({
      columnName: column.name,
      position: i + 1,
      typeDesc: { types: [{ primitiveEntry: { type: TCLI.TTypeId[column.hiveType] } }] },
    })),
  };
}

/** Rows [from, from+count) as a columnar TRowSet. */
export function rowSet(result: ResultSet, from: number, count: number): object {
  const end = Math.min(result.rowCount, from + count);
  const columns = result.columns.map((column, c) => {
    const slice = (result.values[c] ?? []).slice(from, end);
    const nulls = Buffer.alloc(Math.ceil(slice.length / 8));
    const values = slice.map((value, i) => {
      if (value === null || value === undefined) {
        nulls[i >> 3]! |= 1 << (i & 7);
        return placeholder(column.kind);
      }
      return wireValue(column, value);
    });
    return { [column.kind]: { values, nulls } };
  });
  return { startRowOffset: new Int64(from), rows: [], columns };
}

function placeholder(kind: ColumnKind): unknown {
  switch (kind) {
    case 'boolVal':
      return false;
    case 'i64Val':
      return new Int64(0);
    case 'stringVal':
      return '';
    case 'binaryVal':
      return Buffer.alloc(0);
    default:
      return 0;
  }
}

function wireValue(column: ResultColumn, value: unknown): unknown {
  switch (column.kind) {
    case 'i64Val':
      return new Int64(int64Text(String(value)));
    case 'binaryVal':
      return Buffer.from(String(value), 'latin1');
    case 'stringVal':
      return typeof value === 'string' ? value : JSON.stringify(value);
    default:
      return value;
  }
}

/** node-int64 takes a hex string for values beyond 2^53; negatives as their two's complement. */
function int64Text(decimal: string): string {
  return BigInt.asUintN(64, BigInt(decimal)).toString(16).padStart(16, '0');
}
