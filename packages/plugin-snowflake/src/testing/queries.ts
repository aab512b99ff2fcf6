/**
 * The server's queries: each goes QUEUED → RUNNING → SUCCESS | FAILED_WITH_ERROR (or ABORTED), with
 * configurable delays before and after DuckDB runs it. Query ids are global to the account (any
 * session of it can monitor one); request ids are remembered per session, as Snowflake does.
 */
import { randomUUID } from 'node:crypto';
import type { Binding, DuckDBEngine, RunningStatement, StatementResult } from './duckdb-engine.ts';
import { type SnowflakeSqlError, sqlError } from './sql-errors.ts';

export type QueryStatus = 'QUEUED' | 'RESUMING_WAREHOUSE' | 'RUNNING' | 'BLOCKED' | 'SUCCESS' | 'FAILED_WITH_ERROR' | 'FAILED_WITH_INCIDENT' | 'ABORTING' | 'ABORTED';

/** One executed statement, as the call log reports it. */
export interface QueryRecord {
  readonly queryId: string;
  readonly requestId: string;
  readonly sessionId: number;
  readonly user: string;
  readonly sqlText: string;
  readonly bindings: Readonly<Record<string, Binding>> | undefined;
  readonly database: string;
  readonly schema: string;
  readonly warehouse: string;
  readonly asyncExec: boolean;
  /** Statement parameters sent with it (QUERY_TAG, …). */
  readonly parameters: Readonly<Record<string, unknown>>;
  status: QueryStatus;
  result?: StatementResult;
  error?: SnowflakeSqlError;
  readonly startedAt: number;
  endedAt?: number;
}

export interface QueryTiming {
  /** Time spent QUEUED before the statement starts. */
  readonly queuedMs: number;
  /** Time spent RUNNING on top of DuckDB's own run time. */
  readonly runningMs: number;
}

export interface Submission {
  readonly requestId: string;
  readonly sessionId: number;
  readonly user: string;
  readonly sqlText: string;
  readonly bindings: Readonly<Record<string, Binding>> | undefined;
  readonly database: string;
  readonly schema: string;
  readonly warehouse: string;
  readonly asyncExec: boolean;
  readonly parameters: Readonly<Record<string, unknown>>;
}

const CANCEL = /^\s*select\s+system\$cancel_query\s*\(\s*'([^']*)'\s*\)\s*;?\s*$/i;
const TERMINAL = new Set<QueryStatus>(['SUCCESS', 'FAILED_WITH_ERROR', 'FAILED_WITH_INCIDENT', 'ABORTED']);

export class Queries {
  readonly #engine: DuckDBEngine;
  readonly #timing: (sqlText: string) => QueryTiming;
  readonly #now: () => number;
  readonly #byId = new Map<string, QueryRecord>();
  readonly #done = new Map<string, Promise<void>>();
  readonly #running = new Map<string, { statement?: RunningStatement; timer?: NodeJS.Timeout; wake?: () => void }>();

  constructor(engine: DuckDBEngine, timing: (sqlText: string) => QueryTiming, now: () => number) {
    this.#engine = engine;
    this.#timing = timing;
    this.#now = now;
  }

  get(queryId: string): QueryRecord | undefined {
    return this.#byId.get(queryId);
  }

  all(): QueryRecord[] {
    return [...this.#byId.values()];
  }

  isTerminal(record: QueryRecord): boolean {
    return TERMINAL.has(record.status);
  }

  /** Starts a statement; SYSTEM$CANCEL_QUERY is answered by the server itself. */
  submit(submission: Submission): QueryRecord {
    const record: QueryRecord = { ...submission, queryId: newQueryId(), status: 'QUEUED', startedAt: this.#now() };
    this.#byId.set(record.queryId, record);
    const cancel = CANCEL.exec(submission.sqlText);
    if (cancel !== null) {
      const answer = this.cancel(cancel[1] ?? '');
      record.status = 'SUCCESS';
      record.result = {
        rowtype: [{ name: `SYSTEM$CANCEL_QUERY('${cancel[1]}')`, type: 'text', precision: null, scale: null, length: 16_777_216, byteLength: 16_777_216, nullable: true, database: '', schema: '', table: '' }],
        rowset: [[answer]],
      };
      record.endedAt = this.#now();
      this.#done.set(record.queryId, Promise.resolve());
      return record;
    }
    this.#done.set(record.queryId, this.#run(record));
    return record;
  }

  /** Resolves when the query ends or `ms` pass, whichever is first. */
  async waitFor(queryId: string, ms: number): Promise<void> {
    const done = this.#done.get(queryId);
    if (done === undefined) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([done, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
    clearTimeout(timer);
  }

  /** SYSTEM$CANCEL_QUERY / abort-request: the answer Snowflake gives as the function's value. */
  cancel(queryId: string): string {
    const record = this.#byId.get(queryId);
    if (record === undefined) return `Identified SQL statement is not currently executing.`;
    if (this.isTerminal(record)) return `Identified SQL statement is not currently executing.`;
    record.status = 'ABORTED';
    record.error = sqlError('canceled', `SQL execution canceled`);
    record.endedAt = this.#now();
    const running = this.#running.get(queryId);
    running?.statement?.interrupt();
    clearTimeout(running?.timer);
    running?.wake?.();
    return `query [${queryId}] terminated.`;
  }

  async #run(record: QueryRecord): Promise<void> {
    const timing = this.#timing(record.sqlText);
    const control: { statement?: RunningStatement; timer?: NodeJS.Timeout; wake?: () => void } = {};
    this.#running.set(record.queryId, control);
    const pause = (ms: number) =>
      new Promise<void>((resolve) => {
        control.wake = resolve;
        control.timer = setTimeout(resolve, ms);
      });
    try {
      if (timing.queuedMs > 0) await pause(timing.queuedMs);
      if (record.status === 'ABORTED') return;
      record.status = 'RUNNING';
      control.statement = this.#engine.execute(record.sqlText, record.bindings, record.database, record.schema);
      const [outcome] = await Promise.all([control.statement.outcome, timing.runningMs > 0 ? pause(timing.runningMs) : undefined]);
      if ((record.status as QueryStatus) === 'ABORTED') return;
      if (outcome.ok) {
        record.status = 'SUCCESS';
        record.result = outcome.result;
      } else {
        record.status = 'FAILED_WITH_ERROR';
        record.error = outcome.error;
      }
      record.endedAt = this.#now();
    } finally {
      this.#running.delete(record.queryId);
    }
  }

  /** Aborts everything still running (server close). */
  async close(): Promise<void> {
    for (const id of this.#running.keys()) this.cancel(id);
    await Promise.allSettled(this.#done.values());
  }
}

/** Snowflake query ids are UUID-shaped (the SDK checks the shape). */
function newQueryId(): string {
  return randomUUID();
}
