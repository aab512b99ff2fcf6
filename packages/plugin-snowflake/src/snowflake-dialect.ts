/**
 * Snowflake's SQL dialect for the warehouse toolkit: `?` positional binds (snowflake-sdk's `binds`),
 * double-quoted identifiers, and the SDK's bind values for each typed input value.
 */
import { type SqlValue, sqlDialect } from '@tflyte/warehouse';
import type { Bind } from 'snowflake-sdk';

/** Snowflake's limit on a statement's text (1 MB). */
export const MAX_STATEMENT_LENGTH = 1_048_576;

export const snowflakeDialect = sqlDialect({ name: 'Snowflake', binding: 'positional', maxQueryLength: MAX_STATEMENT_LENGTH });

/**
 * One value as snowflake-sdk binds it. Integers outside JavaScript's safe range go as text, which
 * Snowflake converts exactly; timestamps as `YYYY-MM-DD HH:MM:SS.fff` text (UTC), which Snowflake
 * converts where a TIMESTAMP is expected.
 */
export function snowflakeBind(data: SqlValue | { readonly type: string }): Bind {
  const value = data as SqlValue;
  switch (value.type) {
    case 'null':
      return null;
    case 'integer':
      return value.value >= BigInt(Number.MIN_SAFE_INTEGER) && value.value <= BigInt(Number.MAX_SAFE_INTEGER)
        ? Number(value.value)
        : value.value.toString();
    case 'float':
      return value.value;
    case 'boolean':
      return value.value;
    case 'string':
      return value.value;
    case 'timestamp':
    case 'date':
      return value.text;
    default:
      // The dialect declares no bytes, arrays or structs, so definition-time checks refuse them first.
      throw new TypeError(`snowflake-sdk binds no ${data.type} values`);
  }
}

export function snowflakeBinds(parameters: readonly { readonly value: SqlValue | { readonly type: string } }[]): Bind[] {
  return parameters.map((p) => snowflakeBind(p.value));
}
