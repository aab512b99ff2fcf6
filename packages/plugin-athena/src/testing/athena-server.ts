/**
 * A local, wire-level Amazon Athena endpoint for tests. The unmodified `@aws-sdk/client-athena` talks to it
 * (`endpoint: server.endpoint`): AWS JSON 1.1 over `POST /` with `x-amz-target: AmazonAthena.<Op>` and a
 * SigV4 Authorization header. It is a protocol adapter on the emulator core: queries are jobs of its job
 * machine, run on its DuckDB engine, and faults come from its one fault model.
 */
import { randomUUID } from 'node:crypto';
import {
  checkSigV4,
  credentialList,
  type EmulatorRequest,
  type FaultModel,
  type FaultOptions,
  type Identified,
  isAuthRejection,
  type RecordedCall,
  type Reply,
  type SigV4Credentials,
  startEmulatorServer,
} from '@tflyte/testing/emulator';
import { AthenaApiError, internalServerError, throttling } from './api-errors.ts';
import type { Execution, QueryInfo, QueryPlan } from './executions.ts';
import { Executions } from './executions.ts';
import type { WorkGroupConfig } from './operations.ts';
import { ATHENA_OPERATIONS, type AthenaOperation, operations } from './operations.ts';
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
  /** Faults on Athena's operations: `throttle` answers ThrottlingException, `server-error` InternalServerException. */
  faults?: FaultOptions<AthenaOperation>;
}

/** One request that reached the server with an `x-amz-target`, in arrival order. */
export type RecordedRequest = RecordedCall;

export type ExecutionSnapshot = Readonly<Execution>;

export interface AthenaTestServer {
  /** `http://127.0.0.1:<port>`, for the client's `endpoint`. */
  readonly endpoint: string;
  /** Scripted and random fault injection: the emulator's fault model. */
  readonly faults: FaultModel<AthenaOperation>;
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
const JSON_CONTENT_TYPE = 'application/x-amz-json-1.1';

export async function startAthenaServer(options: AthenaServerOptions = {}): Promise<AthenaTestServer> {
  const engine = await QueryEngine.create();
  try {
    const executions = new Executions(engine, {
      queuedMs: options.queuedMs ?? 5,
      runningMs: options.runningMs ?? 10,
      ...(options.onQuery === undefined ? {} : { onQuery: options.onQuery }),
    });
    const credentials = credentialList(options.credentials);
    const workGroups = options.workGroups ?? { primary: {} };
    const server = await startEmulatorServer<AthenaOperation>(
      {
        service: 'Athena',
        operations: ATHENA_OPERATIONS,
        identify: (request) => identify(request, options.region, credentials),
        handle: async (op, body) => reply(200, await operations[op](body as Record<string, unknown>, { executions, engine, workGroups })),
        throttle: () => errorReply(throttling()),
        serverError: (_op, error) =>
          errorReply(
            error instanceof AthenaApiError
              ? error
              : internalServerError(error === undefined ? undefined : error instanceof Error ? error.message : String(error)),
          ),
      },
      options.faults,
    );
    let closing: Promise<void> | undefined;
    return {
      endpoint: server.endpoint,
      faults: server.faults,
      get requests() {
        return server.calls;
      },
      executions: () => executions.list(),
      sql: (text) => engine.sql(text),
      advance: (id) => executions.advance(id),
      close() {
        closing ??= (async () => {
          executions.close();
          await server.close();
          await engine.close();
        })();
        return closing;
      },
    };
  } catch (error) {
    await engine.close();
    throw error;
  }
}

function identify(
  request: EmulatorRequest,
  region: string | undefined,
  credentials: readonly SigV4Credentials[] | undefined,
): Identified<AthenaOperation> {
  const target = request.headers['x-amz-target'];
  if (request.method !== 'POST' || typeof target !== 'string' || !target.startsWith(TARGET_PREFIX)) {
    return {
      reply: errorReply(
        new AthenaApiError('UnknownOperationException', 400, `Expected POST / with x-amz-target: ${TARGET_PREFIX}<Operation>`),
      ),
    };
  }
  const op = target.slice(TARGET_PREFIX.length);
  let body: unknown;
  try {
    body = request.raw.length === 0 ? {} : JSON.parse(request.raw.toString('utf8'));
  } catch {
    body = undefined;
  }
  const identity = checkSigV4(
    { method: request.method, url: request.path, headers: request.headers, body: request.raw },
    { service: 'athena', ...(region === undefined ? {} : { region }), ...(credentials === undefined ? {} : { credentials }) },
  );
  if (isAuthRejection(identity))
    return { op, body, reply: errorReply(new AthenaApiError(identity.type, identity.status, identity.message)) };
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { op, body, reply: errorReply(new AthenaApiError('SerializationException', 400, 'Request body is not a JSON object')) };
  }
  if (!(ATHENA_OPERATIONS as readonly string[]).includes(op)) {
    return {
      op,
      body,
      reply: errorReply(new AthenaApiError('UnknownOperationException', 400, `Operation ${op} is not supported by this test server`)),
    };
  }
  return { op: op as AthenaOperation, body };
}

function reply(status: number, payload: object, errorType?: string): Reply {
  return {
    status,
    headers: {
      'content-type': JSON_CONTENT_TYPE,
      'x-amzn-requestid': randomUUID(),
      ...(errorType === undefined ? {} : { 'x-amzn-errortype': errorType }),
    },
    body: JSON.stringify(payload),
  };
}

function errorReply(error: AthenaApiError): Reply {
  return reply(error.status, error.body(), error.type);
}
