/**
 * Runs Athena queries for real on an in-memory DuckDB instance. An Athena database is a DuckDB schema of
 * the same name, created on first use; each query gets its own connection so it can be interrupted.
 */
import { DuckDBInstance, ResultReturnType, quotedIdentifier } from '@duckdb/node-api';
import type { DuckDBConnection } from '@duckdb/node-api';
import { TflyteError } from '@tflyte/core';
import { bindParameters, parseParameterLiteral, ParameterLiteralError } from './execution-parameters.ts';
import type { ParameterValue } from './execution-parameters.ts';
import { failureFromDuckDB, queryFailure } from './query-errors.ts';
import type { QueryFailure } from './query-errors.ts';
import { columnInfo, formatValue } from './result-format.ts';
import type { AthenaColumnInfo } from './result-format.ts';

/** A finished query's results, already in Athena's presentation. */
export interface QueryResult {
  columns: AthenaColumnInfo[];
  /** Data rows (no header); `undefined` is SQL NULL. */
  rows: (string | undefined)[][];
  /** Rows written by INSERT / UPDATE / DELETE / CREATE TABLE AS. */
  updateCount?: number;
}

export type QueryOutcome = { ok: true; result: QueryResult } | { ok: false; failure: QueryFailure };

export interface QueryRequest {
  sql: string;
  database: string;
  /** Athena `ExecutionParameters`: SQL literal strings for the `?` placeholders, in order. */
  parameters: readonly string[];
}

/** A query in flight; `interrupt` makes DuckDB abandon it (its outcome is then a failure). */
export interface RunningQuery {
  readonly outcome: Promise<QueryOutcome>;
  interrupt(): void;
}

interface RunControl {
  connection: DuckDBConnection | undefined;
  interrupted: boolean;
}

export class QueryEngine {
  readonly #instance: DuckDBInstance;
  readonly #admin: DuckDBConnection;
  readonly #running = new Set<Promise<QueryOutcome>>();
  readonly #connections = new Set<DuckDBConnection>();
  // One DuckDB connection must not run two statements at once; admin work is queued.
  #adminQueue: Promise<unknown> = Promise.resolve();
  #closed = false;

  private constructor(instance: DuckDBInstance, admin: DuckDBConnection) {
    this.#instance = instance;
    this.#admin = admin;
  }

  static async create(): Promise<QueryEngine> {
    const instance = await DuckDBInstance.create(':memory:');
    return new QueryEngine(instance, await instance.connect());
  }

  /** Runs SQL directly (seeding, inspection), returning the last statement's rows as JS objects. */
  async sql(text: string): Promise<Record<string, unknown>[]> {
    return this.#onAdmin(async (c) => (await c.runAndReadAll(text)).getRowObjectsJS());
  }

  /** How many statements `sql` holds; 1 when it does not parse (the parse error surfaces at run time). */
  async countStatements(sql: string): Promise<number> {
    return this.#onAdmin(async (c) => (await c.extractStatements(sql)).count).catch(() => 1);
  }

