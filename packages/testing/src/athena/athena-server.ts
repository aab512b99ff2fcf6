/**
 * A local, wire-level Amazon Athena endpoint for tests. The unmodified `@aws-sdk/client-athena` talks to it
 * (`endpoint: server.endpoint`): AWS JSON 1.1 over `POST /` with `x-amz-target: AmazonAthena.<Op>` and a
 * SigV4 Authorization header. Queries run on DuckDB and move through Athena's states over time.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LoopbackServer } from '../shared/loopback-server.ts';
import { readBody } from '../shared/read-body.ts';
import { checkSigV4, credentialList, isAuthRejection } from '../shared/sigv4.ts';
import type { SigV4Credentials } from '../shared/sigv4.ts';
import { AthenaApiError, internalServerError, throttling, tooManyRequests } from './api-errors.ts';
import { Executions } from './executions.ts';
import type { Execution, QueryInfo, QueryPlan } from './executions.ts';
import { ATHENA_OPERATIONS, FaultInjector } from './faults.ts';
import type { AthenaOperation, FaultKind, FaultOptions } from './faults.ts';
import { operations } from './operations.ts';
import type { WorkGroupConfig } from './operations.ts';
import { QueryEngine } from './query-engine.ts';

export interface AthenaServerOptions {
  /** Time a query spends QUEUED, in ms (default 5). `Infinity` holds it until `advance(id)`. */
  queuedMs?: number;
  /** Time a query spends RUNNING before its SQL runs, in ms (default 10). `Infinity` holds it until `advance(id)`. */
  runningMs?: number;
  /** Per-query timing or a forced failure, decided when the query is submitted. */
  onQuery?: (query: QueryInfo) => QueryPlan | undefined;
  /** Workgroups that exist (default `{ primary: {} }`); others are rejected. */
  workGroups?: Readonly<Record<string, WorkGroupConfig>>;
  /** When given, only these keys are accepted and every request's signature is verified. */
  credentials?: SigV4Credentials | readonly SigV4Credentials[];
  /** When given, the credential scope must name this region. */
  region?: string;
  faults?: FaultOptions;
}

/** One request that reached the server with an `x-amz-target`, in arrival order. */
export interface RecordedRequest {
  /** The operation named by `x-amz-target` (without `AmazonAthena.`). */
  op: string;
  /** The parsed JSON body (undefined if it did not parse). */
  body: unknown;
  /** HTTP status sent; undefined when the connection was reset instead. */
  status: number | undefined;
  fault: FaultKind | undefined;
}

export type ExecutionSnapshot = Readonly<Execution>;

export interface AthenaTestServer {
  /** `http://127.0.0.1:<port>`, for the client's `endpoint`. */
  readonly endpoint: string;
  /** Scripted and random fault injection; see FaultInjector. */
  readonly faults: FaultInjector;
  /** Every request received, oldest first. */
  readonly requests: readonly RecordedRequest[];
  /** Snapshots of all query executions, oldest first. */
  executions(): ExecutionSnapshot[];
  /** Runs SQL directly on the server's DuckDB (e.g. `CREATE SCHEMA db; CREATE TABLE db.t ...`). */
  sql(text: string): Promise<Record<string, unknown>[]>;
  /** Moves a waiting query (QUEUED, or RUNNING before its SQL starts) to its next phase; false if none was waiting. */
  advance(queryExecutionId: string): boolean;
  /** Stops timers, drops connections and closes DuckDB. Idempotent. */
  close(): Promise<void>;
}

const TARGET_PREFIX = 'AmazonAthena.';
const MAX_BODY_BYTES = 8 * 1024 * 1024;
const JSON_CONTENT_TYPE = 'application/x-amz-json-1.1';

export async function startAthenaServer(options: AthenaServerOptions = {}): Promise<AthenaTestServer> {
  const engine = await QueryEngine.create();
  try {
    const executions = new Executions(engine, {
      queuedMs: options.queuedMs ?? 5,
      runningMs: options.runningMs ?? 10,
      ...(options.onQuery === undefined ? {} : { onQuery: options.onQuery }),
    });
    const server = new AthenaServer(engine, executions, options);
    await server.listen();
    return server;
  } catch (error) {
    await engine.close();
    throw error;
  }
}

