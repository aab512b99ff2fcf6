/**
 * Sessions and operations of the test HiveServer2, on the emulator core: an operation is a job of
 * its JobMachine (PENDING while the job is queued, RUNNING, then FINISHED | ERROR | CANCELED), its
 * statement runs for real on its DuckDbEngine (a Hive database is a DuckDB schema), and stopping
 * the job interrupts the DuckDB query. What is Hive's alone stays here: sessions, closing, the
 * result cursor, the operation log and the TOperationState names.
 */
import { randomBytes } from 'node:crypto';
import { DuckDbEngine, type Job, JobMachine, type JobPlan, type JobState } from '@tflyte/testing/emulator';
import { TCLI } from '../tcli.ts';
import { HiveParseError, hiveToDuckDB } from './hiveql.ts';
import { type ResultSet, resultColumn } from './result-set.ts';

export type OperationStateName =
  | 'INITIALIZED'
  | 'PENDING'
  | 'RUNNING'
  | 'FINISHED'
  | 'CANCELED'
  | 'CLOSED'
  | 'ERROR'
  | 'TIMEDOUT'
  | 'UNKNOWN';

export interface HiveError {
  readonly sqlState: string;
  readonly errorCode: number;
  readonly message: string;
}

/** What a test reads back about one ExecuteStatement. */
export interface OperationRecord {
  readonly id: string;
  readonly sessionId: string;
  readonly statement: string;
  /** The statement as DuckDB ran it. */
  readonly translated: string | undefined;
  readonly state: OperationStateName;
  readonly error: HiveError | undefined;
  readonly runAsync: boolean;
  readonly queryTimeoutSeconds: number;
  readonly confOverlay: Readonly<Record<string, string>>;
  /** CancelOperation reached it while it was live. */
  readonly cancelled: boolean;
  readonly closed: boolean;
  /** How many times its statement ran on DuckDB: 0 or 1. */
  readonly runs: number;
}

export interface SessionRecord {
  readonly id: string;
  readonly username: string;
  database: string;
  closed: boolean;
  /** The transport connection it was opened on (binary transport), for close-on-disconnect. */
  readonly connectionId: number | undefined;
}

export interface OperationSpec {
  readonly session: SessionRecord;
  readonly statement: string;
  readonly runAsync: boolean;
  readonly queryTimeoutSeconds: number;
  readonly confOverlay: Readonly<Record<string, string>>;
}

/** What the server keeps beside the job: Hive's own parts of an operation. */
export interface Operation {
  readonly job: Job<OperationSpec, ResultSet | undefined, HiveError>;
  readonly guid: Buffer;
  readonly secret: Buffer;
  translated: string | undefined;
  cursor: number;
  closed: boolean;
  cancelled: boolean;
  /** A state set by hand, for the states the job machine never reaches (INITIALIZED, TIMEDOUT, UNKNOWN…). */
  forced: { state: OperationStateName; error: HiveError | undefined } | undefined;
  readonly log: string[];
}

export interface OperationTimings {
  /** How long an operation stays PENDING before it runs (ms); `Infinity` holds it until `advance`. */
  readonly pendingMs?: number;
  /** How long it stays RUNNING before its statement runs (ms); `Infinity` holds it until `advance`. */
  readonly runningMs?: number;
  /** Per-statement timings or a forced error, decided at ExecuteStatement (hold one query, fail another). */
  readonly onStatement?: (statement: string) => JobPlan<HiveError> | undefined;
}

const JOB_STATES: Readonly<Record<JobState, OperationStateName>> = {
  QUEUED: 'PENDING',
  RUNNING: 'RUNNING',
  SUCCEEDED: 'FINISHED',
  FAILED: 'ERROR',
  CANCELLED: 'CANCELED',
};

export class HiveOperations {
  readonly engine: DuckDbEngine;
  readonly #jobs: JobMachine<OperationSpec, ResultSet | undefined, HiveError>;
  readonly #sessions = new Map<string, SessionRecord>();
  readonly #operations = new Map<string, Operation>();

