/**
 * How Athena presents a result set: column metadata with Athena (Trino) type names, and every value
 * as a string (`VarCharValue`) in Trino's text rendering. DuckDB types and values are translated here.
 */

import type { DuckDBType, DuckDBValue } from '@duckdb/node-api';
import {
  DuckDBArrayValue,
  DuckDBBlobValue,
  DuckDBDateValue,
  DuckDBDecimalValue,
  DuckDBIntervalValue,
  DuckDBListValue,
  DuckDBMapValue,
  DuckDBStructValue,
  DuckDBTimestampMillisecondsValue,
  DuckDBTimestampNanosecondsValue,
  DuckDBTimestampSecondsValue,
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
  DuckDBTimeValue,
  DuckDBTypeId,
  DuckDBUnionValue,
} from '@duckdb/node-api';

/** One entry of `ResultSetMetadata.ColumnInfo`, as Athena sends it. */
export interface AthenaColumnInfo {
  CatalogName: string;
  SchemaName: string;
  TableName: string;
  Name: string;
  Label: string;
  Type: string;
  Precision: number;
  Scale: number;
  Nullable: 'NOT_NULL' | 'NULLABLE' | 'UNKNOWN';
  CaseSensitive: boolean;
}

/** The Athena type name and the precision/scale Athena reports for it. */
interface AthenaType {
  name: string;
  precision: number;
  scale: number;
}

const VARCHAR_PRECISION = 2147483647;

/** Maps a DuckDB column type to the type name Athena (engine v3) reports for the equivalent Trino type. */
function athenaType(type: DuckDBType): AthenaType {
  const simple = (name: string, precision = 0): AthenaType => ({ name, precision, scale: 0 });
  switch (type.typeId) {
    case DuckDBTypeId.BOOLEAN:
      return simple('boolean');
    case DuckDBTypeId.TINYINT:
      return simple('tinyint', 3);
    case DuckDBTypeId.SMALLINT:
    case DuckDBTypeId.UTINYINT:
      return simple('smallint', 5);
    case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.USMALLINT:
      return simple('integer', 10);
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.UINTEGER:
      return simple('bigint', 19);
    // Trino has no unsigned or 128-bit integers; its widest exact type is decimal(38).
    case DuckDBTypeId.UBIGINT:
      return simple('decimal', 20);
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UHUGEINT:
    case DuckDBTypeId.BIGNUM:
      return simple('decimal', 38);
    case DuckDBTypeId.FLOAT:
      return simple('real', 9);
    case DuckDBTypeId.DOUBLE:
      return simple('double', 17);
    case DuckDBTypeId.DECIMAL:
      return { name: 'decimal', precision: type.width, scale: type.scale };
    case DuckDBTypeId.VARCHAR:
    case DuckDBTypeId.ENUM:
    case DuckDBTypeId.STRING_LITERAL:
      return simple(type.alias === 'JSON' ? 'json' : 'varchar', VARCHAR_PRECISION);
    case DuckDBTypeId.BLOB:
    case DuckDBTypeId.BIT:
      return simple('varbinary', 1073741824);
    case DuckDBTypeId.DATE:
      return simple('date');
    case DuckDBTypeId.TIME:
    case DuckDBTypeId.TIME_NS:
      return simple('time', 3);
    case DuckDBTypeId.TIME_TZ:
      return simple('time with time zone', 3);
    case DuckDBTypeId.TIMESTAMP:
    case DuckDBTypeId.TIMESTAMP_S:
    case DuckDBTypeId.TIMESTAMP_MS:
    case DuckDBTypeId.TIMESTAMP_NS:
      return simple('timestamp', 3);
    case DuckDBTypeId.TIMESTAMP_TZ:
      return simple('timestamp with time zone', 3);
    case DuckDBTypeId.INTERVAL:
      return simple('interval day to second');
    case DuckDBTypeId.UUID:
      return simple('uuid');
    case DuckDBTypeId.LIST:
    case DuckDBTypeId.ARRAY:
      return simple('array');
    case DuckDBTypeId.MAP:
      return simple('map');
    case DuckDBTypeId.STRUCT:
      return simple('row');
    case DuckDBTypeId.INTEGER_LITERAL:
      return simple('integer', 10);
    case DuckDBTypeId.SQLNULL:
      return simple('unknown');
    default:
      return simple('varchar', VARCHAR_PRECISION);
  }
}

export function columnInfo(name: string, type: DuckDBType): AthenaColumnInfo {
  const t = athenaType(type);
  return {
    CatalogName: 'hive',
    SchemaName: '',
    TableName: '',
    Name: name,
    Label: name,
    Type: t.name,
    Precision: t.precision,
    Scale: t.scale,
    Nullable: 'UNKNOWN',
    CaseSensitive: t.name === 'varchar',
  };
}

/**
 * Renders a value the way Athena's `VarCharValue` does; `undefined` for SQL NULL (Athena then sends a
 * `Datum` without `VarCharValue`). `type` is needed because a FLOAT arrives as a widened JS number.
 */
export function formatValue(value: DuckDBValue, type?: DuckDBType): string | undefined {
  if (value === null) return undefined;
  return render(value, type);
}

