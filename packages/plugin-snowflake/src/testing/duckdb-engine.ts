/**
 * Runs statements on an in-memory DuckDB: a Snowflake database is an attached DuckDB catalog and a
 * Snowflake schema a DuckDB schema in it, created on first use, so three-part names work. Each
 * statement gets its own connection so it can be interrupted. Binds arrive as the SDK sends them
 * (`{ "1": { type: "FIXED", value: "10" } }`) and are bound by position, never spliced.
 */
import { BIGINT, DuckDBInstance, type DuckDBConnection, ResultReturnType } from '@duckdb/node-api';
import { type RowType, rowType, rowValue } from './result-format.ts';
import { type SnowflakeSqlError, fromDuckDB, sqlError } from './sql-errors.ts';

export interface Binding {
  readonly type: string;
  readonly value: string | null | readonly (string | null)[];
}

export interface StatementResult {
  readonly rowtype: readonly RowType[];
  readonly rowset: readonly (string | null)[][];
  readonly changed?: number;
}

export type StatementOutcome = { readonly ok: true; readonly result: StatementResult } | { readonly ok: false; readonly error: SnowflakeSqlError };

export interface RunningStatement {
  readonly outcome: Promise<StatementOutcome>;
  interrupt(): void;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_$]*$/;

export class DuckDBEngine {
  readonly #instance: DuckDBInstance;
  readonly #admin: DuckDBConnection;
  readonly #catalogs = new Set<string>();
  #adminQueue: Promise<unknown> = Promise.resolve();

  private constructor(instance: DuckDBInstance, admin: DuckDBConnection) {
    this.#instance = instance;
    this.#admin = admin;
  }

  static async create(): Promise<DuckDBEngine> {
    const instance = await DuckDBInstance.create(':memory:');
    return new DuckDBEngine(instance, await instance.connect());
  }

  /** Seeds or inspects data: `CREATE DATABASE`-free, use `sql('CREATE TABLE db.schema.t …')` after `ensure`. */
  async sql(text: string, database?: string, schema?: string): Promise<Record<string, unknown>[]> {
    if (database !== undefined) await this.ensure(database, schema ?? 'PUBLIC');
    return this.#onAdmin(async (c) => (await c.runAndReadAll(text)).getRowObjectsJS());
  }

  /** Creates the catalog and schema a session names, once. */
  async ensure(database: string, schema: string): Promise<void> {
    if (!IDENTIFIER.test(database) || !IDENTIFIER.test(schema)) throw new Error(`'${database}.${schema}' is not a plain database.schema name`);
    const key = `${database.toUpperCase()}.${schema.toUpperCase()}`;
    if (this.#catalogs.has(key)) return;
    await this.#onAdmin(async (c) => {
      const attached = (await c.runAndReadAll(`SELECT 1 FROM duckdb_databases() WHERE upper(database_name) = upper('${database}')`)).getRows().length > 0;
      if (!attached) await c.run(`ATTACH ':memory:' AS "${database.toUpperCase()}"`);
      await c.run(`CREATE SCHEMA IF NOT EXISTS "${database.toUpperCase()}"."${schema.toUpperCase()}"`);
    });
    this.#catalogs.add(key);
  }

  execute(sqlText: string, bindings: Readonly<Record<string, Binding>> | undefined, database: string, schema: string): RunningStatement {
    const control: { connection?: DuckDBConnection; interrupted: boolean } = { interrupted: false };
    const outcome = (async (): Promise<StatementOutcome> => {
      try {
        await this.ensure(database, schema);
      } catch (error) {
        return { ok: false, error: fromDuckDB(error) };
      }
      const connection = await this.#instance.connect();
      control.connection = connection;
      try {
        if (control.interrupted) return { ok: false, error: sqlError('canceled', 'SQL execution canceled') };
        await connection.run(`USE "${database.toUpperCase()}"."${schema.toUpperCase()}"`);
        const statement = await connection.prepare(sqlText);
        const values = Object.entries(bindings ?? {})
          .sort(([a], [b]) => Number(a) - Number(b))
          .map(([, b]) => bindValue(b));
        if (statement.parameterCount !== values.length) {
          return { ok: false, error: sqlError('bindCount', `Bind variable count mismatch: the statement has ${statement.parameterCount} placeholders, ${values.length} values were bound`) };
        }
        if (values.length > 0) statement.bind(values);
        const reader = await statement.runAndReadAll();
        if (reader.returnType === ResultReturnType.CHANGED_ROWS) {
          return { ok: true, result: { rowtype: [{ ...rowType('number of rows affected', BIGINT), precision: 19 }], rowset: [[String(reader.rowsChanged)]], changed: reader.rowsChanged } };
        }
        const types = reader.columnTypes();
        const rowtype = types.map((type, i) => rowType(snowflakeName(reader.columnName(i), sqlText), type));
        const rowset = reader.getRows().map((row) => row.map((value, i) => rowValue(value, types[i]!)));
        return { ok: true, result: { rowtype, rowset } };
      } catch (error) {
        return { ok: false, error: control.interrupted ? sqlError('canceled', 'SQL execution canceled') : fromDuckDB(error) };
      } finally {
        connection.closeSync();
      }
    })();
    return {
      outcome,
      interrupt: () => {
        control.interrupted = true;
        control.connection?.interrupt();
      },
    };
  }

  close(): void {
    this.#admin.closeSync();
    this.#instance.closeSync();
  }

  #onAdmin<T>(work: (c: DuckDBConnection) => Promise<T>): Promise<T> {
    const next = this.#adminQueue.then(() => work(this.#admin));
    this.#adminQueue = next.catch(() => undefined);
    return next;
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
