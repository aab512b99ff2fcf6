/**
 * Snowflake SQL on the emulator's DuckDB engine: a Snowflake database is an attached DuckDB catalog
 * and a Snowflake schema a DuckDB schema in it, created on first use, so three-part names work. Binds
 * arrive as the SDK sends them (`{ "1": { type: "FIXED", value: "10" } }`) and are bound by
 * position, never spliced. `TABLE(INFORMATION_SCHEMA.QUERY_HISTORY(...))` reads the server's own
 * query history, as a temporary table of the statement's connection.
 */
import { BIGINT, type DuckDBConnection, quotedIdentifier, ResultReturnType } from '@duckdb/node-api';
import { DuckDbEngine } from '@tflyte/testing/emulator';
import { type RowType, rowType, rowValue } from './result-format.ts';
import { fromDuckDB, type SnowflakeSqlError, sqlError } from './sql-errors.ts';

export interface Binding {
  readonly type: string;
  readonly value: string | null | readonly (string | null)[];
}

export interface StatementResult {
  readonly rowtype: readonly RowType[];
  readonly rowset: readonly (string | null)[][];
  readonly changed?: number;
}

export type StatementOutcome =
  | { readonly ok: true; readonly result: StatementResult }
  | { readonly ok: false; readonly error: SnowflakeSqlError };

/** One row of INFORMATION_SCHEMA.QUERY_HISTORY, with the columns Snowflake names so. */
export interface HistoryRow {
  readonly QUERY_ID: string;
  readonly QUERY_TEXT: string;
  readonly QUERY_TAG: string;
  readonly USER_NAME: string;
  readonly SESSION_ID: number;
  readonly WAREHOUSE_NAME: string;
  readonly DATABASE_NAME: string;
  readonly SCHEMA_NAME: string;
  readonly EXECUTION_STATUS: string;
  readonly ERROR_CODE: string | null;
  readonly START_TIME: Date;
  readonly END_TIME: Date | null;
}

export interface StatementRequest {
  readonly sqlText: string;
  readonly bindings: Readonly<Record<string, Binding>> | undefined;
  readonly database: string;
  readonly schema: string;
  /** The history the statement's QUERY_HISTORY table functions read (the session user's queries). */
  readonly history: () => readonly HistoryRow[];
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_$]*$/;
// The table functions have only `name => value` arguments, never nested parentheses.
const QUERY_HISTORY =
  /\bTABLE\s*\(\s*(?:(?:"?[A-Za-z_][\w$]*"?)\.)?INFORMATION_SCHEMA\.QUERY_HISTORY(?:_BY_USER|_BY_SESSION|_BY_WAREHOUSE)?\s*\([^()]*\)\s*\)/gi;
const HISTORY_TABLE = 'temp.main.tflyte_query_history';

export class SnowflakeSql {
  readonly #duckdb: DuckDbEngine;
  readonly #catalogs = new Set<string>();

  private constructor(duckdb: DuckDbEngine) {
    this.#duckdb = duckdb;
  }

  static async create(): Promise<SnowflakeSql> {
    return new SnowflakeSql(await DuckDbEngine.create('the Snowflake test server'));
  }

  /** Runs SQL directly (seeding, inspection); `database`/`schema` are created first when given. */
  async sql(text: string, database?: string, schema?: string): Promise<Record<string, unknown>[]> {
    if (database !== undefined) await this.ensure(database, schema ?? 'PUBLIC');
    return this.#duckdb.sql(text);
  }

