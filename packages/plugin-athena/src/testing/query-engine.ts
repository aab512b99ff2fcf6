/**
 * Runs Athena queries for real on the emulator's in-memory DuckDB. An Athena database is a DuckDB schema
 * of the same name, created on first use; each query gets its own connection so it can be interrupted.
 */
import { quotedIdentifier, ResultReturnType } from '@duckdb/node-api';
import { DuckDbEngine } from '@tflyte/testing/emulator';
import type { ParameterValue } from './execution-parameters.ts';
import { bindParameters, ParameterLiteralError, parseParameterLiteral } from './execution-parameters.ts';
import type { QueryFailure } from './query-errors.ts';
import { failureFromDuckDB, queryFailure } from './query-errors.ts';
import type { AthenaColumnInfo } from './result-format.ts';
import { columnInfo, formatValue } from './result-format.ts';

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

/** Athena's SQL on the emulator's DuckDB engine: a database is a schema, results in Athena's presentation. */
export class QueryEngine {
  readonly #duckdb: DuckDbEngine;

  private constructor(duckdb: DuckDbEngine) {
    this.#duckdb = duckdb;
  }

  static async create(): Promise<QueryEngine> {
    return new QueryEngine(await DuckDbEngine.create('the Athena test server'));
  }

  /** Runs SQL directly (seeding, inspection), returning the last statement's rows as JS objects. */
  sql(text: string): Promise<Record<string, unknown>[]> {
    return this.#duckdb.sql(text);
  }

  /** How many statements `sql` holds; 1 when it does not parse (the parse error surfaces at run time). */
  countStatements(sql: string): Promise<number> {
    return this.#duckdb.countStatements(sql);
  }

  execute(request: QueryRequest, signal?: AbortSignal): RunningQuery {
    const control = new AbortController();
    signal?.addEventListener('abort', () => control.abort(), { once: true });
    this.#duckdb.assertOpen();
    return { outcome: this.#run(request, control.signal), interrupt: () => control.abort() };
  }

  /** Interrupts running queries, waits for them, and closes DuckDB. Idempotent. */
  close(): Promise<void> {
    return this.#duckdb.close();
  }

  async #run(request: QueryRequest, signal: AbortSignal): Promise<QueryOutcome> {
    let parameters: ParameterValue[];
    try {
      parameters = request.parameters.map((p, i) => parseParameterLiteral(p, i));
    } catch (error) {
      if (error instanceof ParameterLiteralError) return { ok: false, failure: queryFailure(`INVALID_PARAMETER_USAGE: ${error.message}`) };
      throw error;
    }
    const qualify = (table: string) => (table.includes('.') ? `awsdatacatalog.${table}` : `awsdatacatalog.${request.database}.${table}`);
    try {
      await this.#duckdb.ensureSchema(request.database);
    } catch (error) {
      return { ok: false, failure: failureFromDuckDB(error, qualify) };
    }
    // An interrupt only aborts the statement DuckDB is running at that moment, so check between steps too.
    const interrupted = (): QueryOutcome => ({
      ok: false,
      failure: failureFromDuckDB(new Error('Interrupt Error: Interrupted!'), qualify),
    });
    return this.#duckdb.withConnection(async (connection) => {
      try {
        if (signal.aborted) return interrupted();
        await connection.run(`USE ${quotedIdentifier(request.database)}`);
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
        if (signal.aborted) return interrupted();
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
      }
    }, signal);
  }
}

/**
 * Athena's `StatementType` for a query, from its leading keyword (Athena decides it when the query is
 * submitted, before it runs). CREATE TABLE AS SELECT counts as DML, as in Athena.
 */
export function statementType(sql: string): 'DDL' | 'DML' | 'UTILITY' {
  const text = sql
    .replace(/--[^\n]*|\/\*[\s\S]*?\*\//g, ' ')
    .trimStart()
    .replace(/^\(+\s*/, '');
  const keyword = /^[A-Za-z]+/.exec(text)?.[0]?.toUpperCase() ?? '';
  if (['SHOW', 'DESCRIBE', 'DESC', 'EXPLAIN', 'USE', 'PREPARE', 'DEALLOCATE'].includes(keyword)) return 'UTILITY';
  if (['CREATE', 'ALTER', 'DROP', 'MSCK', 'REPAIR'].includes(keyword)) {
    return /^CREATE\s+(OR\s+REPLACE\s+)?TABLE\b[\s\S]*?\bAS\s*\(?\s*(SELECT|WITH|VALUES)\b/i.test(text) ? 'DML' : 'DDL';
  }
  return 'DML';
}
