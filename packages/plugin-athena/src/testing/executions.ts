/**
 * Athena's query executions on the emulator's job machine: QUEUED for `queuedMs`, RUNNING for
 * `runningMs` and then for as long as DuckDB takes, then SUCCEEDED / FAILED; StopQueryExecution
 * cancels a queued or running query before its SQL runs. Here: what Athena reports of them.
 */
import { isTerminalJobState, type Job, JobMachine } from '@tflyte/testing/emulator';
import type { QueryEngine, QueryResult } from './query-engine.ts';
import { statementType } from './query-engine.ts';
import type { AthenaErrorShape, ErrorCategoryCode } from './query-errors.ts';
import { ErrorCategory, queryFailure } from './query-errors.ts';

export type { JobState as QueryState } from '@tflyte/testing/emulator';

import type { JobState as QueryState } from '@tflyte/testing/emulator';

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

/** What the job machine holds for one query. */
interface QuerySpec extends QuerySubmission {
  readonly statementType: Execution['statementType'];
  /** The OutputLocation prefix, ending in `/`. */
  readonly prefix: string;
}

type QueryFailureShape = { readonly reason: string; readonly error?: AthenaErrorShape };
type QueryJob = Job<QuerySpec, QueryResult, QueryFailureShape>;

export interface LifecycleOptions {
  queuedMs: number;
  runningMs: number;
  onQuery?: (query: QueryInfo) => QueryPlan | undefined;
}

/** Athena's query executions on the emulator's job machine; the SQL runs on the query engine. */
export class Executions {
  readonly #jobs: JobMachine<QuerySpec, QueryResult, QueryFailureShape>;

  constructor(engine: QueryEngine, options: LifecycleOptions) {
    this.#jobs = new JobMachine({
      server: 'Athena test server',
      queuedMs: options.queuedMs,
      runningMs: options.runningMs,
      work: async (job, signal) => {
        const outcome = await engine.execute(
          { sql: job.spec.query, database: job.spec.database, parameters: job.spec.executionParameters },
          signal,
        ).outcome;
        return outcome.ok ? outcome : { ok: false, failure: outcome.failure };
      },
      crashed: (error) =>
        queryFailure(`GENERIC_INTERNAL_ERROR: ${error instanceof Error ? error.message : String(error)}`, {
          category: ErrorCategory.SYSTEM,
        }),
      plan: (job) => {
        const plan = options.onQuery?.({
          queryExecutionId: job.id,
          query: job.spec.query,
          database: job.spec.database,
          catalog: job.spec.catalog,
          workGroup: job.spec.workGroup,
          executionParameters: job.spec.executionParameters,
        });
        if (plan === undefined) return undefined;
        const { fail, ...timing } = plan;
        if (fail === undefined) return timing;
        return {
          ...timing,
          fail: queryFailure(fail.reason, {
            ...(fail.category === undefined ? {} : { category: fail.category }),
            ...(fail.errorType === undefined ? {} : { type: fail.errorType }),
            ...(fail.retryable === undefined ? {} : { retryable: fail.retryable }),
          }),
        };
      },
    });
  }

  /** Copies of all executions, oldest first. */
  list(): Readonly<Execution>[] {
    return this.#jobs.list().map((job) => Object.freeze(view(job)));
  }

  get(id: string): Execution | undefined {
    const job = this.#jobs.get(id);
    return job === undefined ? undefined : view(job);
  }

  byToken(token: string): Execution | undefined {
    const job = this.#jobs.byToken(token);
    return job === undefined ? undefined : view(job);
  }

  start(submission: QuerySubmission): Execution {
    const prefix = submission.outputPrefix.endsWith('/') ? submission.outputPrefix : `${submission.outputPrefix}/`;
    const spec: QuerySpec = {
      ...submission,
      executionParameters: [...submission.executionParameters],
      statementType: statementType(submission.query),
      prefix,
    };
    return view(this.#jobs.submit(spec, submission.clientRequestToken).job);
  }

  /** Cancels a QUEUED or RUNNING query; a finished one is left as it is (StopQueryExecution is idempotent). */
  stop(id: string): void {
    this.#jobs.stop(id, { reason: 'Query was cancelled by user' });
  }

  /**
   * Moves a query waiting in QUEUED or in the timed part of RUNNING to its next phase now.
   * Returns false when nothing was waiting (unknown id, SQL already running, or finished).
   */
  advance(id: string): boolean {
    return this.#jobs.advance(id);
  }

  /** Stops all timers and interrupts running SQL; queries keep the state they had. */
  close(): void {
    this.#jobs.close();
  }
}

function view(job: QueryJob): Execution {
  const { spec } = job;
  return {
    clientRequestToken: spec.clientRequestToken,
    query: spec.query,
    database: spec.database,
    catalog: spec.catalog,
    workGroup: spec.workGroup,
    outputPrefix: spec.outputPrefix,
    executionParameters: [...spec.executionParameters],
    queryExecutionId: job.id,
    statementType: spec.statementType,
    outputLocation: `${spec.prefix}${job.id}.${spec.statementType === 'DML' ? 'csv' : 'txt'}`,
    state: job.state,
    stateChangeReason: job.failure?.reason,
    athenaError: job.failure?.error,
    submittedAt: job.submittedAt,
    startedAt: job.startedAt,
    completedAt: job.completedAt,
    runs: job.runs,
    result: job.result,
  };
}

export function isTerminal(state: QueryState): boolean {
  return isTerminalJobState(state);
}
