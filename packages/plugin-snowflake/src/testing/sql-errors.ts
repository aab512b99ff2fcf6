/**
 * Snowflake's error codes and SQL states for what can go wrong with a statement, and the mapping
 * from DuckDB's error classes onto them, so a client sees the codes it would see from Snowflake.
 */

export interface SnowflakeSqlError {
  /** Six digits, e.g. `002003`. */
  readonly code: string;
  readonly sqlState: string;
  readonly message: string;
}

export const SQL_ERRORS = {
  syntax: { code: '001003', sqlState: '42000' },
  objectMissing: { code: '002003', sqlState: '42S02' },
  invalidIdentifier: { code: '000904', sqlState: '42000' },
  bindCount: { code: '002049', sqlState: '07001' },
  numericValue: { code: '100038', sqlState: '22018' },
  divisionByZero: { code: '100051', sqlState: '22012' },
  canceled: { code: '000604', sqlState: '57014' },
  timeout: { code: '000630', sqlState: '57014' },
  internal: { code: '000603', sqlState: 'XX000' },
  generic: { code: '100000', sqlState: '22000' },
} as const;

export function sqlError(kind: keyof typeof SQL_ERRORS, message: string): SnowflakeSqlError {
  return { ...SQL_ERRORS[kind], message };
}

/** A DuckDB failure in Snowflake's terms. */
export function fromDuckDB(error: unknown): SnowflakeSqlError {
  const message = error instanceof Error ? error.message : String(error);
  const line = message.split('\n')[0] ?? message;
  if (/^Parser Error/i.test(line))
    return sqlError('syntax', `SQL compilation error:\nsyntax error ${line.replace(/^Parser Error:\s*/i, '')}`);
  if (/^Catalog Error/i.test(line)) return sqlError('objectMissing', `SQL compilation error:\n${line.replace(/^Catalog Error:\s*/i, '')}`);
  if (/^Binder Error/i.test(line))
    return sqlError('invalidIdentifier', `SQL compilation error:\n${line.replace(/^Binder Error:\s*/i, '')}`);
  if (/division by zero|Division by zero/.test(line)) return sqlError('divisionByZero', 'Division by zero');
  if (/^(Conversion|Invalid Input) Error/i.test(line)) return sqlError('numericValue', line.replace(/^\w+ \w+ Error:\s*/i, ''));
  if (/^Interrupt/i.test(line)) return sqlError('canceled', 'SQL execution canceled');
  return sqlError('generic', line);
}