function render(value: DuckDBValue, type: DuckDBType | undefined): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return value;
    case 'boolean':
    case 'bigint':
      return String(value);
    case 'number':
      if (type?.typeId === DuckDBTypeId.FLOAT) return formatJavaDouble(shortestFloat32(value));
      if (type?.typeId === DuckDBTypeId.DOUBLE) return formatJavaDouble(value);
      return Number.isInteger(value) ? String(value) : formatJavaDouble(value);
  }
  if (value instanceof DuckDBDecimalValue || value instanceof DuckDBDateValue) return value.toString();
  if (value instanceof DuckDBTimestampValue) return formatMicros(value.micros, value.isFinite) ?? value.toString();
  if (value instanceof DuckDBTimestampTZValue) {
    const text = formatMicros(value.micros, value.isFinite);
    return text === undefined ? value.toString() : `${text} UTC`;
  }
  if (value instanceof DuckDBTimestampSecondsValue) return formatMicros(value.seconds * 1_000_000n, value.isFinite) ?? value.toString();
  if (value instanceof DuckDBTimestampMillisecondsValue) return formatMicros(value.millis * 1000n, value.isFinite) ?? value.toString();
  if (value instanceof DuckDBTimestampNanosecondsValue) return formatMicros(value.nanos / 1000n, value.isFinite) ?? value.toString();
  if (value instanceof DuckDBTimeValue) return formatTimeOfDay(value.micros);
  if (value instanceof DuckDBIntervalValue && value.months === 0) return formatDayToSecond(value.days, value.micros);
  if (value instanceof DuckDBBlobValue) return [...value.bytes].map((b) => b.toString(16).padStart(2, '0')).join(' ');
  if (value instanceof DuckDBListValue || value instanceof DuckDBArrayValue) {
    const itemType =
      type !== undefined && (type.typeId === DuckDBTypeId.LIST || type.typeId === DuckDBTypeId.ARRAY) ? type.valueType : undefined;
    return `[${value.items.map((item) => render(item, itemType)).join(', ')}]`;
  }
  if (value instanceof DuckDBMapValue) {
    const mapType = type?.typeId === DuckDBTypeId.MAP ? type : undefined;
    const parts = value.entries.map((e) => `${render(e.key, mapType?.keyType)}=${render(e.value, mapType?.valueType)}`);
    return `{${parts.join(', ')}}`;
  }
  if (value instanceof DuckDBStructValue) {
    const structType = type?.typeId === DuckDBTypeId.STRUCT ? type : undefined;
    const parts = Object.entries(value.entries).map(
      ([k, v]) => `${k}=${render(v, structType === undefined ? undefined : structType.typeForEntry(k))}`,
    );
    return `{${parts.join(', ')}}`;
  }
  if (value instanceof DuckDBUnionValue) return render(value.value, undefined);
  return value.toString();
}

/** `yyyy-MM-dd HH:mm:ss.SSS`, Athena's rendering of timestamp(3); undefined when out of JS Date range. */
function formatMicros(micros: bigint, finite: boolean): string | undefined {
  if (!finite) return undefined;
  const millis = micros >= 0n ? micros / 1000n : -((-micros + 999n) / 1000n);
  const date = new Date(Number(millis));
  const year = date.getUTCFullYear();
  if (Number.isNaN(date.getTime()) || year < 0 || year > 9999) return undefined;
  return date.toISOString().slice(0, 23).replace('T', ' ');
}

function formatTimeOfDay(micros: bigint): string {
  const totalMillis = Number(micros / 1000n);
  const h = Math.floor(totalMillis / 3_600_000);
  const m = Math.floor(totalMillis / 60_000) % 60;
  const s = Math.floor(totalMillis / 1000) % 60;
  const ms = totalMillis % 1000;
  return `${pad(h, 2)}:${pad(m, 2)}:${pad(s, 2)}.${pad(ms, 3)}`;
}

function formatDayToSecond(days: number, micros: bigint): string {
  const negative = days < 0 || (days === 0 && micros < 0n);
  const totalMillis = Math.abs(days * 86_400_000 + Number(micros / 1000n));
  const d = Math.floor(totalMillis / 86_400_000);
  return `${negative ? '-' : ''}${d} ${formatTimeOfDay(BigInt(totalMillis % 86_400_000) * 1000n)}`;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/** The shortest decimal that reads back as the same float32, as Java's Float.toString picks. */
function shortestFloat32(x: number): number {
  if (!Number.isFinite(x)) return x;
  for (let digits = 1; digits <= 9; digits++) {
    const candidate = Number(x.toPrecision(digits));
    if (Math.fround(candidate) === x) return candidate;
  }
  return x;
}

/** Java's Double.toString layout (Trino renders doubles with it): `1.0`, `0.5`, `1.0E7`, `1.5E-4`. */
export function formatJavaDouble(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? 'Infinity' : '-Infinity';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const abs = Math.abs(x);
  if (abs >= 1e-3 && abs < 1e7) {
    const text = String(x);
    return text.includes('.') ? text : `${text}.0`;
  }
  const [mantissa = '', exponent = '0'] = x.toExponential().split('e');
  return `${mantissa.includes('.') ? mantissa : `${mantissa}.0`}E${Number(exponent)}`;
}
