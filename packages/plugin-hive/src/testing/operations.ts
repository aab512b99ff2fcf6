/**
 * Sessions and operations of the test HiveServer2: an operation moves INITIALIZED → PENDING →
 * RUNNING → FINISHED | ERROR, with configurable delays, runs its statement for real on DuckDB
 * (a Hive database is a DuckDB schema) and can be cancelled (the DuckDB query is interrupted).
 */
import { randomBytes } from 'node:crypto';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { TCLI } from '../tcli.ts';
import { HiveParseError, hiveToDuckDB } from './hiveql.ts';
import { type ResultSet, resultColumn } from './result-set.ts';

export type OperationStateName = 'INITIALIZED' | 'PENDING' | 'RUNNING' | 'FINISHED' | 'CANCELED' | 'CLOSED' | 'ERROR' | 'TIMEDOUT' | 'UNKNOWN';

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
  readonly translated?: string;
  readonly state: OperationStateName;
  readonly error?: HiveError;
  readonly runAsync: boolean;
  readonly queryTimeoutSeconds: number;
  readonly confOverlay: Readonly<Record<string, string>>;
  readonly cancelled: boolean;
  readonly closed: boolean;
}

export interface SessionRecord {
  readonly id: string;
  readonly username: string;
  database: string;
  closed: boolean;
  /** The transport connection it was opened on (binary transport), for close-on-disconnect. */
  readonly connectionId: number | undefined;
}

interface Operation {
  record: OperationRecord;
  readonly guid: Buffer;
  readonly secret: Buffer;
  result: ResultSet | undefined;
  cursor: number;
  connection: DuckDBConnection | undefined;
  done: Promise<void>;
  readonly log: string[];
}

export interface OperationTimings {
  /** How long an operation stays PENDING before it runs (ms). */
  readonly pendingMs?: number;
  /** How long it stays RUNNING before its statement runs (ms). */
  readonly runningMs?: number;
}

const key = (guid: Buffer): string => guid.toString('hex');

export class HiveEngine {
  readonly #instance: DuckDBInstance;
  readonly #admin: DuckDBConnection;
  readonly #sessions = new Map<string, SessionRecord>();
  readonly #operations = new Map<string, Operation>();
  readonly #timings: Required<OperationTimings>;
  #adminQueue: Promise<unknown> = Promise.resolve();

  private constructor(instance: DuckDBInstance, admin: DuckDBConnection, timings: OperationTimings) {
    this.#instance = instance;
    this.#admin = admin;
    this.#timings = { pendingMs: timings.pendingMs ?? 0, runningMs: timings.runningMs ?? 0 };
  }

  static async create(timings: OperationTimings = {}): Promise<HiveEngine> {
    const instance = await DuckDBInstance.create(':memory:');
    return new HiveEngine(instance, await instance.connect(), timings);
  }

  /** Runs DuckDB SQL directly (seeding and inspection), returning the last statement's rows. */
  sql(text: string): Promise<Record<string, unknown>[]> {
    const next = this.#adminQueue.then(async () => (await this.#admin.runAndReadAll(text)).getRowObjectsJson() as Record<string, unknown>[]);
    this.#adminQueue = next.catch(() => undefined);
    return next;
  }

  openSession(username: string, database: string, connectionId: number | undefined): { guid: Buffer; secret: Buffer } {
    const guid = randomBytes(16);
    this.#sessions.set(key(guid), { id: key(guid), username, database, closed: false, connectionId });
    return { guid, secret: randomBytes(16) };
  }

  session(guid: Buffer): SessionRecord | undefined {
    const session = this.#sessions.get(key(guid));
    return session === undefined || session.closed ? undefined : session;
  }

  closeSession(id: string): void {
    const session = this.#sessions.get(id);
    if (session === undefined) return;
    session.closed = true;
    for (const operation of this.#operations.values()) {
      if (operation.record.sessionId === id) this.close(operation.guid);
    }
  }