  private constructor(engine: DuckDbEngine, timings: OperationTimings) {
    this.engine = engine;
    this.#jobs = new JobMachine({
      server: 'the Hive test server',
      queuedMs: timings.pendingMs ?? 0,
      runningMs: timings.runningMs ?? 0,
      newId: () => randomBytes(16).toString('hex'),
      work: (job, signal) => this.#work(job, signal),
      crashed: (error) => hiveError((error as Error).message),
      ...(timings.onStatement === undefined ? {} : { plan: (job) => timings.onStatement!(job.spec.statement) }),
    });
  }

  static async create(timings: OperationTimings = {}): Promise<HiveOperations> {
    return new HiveOperations(await DuckDbEngine.create('the Hive test server'), timings);
  }

  openSession(username: string, database: string, connectionId: number | undefined): { guid: Buffer; secret: Buffer } {
    const guid = randomBytes(16);
    this.#sessions.set(guid.toString('hex'), { id: guid.toString('hex'), username, database, closed: false, connectionId });
    return { guid, secret: randomBytes(16) };
  }

  session(guid: Buffer): SessionRecord | undefined {
    const session = this.#sessions.get(guid.toString('hex'));
    return session === undefined || session.closed ? undefined : session;
  }

  /** Closing a session closes (and so cancels) its operations, as HiveServer2 does. */
  closeSession(id: string): void {
    const session = this.#sessions.get(id);
    if (session === undefined) return;
    session.closed = true;
    for (const operation of this.#operations.values()) {
      if (operation.job.spec.session.id === id) this.close(operation.guid);
    }
  }

  /** Sessions opened on a transport connection that went away (HiveServer2's close.session.on.disconnect). */
  sessionsOf(connectionId: number): string[] {
    return [...this.#sessions.values()].filter((s) => !s.closed && s.connectionId === connectionId).map((s) => s.id);
  }

  sessions(): readonly SessionRecord[] {
    return [...this.#sessions.values()].map((s) => ({ ...s }));
  }

  execute(spec: OperationSpec): Operation {
    const { job } = this.#jobs.submit(spec);
    const operation: Operation = {
      job,
      guid: Buffer.from(job.id, 'hex'),
      secret: randomBytes(16),
      translated: undefined,
      cursor: 0,
      closed: false,
      cancelled: false,
      forced: undefined,
      log: [`Compiling command(queryId=${job.id}): ${spec.statement}`],
    };
    this.#operations.set(job.id, operation);
    return operation;
  }

  operation(guid: Buffer): Operation | undefined {
    return this.#operations.get(guid.toString('hex'));
  }

  operations(): readonly OperationRecord[] {
    return [...this.#operations.values()].map((o) => ({
      id: o.job.id,
      sessionId: o.job.spec.session.id,
      statement: o.job.spec.statement,
      translated: o.translated,
      state: this.state(o),
      error: this.error(o),
      runAsync: o.job.spec.runAsync,
      queryTimeoutSeconds: o.job.spec.queryTimeoutSeconds,
      confOverlay: o.job.spec.confOverlay,
      cancelled: o.cancelled,
      closed: o.closed,
      runs: o.job.runs,
    }));
  }

  state(operation: Operation): OperationStateName {
    if (operation.forced !== undefined) return operation.forced.state;
    if (operation.closed && operation.job.state !== 'CANCELLED') return 'CLOSED';
    return JOB_STATES[operation.job.state];
  }

  error(operation: Operation): HiveError | undefined {
    return operation.forced === undefined ? operation.job.failure : operation.forced.error;
  }

  stateCode(operation: Operation): number {
    const state = this.state(operation);
    return TCLI.TOperationState[`${state === 'UNKNOWN' ? 'UKNOWN' : state}_STATE` as keyof typeof TCLI.TOperationState];
  }

  /** Puts an operation in a state by hand (for states the job machine never reaches by itself). */
  force(id: string, state: OperationStateName, error?: HiveError): void {
    const operation = this.#operations.get(id);
    if (operation === undefined) throw new TypeError(`the Hive test server has no operation ${id}`);
    operation.forced = { state, error };
  }

  /** Moves a held operation on (see OperationTimings); false when it was not waiting. */
  advance(id: string): boolean {
    return this.#jobs.advance(id);
  }

  /** Whether the operation exists; a live one is stopped (its DuckDB query interrupted). */
  cancel(guid: Buffer): boolean {
    const operation = this.operation(guid);
    if (operation === undefined) return false;
    if (operation.job.state === 'QUEUED' || operation.job.state === 'RUNNING') {
      operation.cancelled = true;
      operation.log.push('Query was cancelled');
    }
    this.#jobs.stop(operation.job.id);
    return true;
  }

  close(guid: Buffer): void {
    const operation = this.operation(guid);
    if (operation === undefined) return;
    this.#jobs.stop(operation.job.id);
    operation.closed = true;
  }

  async close_(): Promise<void> {
    this.#jobs.close();
    await this.engine.close();
  }

  async #work(job: Job<OperationSpec, ResultSet | undefined, HiveError>, signal: AbortSignal) {
    const operation = this.#operations.get(job.id)!;
    const { session, statement } = job.spec;
    let translated: string;
    try {
      translated = hiveToDuckDB(statement);
    } catch (error) {
      if (!(error instanceof HiveParseError)) throw error;
      return {
        ok: false as const,
        failure: {
          sqlState: '42000',
          errorCode: 40000,
          message: `Error while compiling statement: FAILED: ParseException ${error.message}`,
        },
      };
    }
    operation.translated = translated;
    const use = /^\s*use\s+("?)([A-Za-z_][A-Za-z0-9_]*)\1\s*$/i.exec(translated);
    try {
      const result = await this.engine.withConnection(async (connection) => {
        if (use !== null) {
          await connection.run(`USE "${use[2]}"`);
          session.database = use[2]!;
          return undefined;
        }
        if (session.database !== 'default') await connection.run(`USE "${session.database}"`);
        if (signal.aborted) return undefined;
        const reader = await connection.runAndReadAll(translated);
        const types = reader.columnTypes();
        if (types.length === 0 || /^\s*(insert|create|drop|alter|update|delete)\b/i.test(translated)) return undefined;
        const columns = types.map((type, i) => resultColumn(reader.columnName(i), type));
        return { columns, values: reader.getColumnsJson() as unknown[][], rowCount: reader.currentRowCount };
      }, signal);
      operation.log.push(`Completed executing command(queryId=${job.id})`);
      return { ok: true as const, result };
    } catch (error) {
      const message = (error as Error).message;
      operation.log.push(`FAILED: ${message}`);
      return { ok: false as const, failure: hiveError(message) };
    }
  }
}

/** A DuckDB error as HiveServer2 reports it: a SemanticException (42000 family) is the query's fault. */
function hiveError(message: string): HiveError {
  if (/^(Parser|Binder|Catalog|Conversion|Constraint|Invalid Input) Error/.test(message)) {
    const sqlState = /^Catalog/.test(message) ? '42S02' : '42000';
    return { sqlState, errorCode: 10001, message: `Error while compiling statement: FAILED: SemanticException ${message}` };
  }
  return {
    sqlState: '08S01',
    errorCode: 1,
    message: `Error while processing statement: FAILED: Execution Error, return code 1 from org.apache.hadoop.hive.ql.exec.tez.TezTask. ${message}`,
  };
}
