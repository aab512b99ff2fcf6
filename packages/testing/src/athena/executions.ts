/**
 * The lifecycle of query executions: QUEUED for `queuedMs`, RUNNING for `runningMs` and then for as long
 * as DuckDB takes, then SUCCEEDED / FAILED; StopQueryExecution cancels a queued or running query. The
 * SQL runs at the end of the RUNNING phase, so a query cancelled before then has no side effects.
 */
import { randomUUID } from 'node:crypto';
import { TflyteError } from '@tflyte/core';
import type { QueryEngine, QueryResult, RunningQuery } from './query-engine.ts';
import { statementType } from './query-engine.ts';
import { ErrorCategory, queryFailure } from './query-errors.ts';
import type { AthenaErrorShape, ErrorCategoryCode } from './query-errors.ts';

export type QueryState = 'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED';

/** What a test's `onQuery` hook sees of a submitted query. */
export interface QueryInfo {
  queryExecutionId: string;
  query: string;
  database: string;
  catalog: string;
  workGroup: string;
  executionParameters: readonly string[];
}

/**
 * Per-query overrides returned by `onQuery`. A duration of `Infinity` holds the query in that state
 * until `server.advance(id)` or StopQueryExecution.
 */
export interface QueryPlan {
  queuedMs?: number;
  runningMs?: number;
  /** Fail the query with this StateChangeReason instead of running it (default category USER). */
  fail?: { reason: string; category?: ErrorCategoryCode; errorType?: number; retryable?: boolean };
}

export interface QuerySubmission {
  clientRequestToken: string | undefined;
  query: string;
  database: string;
  catalog: string;
  workGroup: string;
  /** The OutputLocation prefix the result file is written under. */
  outputPrefix: string;
  executionParameters: readonly string[];
}

/** A query execution as the server holds it; read-only outside this module. */
export interface Execution extends QuerySubmission {
  readonly queryExecutionId: string;
  readonly statementType: 'DDL' | 'DML' | 'UTILITY';
  /** `<prefix>/<id>.csv` (`.txt` for DDL and utility statements), as Athena names result files. */
  readonly outputLocation: string;
  state: QueryState;
  stateChangeReason: string | undefined;
  athenaError: AthenaErrorShape | undefined;
  submittedAt: Date;
  startedAt: Date | undefined;
  completedAt: Date | undefined;
  /** How many times the SQL was run on DuckDB: 0 or 1, whatever the number of StartQueryExecution calls. */
  runs: number;
  result: QueryResult | undefined;
}

interface Internal {
  execution: Execution;
  plan: Required<Pick<QueryPlan, 'queuedMs' | 'runningMs'>> & Pick<QueryPlan, 'fail'>;
  timer: NodeJS.Timeout | undefined;
  /** The phase transition waiting on a timer or on `advance`. */
  pending: (() => void) | undefined;
  running: RunningQuery | undefined;
}

export interface LifecycleOptions {
  queuedMs: number;
  runningMs: number;
  onQuery?: (query: QueryInfo) => QueryPlan | undefined;
}

export class Executions {
  readonly #engine: QueryEngine;
  readonly #options: LifecycleOptions;
  readonly #byId = new Map<string, Internal>();
  readonly #byToken = new Map<string, string>();
  #closed = false;

  constructor(engine: QueryEngine, options: LifecycleOptions) {
    checkDuration('queuedMs', options.queuedMs);
    checkDuration('runningMs', options.runningMs);
    this.#engine = engine;
    this.#options = options;
  }

