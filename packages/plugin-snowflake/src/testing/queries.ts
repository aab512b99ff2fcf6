/**
 * The server's queries on the emulator's job machine: QUEUED for `queuedMs`, RUNNING for `runningMs`
 * and then for as long as DuckDB takes, then SUCCESS | FAILED_WITH_ERROR, or ABORTED when cancelled.
 * A plan may present the waiting phases as Snowflake's other states (RESUMING_WAREHOUSE while
 * queued, BLOCKED on a lock while running). Query ids are global to the account (any session can
 * monitor one); a request id is remembered per session, as Snowflake does, so the machine's
 * idempotency token is the session and the request id together.
 */
import { isTerminalJobState, type Job, JobMachine } from '@tflyte/testing/emulator';
import type { Binding, HistoryRow, SnowflakeSql, StatementResult } from './snowflake-sql.ts';
import { type SnowflakeSqlError, type SQL_ERRORS, sqlError } from './sql-errors.ts';

export type QueryStatus =
  | 'QUEUED'
  | 'RESUMING_WAREHOUSE'
  | 'QUEUED_REPARING_WAREHOUSE'
  | 'RUNNING'
  | 'BLOCKED'
  | 'SUCCESS'
  | 'FAILED_WITH_ERROR'
  | 'FAILED_WITH_INCIDENT'
  | 'ABORTED';

/** What a statement was submitted with. */
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
  /** Statement parameters sent with it (QUERY_TAG, …). */
  readonly parameters: Readonly<Record<string, unknown>>;
}

/** One submitted statement as tests see it (a snapshot). */
export interface QueryRecord extends Submission {
  readonly queryId: string;
  readonly status: QueryStatus;
  readonly result: StatementResult | undefined;
  readonly error: SnowflakeSqlError | undefined;
  readonly startedAt: Date;
  readonly endedAt: Date | undefined;
  /** How many times the SQL ran on DuckDB: 0 or 1. */
  readonly runs: number;
}

/** What a test's `onQuery` decides for one statement, at submission. */
export interface QueryPlan {
  /** Time spent QUEUED (or as `queuedAs`); `Infinity` holds it until `advance(id)` or a cancel. */
  readonly queuedMs?: number;
  /** Time spent RUNNING (or as `runningAs`) before DuckDB runs it; `Infinity` holds it. */
  readonly runningMs?: number;
  /** How the queued phase is reported; default QUEUED. */
  readonly queuedAs?: 'QUEUED' | 'RESUMING_WAREHOUSE' | 'QUEUED_REPARING_WAREHOUSE';
  /** How the timed running phase is reported; default RUNNING. */
  readonly runningAs?: 'RUNNING' | 'BLOCKED';
  /** Fail with this Snowflake error instead of running the SQL; `incident` reports FAILED_WITH_INCIDENT. */
  readonly fail?: keyof typeof SQL_ERRORS | SnowflakeSqlError | 'incident';
}

/** What a test's `onQuery` sees of a statement. */
export type QueryInfo = Submission & { readonly queryId: string };

/** The submission and how its plan presents it (set by the plan hook, which sees the job once). */
interface Spec extends Submission {
  queuedAs: NonNullable<QueryPlan['queuedAs']>;
  runningAs: NonNullable<QueryPlan['runningAs']>;
  incident: boolean;
}

type QueryJob = Job<Spec, StatementResult, SnowflakeSqlError>;

const CANCEL = /^\s*select\s+system\$cancel_query\s*\(\s*'([^']*)'\s*\)\s*;?\s*$/i;
const NOT_EXECUTING = 'Identified SQL statement is not currently executing.';

export interface QueriesOptions {
  readonly queuedMs: number;
  readonly runningMs: number;
  readonly onQuery?: (query: QueryInfo) => QueryPlan | undefined;
}

export class Queries {
  readonly #jobs: JobMachine<Spec, StatementResult, SnowflakeSqlError>;

  constructor(engine: SnowflakeSql, options: QueriesOptions) {
    this.#jobs = new JobMachine<Spec, StatementResult, SnowflakeSqlError>({
      server: 'Snowflake test server',
      queuedMs: options.queuedMs,
      runningMs: options.runningMs,
      work: async (job, signal) => {
        const cancel = CANCEL.exec(job.spec.sqlText);
        if (cancel !== null) return { ok: true, result: cancelResult(cancel[1] ?? '', this.cancel(cancel[1] ?? '')) };
        const outcome = await engine.execute({ ...job.spec, history: () => this.#history(job.spec.user) }, signal);
        return outcome.ok ? outcome : { ok: false, failure: outcome.error };
      },
      crashed: (error) =>
        sqlError('internal', `Processing aborted due to error 300002: ${error instanceof Error ? error.message : String(error)}`),
      plan: (job) => {
        // SYSTEM$CANCEL_QUERY answers at once, whatever the timing of other statements.
        if (CANCEL.test(job.spec.sqlText)) return { queuedMs: 0, runningMs: 0 };
        const plan = options.onQuery?.({ ...job.spec, queryId: job.id });
        if (plan === undefined) return undefined;
        job.spec.queuedAs = plan.queuedAs ?? 'QUEUED';
        job.spec.runningAs = plan.runningAs ?? 'RUNNING';
        job.spec.incident = plan.fail === 'incident';
        const fail =
          plan.fail === undefined
            ? undefined
            : plan.fail === 'incident'
              ? sqlError('internal', 'Processing aborted due to an incident')
              : typeof plan.fail === 'string'
                ? sqlError(plan.fail, `injected ${plan.fail} error`)
                : plan.fail;
        return {
          ...(plan.queuedMs === undefined ? {} : { queuedMs: plan.queuedMs }),
          ...(plan.runningMs === undefined ? {} : { runningMs: plan.runningMs }),
          ...(fail === undefined ? {} : { fail }),
        };
      },
    });
  }

