/**
 * FetchResults pages (columnar TRowSets) as JSON rows, typed by the result schema: integers as
 * numbers (BIGINT beyond 2^53 as a decimal string, so nothing is rounded), DECIMAL as its exact
 * string, DATE and TIMESTAMP as Hive prints them, ARRAY / MAP / STRUCT parsed from Hive's JSON,
 * BINARY as base64, NULL as null.
 */
import type { JsonObject, JsonValue } from '@tflyte/core';
import { jsonRow, rowColumnNames } from '@tflyte/warehouse';
import { TCLI } from '../tcli.ts';

export interface ColumnDesc {
  readonly columnName: string;
  readonly position: number;
  readonly typeDesc: { readonly types: readonly { readonly primitiveEntry?: { readonly type: number } }[] };
}

type WireColumn = Readonly<Record<string, { readonly values: readonly unknown[]; readonly nulls: Buffer } | null | undefined>>;

export interface WireRowSet {
  readonly columns?: readonly WireColumn[] | null;
}

export function columnNames(schema: readonly ColumnDesc[]): readonly string[] {
  return rowColumnNames([...schema].sort((a, b) => a.position - b.position).map((c) => c.columnName.split('.').pop() ?? c.columnName));
}

export function decodeRows(schema: readonly ColumnDesc[], names: readonly string[], rowSet: WireRowSet): JsonObject[] {
  const ordered = [...schema].sort((a, b) => a.position - b.position);
  const columns = (rowSet.columns ?? []).map((column, i) => {
    const entry = Object.values(column).find((v) => v !== null && v !== undefined);
    const type = ordered[i]?.typeDesc.types[0]?.primitiveEntry?.type ?? TCLI.TTypeId.STRING_TYPE!;
    return (entry?.values ?? []).map((value, row) => (isNull(entry!.nulls, row) ? null : convert(type, value)));
  });
  const count = Math.max(0, ...columns.map((c) => c.length));
  return Array.from({ length: count }, (_, row) =>
    jsonRow(
      names,
      columns.map((c) => c[row] ?? null),
    ),
  );
}

function isNull(nulls: Buffer, i: number): boolean {
  return ((nulls[i >> 3] ?? 0) & (1 << (i & 7))) !== 0;
}

function convert(type: number, value: unknown): JsonValue {
  const T = TCLI.TTypeId;
  switch (type) {
    case T.BIGINT_TYPE: {
      const big = int64(value);
      return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big.toString();
    }
    case T.ARRAY_TYPE:
    case T.MAP_TYPE:
    case T.STRUCT_TYPE:
      try {
        return JSON.parse(String(value)) as JsonValue;
      } catch {
        return String(value);
      }
    case T.BINARY_TYPE:
      return Buffer.isBuffer(value) ? value.toString('base64') : String(value);
    case T.DECIMAL_TYPE:
    case T.DATE_TYPE:
    case T.TIMESTAMP_TYPE:
      return String(value);
    default:
      return typeof value === 'number' || typeof value === 'boolean' || typeof value === 'string' ? value : String(value);
  }
}

/** node-int64 values (an 8-byte big-endian buffer) as bigint. */
function int64(value: unknown): bigint {
  const buffer = (value as { buffer?: Buffer; offset?: number }).buffer;
  if (Buffer.isBuffer(buffer)) return buffer.readBigInt64BE((value as { offset?: number }).offset ?? 0);
  return BigInt(Number(value));
}