class AthenaServer implements AthenaTestServer {
  readonly faults: FaultInjector;
  readonly requests: RecordedRequest[] = [];
  readonly #engine: QueryEngine;
  readonly #executions: Executions;
  readonly #options: AthenaServerOptions;
  readonly #http = new LoopbackServer((req, res) => this.#handle(req, res));
  readonly #credentials: readonly SigV4Credentials[] | undefined;
  #closing: Promise<void> | undefined;

  constructor(engine: QueryEngine, executions: Executions, options: AthenaServerOptions) {
    this.#engine = engine;
    this.#executions = executions;
    this.#options = options;
    this.faults = new FaultInjector(options.faults);
    this.#credentials = credentialList(options.credentials);
  }

  get endpoint(): string {
    return this.#http.endpoint;
  }

  listen(): Promise<void> {
    return this.#http.listen();
  }

  executions(): ExecutionSnapshot[] {
    return this.#executions.list();
  }

  sql(text: string): Promise<Record<string, unknown>[]> {
    return this.#engine.sql(text);
  }

  advance(queryExecutionId: string): boolean {
    return this.#executions.advance(queryExecutionId);
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#executions.close();
      await this.#http.close();
      await this.#engine.close();
    })();
    return this.#closing;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomUUID();
    const send = (status: number, payload: object, errorType?: string): number => {
      const headers: Record<string, string> = { 'content-type': JSON_CONTENT_TYPE, 'x-amzn-requestid': requestId };
      if (errorType !== undefined) headers['x-amzn-errortype'] = errorType;
      res.writeHead(status, headers).end(JSON.stringify(payload));
      return status;
    };
    const sendError = (error: AthenaApiError): number => send(error.status, error.body(), error.type);

    let raw: Buffer;
    try {
      raw = await readBody(req, MAX_BODY_BYTES, () => new Error('body too large'));
    } catch {
      sendError(new AthenaApiError('SerializationException', 413, `Request body exceeds ${MAX_BODY_BYTES} bytes`));
      return;
    }
    const target = req.headers['x-amz-target'];
    if (req.method !== 'POST' || typeof target !== 'string' || !target.startsWith(TARGET_PREFIX)) {
      sendError(new AthenaApiError('UnknownOperationException', 400, `Expected POST / with x-amz-target: ${TARGET_PREFIX}<Operation>`));
      return;
    }
    const op = target.slice(TARGET_PREFIX.length);
    let body: unknown;
    try {
      body = raw.length === 0 ? {} : JSON.parse(raw.toString('utf8'));
    } catch {
      body = undefined;
    }
    const record: RecordedRequest = { op, body, status: undefined, fault: undefined };
    this.requests.push(record);

    const identity = checkSigV4(
      { method: req.method, url: req.url ?? '/', headers: req.headers, body: raw },
      {
        service: 'athena',
        ...(this.#options.region === undefined ? {} : { region: this.#options.region }),
        ...(this.#credentials === undefined ? {} : { credentials: this.#credentials }),
      },
    );
    if (isAuthRejection(identity)) {
      record.status = sendError(new AthenaApiError(identity.type, identity.status, identity.message));
      return;
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      record.status = sendError(new AthenaApiError('SerializationException', 400, 'Request body is not a JSON object'));
      return;
    }
    if (!isOperation(op)) {
      record.status = sendError(new AthenaApiError('UnknownOperationException', 400, `Operation ${op} is not supported by this test server`));
      return;
    }

    const fault = this.faults.next(op);
    record.fault = fault;
    switch (fault) {
      case 'connection-reset':
        req.socket.destroy();
        return;
      case 'too-many-requests':
        record.status = sendError(tooManyRequests());
        return;
      case 'throttling':
        record.status = sendError(throttling());
        return;
      case 'internal-error':
        record.status = sendError(internalServerError());
        return;
    }

    let reply: () => number;
    try {
      const output = await operations[op](body as Record<string, unknown>, {
        executions: this.#executions,
        engine: this.#engine,
        workGroups: this.#options.workGroups ?? { primary: {} },
      });
      reply = () => send(200, output);
    } catch (error) {
      const apiError = error instanceof AthenaApiError ? error : internalServerError(error instanceof Error ? error.message : String(error));
      reply = () => sendError(apiError);
    }
    // The operation ran (or failed), but the caller never hears the outcome.
    if (fault === 'connection-reset-after') {
      req.socket.destroy();
      return;
    }
    record.status = reply();
  }
}

function isOperation(op: string): op is AthenaOperation {
  return (ATHENA_OPERATIONS as readonly string[]).includes(op);
}