  get(queryId: string): QueryRecord | undefined {
    const job = this.#jobs.get(queryId);
    return job === undefined ? undefined : view(job);
  }

  /** The query a session started with `requestId`, if any. */
  byRequest(sessionId: number, requestId: string): QueryRecord | undefined {
    const job = this.#jobs.byToken(tokenOf(sessionId, requestId));
    return job === undefined ? undefined : view(job);
  }

  all(): QueryRecord[] {
    return this.#jobs.list().map(view);
  }

  /** Starts a statement, or returns the one this session already started with the same request id. */
  submit(submission: Submission): QueryRecord {
    const spec: Spec = { ...submission, queuedAs: 'QUEUED', runningAs: 'RUNNING', incident: false };
    return view(this.#jobs.submit(spec, submission.requestId === '' ? undefined : tokenOf(submission.sessionId, submission.requestId)).job);
  }

  /** Resolves when the query ends or `ms` pass, whichever is first. */
  async waitFor(queryId: string, ms: number): Promise<void> {
    const until = Date.now() + ms;
    for (;;) {
      const job = this.#jobs.get(queryId);
      if (job === undefined || isTerminalJobState(job.state) || Date.now() >= until) return;
      await new Promise((resolve) => setTimeout(resolve, Math.min(5, until - Date.now())));
    }
  }

  /** SYSTEM$CANCEL_QUERY / abort-request: the answer Snowflake gives as the function's value. */
  cancel(queryId: string): string {
    const job = this.#jobs.get(queryId);
    if (job === undefined || isTerminalJobState(job.state)) return NOT_EXECUTING;
    this.#jobs.stop(queryId, sqlError('canceled', 'SQL execution canceled'));
    return `query [${queryId}] terminated.`;
  }

  /** Moves a query waiting in a timed phase on now; false when nothing was waiting. */
  advance(queryId: string): boolean {
    return this.#jobs.advance(queryId);
  }

  close(): void {
    this.#jobs.close();
  }

  #history(user: string): HistoryRow[] {
    return this.#jobs
      .list()
      .filter((job) => job.spec.user === user)
      .map((job) => {
        const q = view(job);
        return {
          QUERY_ID: q.queryId,
          QUERY_TEXT: q.sqlText,
          QUERY_TAG: typeof q.parameters.QUERY_TAG === 'string' ? q.parameters.QUERY_TAG : '',
          USER_NAME: q.user,
          SESSION_ID: q.sessionId,
          WAREHOUSE_NAME: q.warehouse,
          DATABASE_NAME: q.database,
          SCHEMA_NAME: q.schema,
          EXECUTION_STATUS: q.status,
          ERROR_CODE: q.error?.code ?? null,
          START_TIME: q.startedAt,
          END_TIME: q.endedAt ?? null,
        };
      });
  }
}

function tokenOf(sessionId: number, requestId: string): string {
  return `${sessionId}/${requestId}`;
}

function statusOf(job: QueryJob): QueryStatus {
  switch (job.state) {
    case 'QUEUED':
      return job.spec.queuedAs;
    case 'RUNNING':
      // The timed part of RUNNING is where a plan places a lock wait; the SQL itself runs as RUNNING.
      return job.runs === 0 ? job.spec.runningAs : 'RUNNING';
    case 'SUCCEEDED':
      return 'SUCCESS';
    case 'FAILED':
      return job.spec.incident ? 'FAILED_WITH_INCIDENT' : 'FAILED_WITH_ERROR';
    case 'CANCELLED':
      return 'ABORTED';
  }
}

function view(job: QueryJob): QueryRecord {
  const { queuedAs: _q, runningAs: _r, incident: _i, ...submission } = job.spec;
  return {
    ...submission,
    queryId: job.id,
    status: statusOf(job),
    result: job.result,
    error: job.failure,
    startedAt: job.submittedAt,
    endedAt: job.completedAt,
    runs: job.runs,
  };
}

function cancelResult(queryId: string, answer: string): StatementResult {
  return {
    rowtype: [
      {
        name: `SYSTEM$CANCEL_QUERY('${queryId}')`,
        type: 'text',
        precision: null,
        scale: null,
        length: 16_777_216,
        byteLength: 16_777_216,
        nullable: true,
        database: '',
        schema: '',
        table: '',
      },
    ],
    rowset: [[answer]],
  };
}
