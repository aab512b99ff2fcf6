/**
 * How Snowflake's JSON result format presents a result: `rowtype` (column name, Snowflake type,
 * precision, scale) and `rowset`, every value a string in the form the SDK parses (numbers as
 * decimal text, booleans as "1"/"0", dates as days since the epoch, timestamps as epoch seconds with
 * a fraction, semi-structured values as JSON text).
 */

import type { DuckDBType, DuckDBValue } from '@duckdb/node-api';
import {
  type DuckDBDateValue,
  type DuckDBDecimalValue,
  type DuckDBTimestampTZValue,
  type DuckDBTimestampValue,
  DuckDBTypeId,
} from '@duckdb/node-api';

export interface RowType {
  readonly name: string;
  readonly type: string;
  readonly precision: number | null;
  readonly scale: number | null;
  readonly length: number | null;
  readonly nullable: boolean;
  readonly byteLength: number | null;
  readonly database: string;
  readonly schema: string;
  readonly table: string;
}

export function rowType(name: string, type: DuckDBType): RowType {
  const column = (sf: string, precision: number | null = null, scale: number | null = null, length: number | null = null): RowType => ({
    name,
    type: sf,
    precision,
    scale,
    length,
    byteLength: length === null ? null : length * 4,
    nullable: true,
    database: '',
    schema: '',
    table: '',
  });
  switch (type.typeId) {
    case DuckDBTypeId.BOOLEAN:
      return column('boolean');
    case DuckDBTypeId.TINYINT:
    case DuckDBTypeId.SMALLINT:
    case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.UTINYINT:
    case DuckDBTypeId.USMALLINT:
    case DuckDBTypeId.UINTEGER:
    case DuckDBTypeId.UBIGINT:
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UHUGEINT:
      return column('fixed', 38, 0);
    case DuckDBTypeId.DECIMAL:
      return column('fixed', type.width, type.scale);
    case DuckDBTypeId.FLOAT:
    case DuckDBTypeId.DOUBLE:
      return column('real');
    case DuckDBTypeId.DATE:
      return column('date');
    case DuckDBTypeId.TIMESTAMP:
    case DuckDBTypeId.TIMESTAMP_MS:
    case DuckDBTypeId.TIMESTAMP_NS:
    case DuckDBTypeId.TIMESTAMP_S:
      return column('timestamp_ntz', 0, 9);
    case DuckDBTypeId.TIMESTAMP_TZ:
      return column('timestamp_ltz', 0, 9);
    case DuckDBTypeId.LIST:
    case DuckDBTypeId.ARRAY:
      return column('array');
    case DuckDBTypeId.STRUCT:
    case DuckDBTypeId.MAP:
      return column('object');
    default:
      return column('text', null, null, 16_777_216);
  }
}

/** One value as the string Snowflake's JSON result carries, `null` for SQL NULL. */
export function rowValue(value: DuckDBValue, type: DuckDBType): string | null {
  if (value === null) return null;
  switch (type.typeId) {
    case DuckDBTypeId.BOOLEAN:
      return value === true ? '1' : '0';
    case DuckDBTypeId.DECIMAL:
      return (value as DuckDBDecimalValue).toString();
    case DuckDBTypeId.DATE:
      return String((value as DuckDBDateValue).days);
    case DuckDBTypeId.TIMESTAMP:
    case DuckDBTypeId.TIMESTAMP_TZ: {
      const micros = (value as DuckDBTimestampValue | DuckDBTimestampTZValue).micros;
      const seconds = micros / 1_000_000n;
      const fraction = micros % 1_000_000n;
      const negative = micros < 0n && fraction !== 0n;
      const whole = negative ? seconds - 1n : seconds;
      const frac = negative ? 1_000_000n + fraction : fraction;
      const text = `${whole}.${frac.toString().padStart(6, '0')}000`;
      return type.typeId === DuckDBTypeId.TIMESTAMP_TZ ? text : text;
    }
    case DuckDBTypeId.LIST:
    case DuckDBTypeId.ARRAY:
    case DuckDBTypeId.STRUCT:
    case DuckDBTypeId.MAP:
      return JSON.stringify(toJson(value), (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v));
    default:
      return typeof value === 'object' ? String(value) : String(value);
  }
}

function toJson(value: DuckDBValue): unknown {
  if (value === null || typeof value !== 'object') return value;
  const v = value as { items?: DuckDBValue[]; entries?: Record<string, DuckDBValue> | { key: DuckDBValue; value: DuckDBValue }[] };
  if (Array.isArray(v.items)) return v.items.map(toJson);
  if (Array.isArray(v.entries)) return Object.fromEntries(v.entries.map((e) => [String(e.key), toJson(e.value)]));
  if (v.entries !== undefined) return Object.fromEntries(Object.entries(v.entries).map(([k, x]) => [k, toJson(x)]));
  return String(value);
}