  /** Copies of all executions, oldest first. */
  list(): Readonly<Execution>[] {
    return [...this.#byId.values()].map(({ execution }) => Object.freeze({ ...execution, executionParameters: [...execution.executionParameters] }));
  }

  get(id: string): Execution | undefined {
    return this.#byId.get(id)?.execution;
  }

  byToken(token: string): Execution | undefined {
    const id = this.#byToken.get(token);
    return id === undefined ? undefined : this.get(id);
  }

  start(submission: QuerySubmission): Execution {
    const queryExecutionId = randomUUID();
    const kind = statementType(submission.query);
    const prefix = submission.outputPrefix.endsWith('/') ? submission.outputPrefix : `${submission.outputPrefix}/`;
    const execution: Execution = {
      ...submission,
      executionParameters: [...submission.executionParameters],
      queryExecutionId,
      statementType: kind,
      outputLocation: `${prefix}${queryExecutionId}.${kind === 'DML' ? 'csv' : 'txt'}`,
      state: 'QUEUED',
      stateChangeReason: undefined,
      athenaError: undefined,
      submittedAt: new Date(),
      startedAt: undefined,
      completedAt: undefined,
      runs: 0,
      result: undefined,
    };
    const override =
      this.#options.onQuery?.({
        queryExecutionId,
        query: submission.query,
        database: submission.database,
        catalog: submission.catalog,
        workGroup: submission.workGroup,
        executionParameters: execution.executionParameters,
      }) ?? {};
    const plan = {
      queuedMs: override.queuedMs ?? this.#options.queuedMs,
      runningMs: override.runningMs ?? this.#options.runningMs,
      fail: override.fail,
    };
    checkDuration('onQuery().queuedMs', plan.queuedMs);
    checkDuration('onQuery().runningMs', plan.runningMs);
    const internal: Internal = { execution, plan, timer: undefined, pending: undefined, running: undefined };
    this.#byId.set(queryExecutionId, internal);
    if (submission.clientRequestToken !== undefined) this.#byToken.set(submission.clientRequestToken, queryExecutionId);
    this.#schedule(internal, plan.queuedMs, () => this.#toRunning(internal));
    return execution;
  }

  /** Cancels a QUEUED or RUNNING query; a finished one is left as it is (StopQueryExecution is idempotent). */
  stop(id: string): void {
    const internal = this.#byId.get(id);
    if (internal === undefined || isTerminal(internal.execution.state)) return;
    this.#clearPending(internal);
    internal.running?.interrupt();
    this.#finish(internal, 'CANCELLED', { reason: 'Query was cancelled by user' });
  }

  /**
   * Moves a query waiting in QUEUED or in the timed part of RUNNING to its next phase now.
   * Returns false when nothing was waiting (unknown id, SQL already running, or finished).
   */
  advance(id: string): boolean {
    const internal = this.#byId.get(id);
    const next = internal?.pending;
    if (internal === undefined || next === undefined) return false;
    this.#clearPending(internal);
    next();
    return true;
  }

  /** Stops all timers and interrupts running SQL; queries keep the state they had. */
  close(): void {
    this.#closed = true;
    for (const internal of this.#byId.values()) {
      this.#clearPending(internal);
      internal.running?.interrupt();
    }
  }

  #toRunning(internal: Internal): void {
    internal.execution.state = 'RUNNING';
    internal.execution.startedAt = new Date();
    this.#schedule(internal, internal.plan.runningMs, () => this.#run(internal));
  }

  #run(internal: Internal): void {
    const { execution, plan } = internal;
    if (plan.fail !== undefined) {
      const failure = queryFailure(plan.fail.reason, {
        ...(plan.fail.category === undefined ? {} : { category: plan.fail.category }),
        ...(plan.fail.errorType === undefined ? {} : { type: plan.fail.errorType }),
        ...(plan.fail.retryable === undefined ? {} : { retryable: plan.fail.retryable }),
      });
      this.#finish(internal, 'FAILED', failure);
      return;
    }
    execution.runs++;
    const running = this.#engine.execute({
      sql: execution.query,
      database: execution.database,
      parameters: execution.executionParameters,
    });
    internal.running = running;
    void running.outcome.then(
      (outcome) => {
        internal.running = undefined;
        if (execution.state !== 'RUNNING') return;
        if (outcome.ok) {
          execution.result = outcome.result;
          this.#finish(internal, 'SUCCEEDED', undefined);
        } else {
          this.#finish(internal, 'FAILED', outcome.failure);
        }
      },
      (error: unknown) => {
        internal.running = undefined;
        if (execution.state !== 'RUNNING') return;
        const message = error instanceof Error ? error.message : String(error);
        this.#finish(internal, 'FAILED', queryFailure(`GENERIC_INTERNAL_ERROR: ${message}`, { category: ErrorCategory.SYSTEM }));
      },
    );
  }

  #finish(internal: Internal, state: QueryState, failure: { reason: string; error?: AthenaErrorShape } | undefined): void {
    const { execution } = internal;
    execution.state = state;
    execution.stateChangeReason = failure?.reason;
    execution.athenaError = failure?.error;
    execution.completedAt = new Date();
  }

  #schedule(internal: Internal, ms: number, next: () => void): void {
    if (this.#closed) return;
    internal.pending = next;
    if (ms === Number.POSITIVE_INFINITY) return;
    internal.timer = setTimeout(() => {
      internal.timer = undefined;
      internal.pending = undefined;
      next();
    }, ms);
  }

  #clearPending(internal: Internal): void {
    if (internal.timer !== undefined) clearTimeout(internal.timer);
    internal.timer = undefined;
    internal.pending = undefined;
  }
}

export function isTerminal(state: QueryState): boolean {
  return state === 'SUCCEEDED' || state === 'FAILED' || state === 'CANCELLED';
}

function checkDuration(name: string, ms: number): void {
  if (typeof ms !== 'number' || Number.isNaN(ms) || ms < 0 || (ms > 2 ** 31 - 1 && ms !== Number.POSITIVE_INFINITY)) {
    throw new TflyteError('TFLYTE_CONFIG', `Athena test server: ${name} must be a number of milliseconds from 0 to 2^31-1, or Infinity to hold the query (got ${ms})`);
  }
}