  /** Sessions opened on a transport connection that went away (HiveServer2's close.session.on.disconnect). */
  sessionsOf(connectionId: number): string[] {
    return [...this.#sessions.values()].filter((s) => !s.closed && s.connectionId === connectionId).map((s) => s.id);
  }

  sessions(): readonly SessionRecord[] {
    return [...this.#sessions.values()];
  }

  execute(session: SessionRecord, statement: string, options: { runAsync: boolean; queryTimeoutSeconds: number; confOverlay: Record<string, string> }): Operation {
    const guid = randomBytes(16);
    const operation: Operation = {
      record: { id: key(guid), sessionId: session.id, statement, state: 'INITIALIZED', cancelled: false, closed: false, ...options },
      guid,
      secret: randomBytes(16),
      result: undefined,
      cursor: 0,
      connection: undefined,
      done: Promise.resolve(),
      log: [`Compiling command(queryId=${key(guid)}): ${statement}`],
    };
    this.#operations.set(key(guid), operation);
    operation.done = this.#run(session, operation);
    return operation;
  }

  operation(guid: Buffer): Operation | undefined {
    return this.#operations.get(key(guid));
  }

  operations(): readonly OperationRecord[] {
    return [...this.#operations.values()].map((o) => o.record);
  }

  /** Sets an operation's state by hand (tests of states the engine never reaches by itself). */
  force(id: string, state: OperationStateName, error?: HiveError): void {
    const operation = this.#operations.get(id);
    if (operation !== undefined) operation.record = { ...operation.record, state, ...(error === undefined ? {} : { error }) };
  }

  cancel(guid: Buffer): boolean {
    const operation = this.#operations.get(key(guid));
    if (operation === undefined) return false;
    if (['INITIALIZED', 'PENDING', 'RUNNING'].includes(operation.record.state)) {
      operation.record = { ...operation.record, state: 'CANCELED', cancelled: true };
      operation.connection?.interrupt();
      operation.log.push('Query was cancelled');
    }
    return true;
  }

  close(guid: Buffer): void {
    const operation = this.#operations.get(key(guid));
    if (operation === undefined) return;
    this.cancel(guid);
    operation.record = { ...operation.record, state: operation.record.state === 'CANCELED' ? 'CANCELED' : 'CLOSED', closed: true };
    operation.result = undefined;
  }

  stateCode(operation: Operation): number {
    return TCLI.TOperationState[`${operation.record.state === 'UNKNOWN' ? 'UKNOWN' : operation.record.state}_STATE` as keyof typeof TCLI.TOperationState];
  }

  async close_(): Promise<void> {
    for (const operation of this.#operations.values()) this.cancel(operation.guid);
    await Promise.allSettled([...this.#operations.values()].map((o) => o.done));
    await this.#adminQueue.catch(() => undefined);
    this.#admin.closeSync();
    this.#instance.closeSync();
  }

  async #run(session: SessionRecord, operation: Operation): Promise<void> {
    const live = () => !operation.record.cancelled && !operation.record.closed;
    const set = (state: OperationStateName, extra: Partial<OperationRecord> = {}) => {
      if (live() && !['FINISHED', 'ERROR', 'TIMEDOUT'].includes(operation.record.state)) operation.record = { ...operation.record, state, ...extra };
    };
    await Promise.resolve();
    set('PENDING');
    await sleep(this.#timings.pendingMs);
    set('RUNNING');
    await sleep(this.#timings.runningMs);
    if (!live() || operation.record.state !== 'RUNNING') return;
    let translated: string;
    try {
      translated = hiveToDuckDB(operation.record.statement);
    } catch (error) {
      if (!(error instanceof HiveParseError)) throw error;
      set('ERROR', { error: { sqlState: '42000', errorCode: 40000, message: `Error while compiling statement: FAILED: ParseException ${error.message}` } });
      return;
    }
    operation.record = { ...operation.record, translated };
    const use = /^\s*use\s+("?)([A-Za-z_][A-Za-z0-9_]*)\1\s*$/i.exec(translated);
    const connection = await this.#instance.connect();
    operation.connection = connection;
    try {
      if (use !== null) {
        await connection.run(`USE "${use[2]}"`);
        session.database = use[2]!;
        set('FINISHED');
        return;
      }
      if (session.database !== 'default') await connection.run(`USE "${session.database}"`);
      if (!live()) return;
      const reader = await connection.runAndReadAll(translated);
      const types = reader.columnTypes();
      const returnsRows = types.length > 0 && !/^\s*(insert|create|drop|alter|update|delete)\b/i.test(translated);
      if (returnsRows) {
        const columns = types.map((type, i) => resultColumn(reader.columnName(i), type));
        operation.result = { columns, values: reader.getColumnsJson() as unknown[][], rowCount: reader.currentRowCount };
      }
      operation.log.push(`Completed executing command(queryId=${operation.record.id})`);
      set('FINISHED');
    } catch (error) {
      const message = (error as Error).message;
      operation.log.push(`FAILED: ${message}`);
      set('ERROR', { error: hiveError(message) });
    } finally {
      operation.connection = undefined;
      connection.closeSync();
    }
  }
}

/** A DuckDB error as HiveServer2 reports it: a SemanticException (42000 family) is the query's fault. */
function hiveError(message: string): HiveError {
  if (/^(Parser|Binder|Catalog|Conversion|Constraint|Invalid Input) Error/.test(message)) {
    const sqlState = /^Catalog/.test(message) ? '42S02' : '42000';
    return { sqlState, errorCode: 10001, message: `Error while compiling statement: FAILED: SemanticException ${message}` };
  }
  return { sqlState: '08S01', errorCode: 1, message: `Error while processing statement: FAILED: Execution Error, return code 1 from org.apache.hadoop.hive.ql.exec.tez.TezTask. ${message}` };
}

const sleep = (ms: number): Promise<void> => (ms <= 0 ? Promise.resolve() : new Promise((resolve) => setTimeout(resolve, ms)));
