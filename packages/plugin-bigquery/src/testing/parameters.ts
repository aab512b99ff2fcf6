/**
 * BigQuery query parameters (the REST API's `{name, parameterType, parameterValue}`) as DuckDB values
 * and types, so the test server binds them to the prepared statement: a value never becomes SQL text.
 */
import {
  BIGINT,
  BLOB,
  BOOLEAN,
  blobValue,
  DATE,
  DECIMAL,
  DOUBLE,
  type DuckDBType,
  type DuckDBValue,
  LIST,
  listValue,
  STRUCT,
  structValue,
  TIME,
  TIMESTAMP,
  TIMESTAMPTZ,
  VARCHAR,
} from '@duckdb/node-api';

export interface WireParameterType {
  readonly type?: string;
  readonly arrayType?: WireParameterType;
  readonly structTypes?: readonly { readonly name?: string; readonly type?: WireParameterType }[];
}
export interface WireParameterValue {
  readonly value?: string | null;
  readonly arrayValues?: readonly WireParameterValue[];
  readonly structValues?: Readonly<Record<string, WireParameterValue>>;
}
export interface WireParameter {
  readonly name?: string;
  readonly parameterType?: WireParameterType;
  readonly parameterValue?: WireParameterValue;
}

/** A parameter the server refuses, as BigQuery does with 400 `invalidQuery`. */
export class ParameterError extends Error {}

/** The DuckDB type of a BigQuery parameter type. */
export function duckType(type: WireParameterType | undefined): DuckDBType {
  switch (type?.type) {
    case 'INT64':
    case 'INTEGER':
      return BIGINT;
    case 'FLOAT64':
    case 'FLOAT':
      return DOUBLE;
    case 'NUMERIC':
      return DECIMAL(38, 9);
    case 'BIGNUMERIC':
      return DECIMAL(38, 18);
    case 'BOOL':
    case 'BOOLEAN':
      return BOOLEAN;
    case 'STRING':
      return VARCHAR;
    case 'BYTES':
      return BLOB;
    case 'TIMESTAMP':
      return TIMESTAMPTZ;
    case 'DATETIME':
      return TIMESTAMP;
    case 'DATE':
      return DATE;
    case 'TIME':
      return TIME;
    case 'JSON':
      return VARCHAR;
    case 'ARRAY':
      return LIST(duckType(type.arrayType));
    case 'STRUCT':
      return STRUCT(Object.fromEntries((type.structTypes ?? []).map((f) => [f.name ?? '', duckType(f.type)])));
    default:
      throw new ParameterError(`Unsupported query parameter type ${JSON.stringify(type?.type ?? null)}`);
  }
}

/**
 * The value to bind. Scalars other than BYTES are bound as text with their DuckDB type, so DuckDB
 * parses them (and refuses malformed ones) exactly as a cast would.
 */
export function duckValue(type: WireParameterType | undefined, value: WireParameterValue | undefined): DuckDBValue {
  if (type?.type === 'ARRAY') {
    return listValue((value?.arrayValues ?? []).map((v) => duckValue(type.arrayType, v)));
  }
  if (type?.type === 'STRUCT') {
    if (value?.structValues === undefined) return null;
    return structValue(
      Object.fromEntries((type.structTypes ?? []).map((f) => [f.name ?? '', duckValue(f.type, value.structValues?.[f.name ?? ''])])),
    );
  }
  const text = value?.value;
  if (text === undefined || text === null) return null;
  switch (type?.type) {
    case 'BYTES':
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text)) throw new ParameterError('Invalid BYTES query parameter: not base64');
      return blobValue(Buffer.from(text, 'base64'));
    case 'INT64':
    case 'INTEGER':
      if (!/^[+-]?\d+$/.test(text)) throw new ParameterError(`Invalid INT64 value: ${text}`);
      return BigInt(text);
    case 'FLOAT64':
    case 'FLOAT':
      if (text === 'NaN' || text === 'Infinity' || text === '-Infinity') return Number(text);
      if (Number.isNaN(Number(text))) throw new ParameterError(`Invalid FLOAT64 value: ${text}`);
      return Number(text);
    case 'BOOL':
    case 'BOOLEAN':
      if (!/^(true|false)$/i.test(text)) throw new ParameterError(`Invalid BOOL value: ${text}`);
      return text.toLowerCase() === 'true';
    default:
      return text;
  }
}

/** Binding types for values that are text: DuckDB casts them from VARCHAR. */
export function bindType(type: WireParameterType | undefined): DuckDBType | undefined {
  switch (type?.type) {
    case 'NUMERIC':
    case 'BIGNUMERIC':
    case 'TIMESTAMP':
    case 'DATETIME':
    case 'DATE':
    case 'TIME':
      return undefined;
    default:
      return duckType(type);
  }
}