  /** Creates the catalog and schema a session names, once. */
  async ensure(database: string, schema: string): Promise<void> {
    if (!IDENTIFIER.test(database) || !IDENTIFIER.test(schema))
      throw new Error(`'${database}.${schema}' is not a plain database.schema name`);
    const db = database.toUpperCase();
    const key = `${db}.${schema.toUpperCase()}`;
    if (this.#catalogs.has(key)) return;
    await this.#duckdb.admin(async (c) => {
      const attached =
        (await c.runAndReadAll(`SELECT 1 FROM duckdb_databases() WHERE upper(database_name) = '${db}'`)).getRows().length > 0;
      if (!attached) await c.run(`ATTACH ':memory:' AS ${quotedIdentifier(db)}`);
      await c.run(`CREATE SCHEMA IF NOT EXISTS ${quotedIdentifier(db)}.${quotedIdentifier(schema.toUpperCase())}`);
    });
    this.#catalogs.add(key);
  }

  /** Runs one statement on a connection of its own; `signal` interrupts it. */
  async execute(request: StatementRequest, signal: AbortSignal): Promise<StatementOutcome> {
    try {
      await this.ensure(request.database, request.schema);
    } catch (error) {
      return { ok: false, error: fromDuckDB(error) };
    }
    const canceled = (): StatementOutcome => ({ ok: false, error: sqlError('canceled', 'SQL execution canceled') });
    return this.#duckdb.withConnection(async (connection) => {
      try {
        if (signal.aborted) return canceled();
        await connection.run(`USE ${quotedIdentifier(request.database.toUpperCase())}.${quotedIdentifier(request.schema.toUpperCase())}`);
        let sqlText = request.sqlText;
        if (sqlText.search(QUERY_HISTORY) !== -1) {
          await loadHistory(connection, request.history());
          sqlText = sqlText.replace(QUERY_HISTORY, HISTORY_TABLE);
        }
        const statement = await connection.prepare(sqlText);
        const values = Object.entries(request.bindings ?? {})
          .sort(([a], [b]) => Number(a) - Number(b))
          .map(([, b]) => bindValue(b));
        if (statement.parameterCount !== values.length) {
          return {
            ok: false,
            error: sqlError(
              'bindCount',
              `Bind variable count mismatch: the statement has ${statement.parameterCount} placeholders, ${values.length} values were bound`,
            ),
          };
        }
        if (values.length > 0) statement.bind(values);
        if (signal.aborted) return canceled();
        const reader = await statement.runAndReadAll();
        if (reader.returnType === ResultReturnType.CHANGED_ROWS) {
          return {
            ok: true,
            result: {
              rowtype: [{ ...rowType('number of rows affected', BIGINT), precision: 19 }],
              rowset: [[String(reader.rowsChanged)]],
              changed: reader.rowsChanged,
            },
          };
        }
        const types = reader.columnTypes();
        const rowtype = types.map((type, i) => rowType(snowflakeName(reader.columnName(i), request.sqlText), type));
        const rowset = reader.getRows().map((row) => row.map((value, i) => rowValue(value, types[i]!)));
        return { ok: true, result: { rowtype, rowset } };
      } catch (error) {
        return signal.aborted ? canceled() : { ok: false, error: fromDuckDB(error) };
      }
    }, signal);
  }

  close(): Promise<void> {
    return this.#duckdb.close();
  }
}

async function loadHistory(connection: DuckDBConnection, rows: readonly HistoryRow[]): Promise<void> {
  await connection.run(
    `CREATE OR REPLACE TEMP TABLE tflyte_query_history(QUERY_ID VARCHAR, QUERY_TEXT VARCHAR, QUERY_TAG VARCHAR, USER_NAME VARCHAR, SESSION_ID BIGINT,
      WAREHOUSE_NAME VARCHAR, DATABASE_NAME VARCHAR, SCHEMA_NAME VARCHAR, EXECUTION_STATUS VARCHAR, ERROR_CODE VARCHAR, START_TIME TIMESTAMP, END_TIME TIMESTAMP)`,
  );
  const insert = await connection.prepare(
    'INSERT INTO tflyte_query_history VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::TIMESTAMP, $12::TIMESTAMP)',
  );
  for (const r of rows) {
    insert.bind([
      r.QUERY_ID,
      r.QUERY_TEXT,
      r.QUERY_TAG,
      r.USER_NAME,
      r.SESSION_ID,
      r.WAREHOUSE_NAME,
      r.DATABASE_NAME,
      r.SCHEMA_NAME,
      r.EXECUTION_STATUS,
      r.ERROR_CODE,
      r.START_TIME.toISOString(),
      r.END_TIME === null ? null : r.END_TIME.toISOString(),
    ]);
    await insert.run();
  }
}

/** A bind as the JS value DuckDB binds: FIXED → BIGINT (or DOUBLE with a fraction), REAL → DOUBLE, BOOLEAN, TEXT. */
function bindValue(binding: Binding): string | number | bigint | boolean | null {
  const value = binding.value;
  if (value === null || Array.isArray(value)) return value === null ? null : JSON.stringify(value);
  const text = value as string;
  switch (binding.type.toUpperCase()) {
    case 'FIXED':
      return /^-?\d+$/.test(text) ? BigInt(text) : Number(text);
    case 'REAL':
      return Number(text);
    case 'BOOLEAN':
      return text === 'true' || text === '1' || text === 'TRUE';
    default:
      return text;
  }
}

/** Snowflake folds unquoted identifiers to upper case; a name the statement wrote in double quotes keeps its case. */
function snowflakeName(name: string, sqlText: string): string {
  return sqlText.includes(`"${name}"`) ? name : name.toUpperCase();
}