  execute(request: QueryRequest): RunningQuery {
    this.#assertOpen();
    const control: RunControl = { connection: undefined, interrupted: false };
    const outcome = this.#run(request, control);
    this.#running.add(outcome);
    void outcome.finally(() => this.#running.delete(outcome));
    return {
      outcome,
      interrupt: () => {
        control.interrupted = true;
        control.connection?.interrupt();
      },
    };
  }

  /** Interrupts running queries, waits for them, and closes DuckDB. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const c of this.#connections) c.interrupt();
    await Promise.allSettled([...this.#running, this.#adminQueue]);
    this.#admin.closeSync();
    this.#instance.closeSync();
  }

  async #run(request: QueryRequest, control: RunControl): Promise<QueryOutcome> {
    let parameters: ParameterValue[];
    try {
      parameters = request.parameters.map((p, i) => parseParameterLiteral(p, i));
    } catch (error) {
      if (error instanceof ParameterLiteralError) return { ok: false, failure: queryFailure(`INVALID_PARAMETER_USAGE: ${error.message}`) };
      throw error;
    }
    const qualify = (table: string) => (table.includes('.') ? `awsdatacatalog.${table}` : `awsdatacatalog.${request.database}.${table}`);
    const schema = quotedIdentifier(request.database);
    try {
      await this.#onAdmin((c) => c.run(`CREATE SCHEMA IF NOT EXISTS ${schema}`));
    } catch (error) {
      return { ok: false, failure: failureFromDuckDB(error, qualify) };
    }
    const connection = await this.#instance.connect();
    this.#connections.add(connection);
    control.connection = connection;
    // An interrupt only aborts the statement DuckDB is running at that moment, so check between steps too.
    const interrupted = (): QueryOutcome => ({ ok: false, failure: failureFromDuckDB(new Error('Interrupt Error: Interrupted!'), qualify) });
    try {
      if (control.interrupted) return interrupted();
      await connection.run(`USE ${schema}`);
      const statement = await connection.prepare(request.sql);
      if (statement.parameterCount !== parameters.length) {
        return {
          ok: false,
          failure: queryFailure(
            `INVALID_PARAMETER_USAGE: Incorrect number of parameters: expected ${statement.parameterCount} but found ${parameters.length}`,
          ),
        };
      }
      bindParameters(statement, parameters);
      if (control.interrupted) return interrupted();
      const reader = await statement.runAndReadAll();
      if (reader.returnType !== ResultReturnType.QUERY_RESULT) {
        // DuckDB reports CREATE TABLE AS as "nothing" yet returns the rows written in its Count column.
        const written =
          reader.returnType === ResultReturnType.CHANGED_ROWS
            ? reader.rowsChanged
            : statementType(request.sql) === 'DML'
              ? Number(reader.getRows()[0]?.[0] ?? 0)
              : undefined;
        return { ok: true, result: { columns: [], rows: [], ...(written === undefined ? {} : { updateCount: written }) } };
      }
      const types = reader.columnTypes();
      const columns = types.map((type, i) => columnInfo(reader.columnName(i), type));
      const rows = reader.getRows().map((row) => row.map((value, i) => formatValue(value, types[i])));
      return { ok: true, result: { columns, rows } };
    } catch (error) {
      return { ok: false, failure: failureFromDuckDB(error, qualify) };
    } finally {
      this.#connections.delete(connection);
      connection.closeSync();
    }
  }

  #onAdmin<T>(work: (c: DuckDBConnection) => Promise<T>): Promise<T> {
    this.#assertOpen();
    const next = this.#adminQueue.then(() => work(this.#admin));
    this.#adminQueue = next.catch(() => undefined);
    return next;
  }

  #assertOpen(): void {
    if (this.#closed) throw new TflyteError('TFLYTE_CONFIG', 'the Athena test server is closed; start a new one with startAthenaServer()');
  }
}

/**
 * Athena's `StatementType` for a query, from its leading keyword (Athena decides it when the query is
 * submitted, before it runs). CREATE TABLE AS SELECT counts as DML, as in Athena.
 */
export function statementType(sql: string): 'DDL' | 'DML' | 'UTILITY' {
  const text = sql.replace(/--[^\n]*|\/\*[\s\S]*?\*\//g, ' ').trimStart().replace(/^\(+\s*/, '');
  const keyword = /^[A-Za-z]+/.exec(text)?.[0]?.toUpperCase() ?? '';
  if (['SHOW', 'DESCRIBE', 'DESC', 'EXPLAIN', 'USE', 'PREPARE', 'DEALLOCATE'].includes(keyword)) return 'UTILITY';
  if (['CREATE', 'ALTER', 'DROP', 'MSCK', 'REPAIR'].includes(keyword)) {
    return /^CREATE\s+(OR\s+REPLACE\s+)?TABLE\b[\s\S]*?\bAS\s*\(?\s*(SELECT|WITH|VALUES)\b/i.test(text) ? 'DML' : 'DDL';
  }
  return 'DML';
}
