/**
 * A Snowflake service on 127.0.0.1 that speaks the HTTP protocol snowflake-sdk uses — login, token
 * renewal, query requests (synchronous with a hold time, or asynchronous), query monitoring by id,
 * result fetch, abort and logout — and runs the SQL on DuckDB with its binds. Point the SDK (or
 * `snowflakePlugin({ accessUrl })`) at `server.endpoint`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { DuckDBEngine } from './duckdb-engine.ts';
import type { Binding } from './duckdb-engine.ts';
import { listenLoopback, readBody } from './loopback.ts';
import { Queries, type QueryRecord, type QueryTiming } from './queries.ts';
import { GS, LoginRefused, type Session, Sessions, type SnowflakeUser } from './sessions.ts';

export type { SnowflakeUser } from './sessions.ts';
export type { QueryRecord, QueryStatus, QueryTiming } from './queries.ts';

export interface SnowflakeServerOptions {
  /** The account name clients log in to (case-insensitive). Default `TFLYTE`. */
  readonly account?: string;
  /** Users and how each may log in. Default: any user, any password. */
  readonly users?: Readonly<Record<string, SnowflakeUser>>;
  /** Session token lifetime (the master token lives 4 h). Default 1 h. */
  readonly sessionTtlMs?: number;
  /** Delays of each query, or a function of its SQL. Default none. */
  readonly timing?: Partial<QueryTiming> | ((sqlText: string) => Partial<QueryTiming>);
  /** How long a synchronous query request waits for the result before answering "in progress" (333333). Default 200 ms. */
  readonly holdMs?: number;
  /**
   * Decides per request whether to answer with a failure instead: an HTTP status (429, 503, …),
   * `reset` (destroy the connection) or `lost` (run the request, then reset instead of answering).
   */
  readonly faults?: (call: CallRecord) => Fault | undefined;
}

export type Fault = { readonly status: number } | 'reset' | 'lost';

export interface CallRecord {
  readonly method: string;
  readonly path: string;
  /** What the call was, e.g. `login`, `query`, `status`, `result`, `abort`, `logout`, `renew`, `telemetry`. */
  readonly operation: string;
  readonly requestId: string | undefined;
  fault?: Fault;
}

export interface SnowflakeTestServer {
  readonly endpoint: string;
  readonly port: number;
  readonly account: string;
  /** Runs SQL on the engine directly (seeding); `database`/`schema` are created first when given. */
  sql(text: string, database?: string, schema?: string): Promise<Record<string, unknown>[]>;
  /** Every statement submitted, SYSTEM$CANCEL_QUERY calls included. */
  queries(): readonly QueryRecord[];
  /** Statements other than SYSTEM$CANCEL_QUERY whose SQL matches. */
  executions(match?: RegExp): readonly QueryRecord[];
  /** Every HTTP call, in order. */
  calls(): readonly CallRecord[];
  /** Number of successful logins. */
  readonly logins: number;
  /** Expires every session token now; the next request gets 390112 and the SDK renews it. */
  expireSessions(): void;
  close(): Promise<void>;
}

const MAX_BODY = 16 * 1024 * 1024;

export async function startSnowflakeServer(options: SnowflakeServerOptions = {}): Promise<SnowflakeTestServer> {
  const account = options.account ?? 'TFLYTE';
  const sessions = new Sessions(account, options.users, options.sessionTtlMs ?? 3600_000);
  const engine = await DuckDBEngine.create();
  const timing = (sql: string): QueryTiming => {
    const t = typeof options.timing === 'function' ? options.timing(sql) : (options.timing ?? {});
    return { queuedMs: t.queuedMs ?? 0, runningMs: t.runningMs ?? 0 };
  };
  const queries = new Queries(engine, timing, Date.now);
  const holdMs = options.holdMs ?? 200;
  const calls: CallRecord[] = [];

  const handler = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const call: CallRecord = { method: req.method ?? 'GET', path: url.pathname, operation: operationOf(req.method ?? 'GET', url.pathname), requestId: url.searchParams.get('requestId') ?? undefined };
    calls.push(call);
    const raw = await readBody(req, MAX_BODY);
    const fault = options.faults?.(call);
    if (fault !== undefined) {
      call.fault = fault;
      if (fault === 'reset') return void res.destroy();
      if (fault !== 'lost') return send(res, fault.status, { success: false, code: null, message: `injected HTTP ${fault.status}`, data: null });
    }
    const body = parseBody(req, raw);
    const answer = await route(call, url, req, body);
    if (fault === 'lost') return void res.destroy();
    send(res, answer.status ?? 200, answer.body);
  };

  interface Answer {
    readonly status?: number;
    readonly body: unknown;
  }

  const gsError = (code: string, message: string): Answer => ({ body: { success: false, code, message, data: null } });

  async function route(call: CallRecord, url: URL, req: IncomingMessage, body: Record<string, unknown>): Promise<Answer> {
    const now = Date.now();
    if (call.operation === 'login') return login(url, body, now);
    if (call.operation === 'telemetry') return { body: { success: true, data: null } };
    if (call.operation === 'renew') {
      const renewed = sessions.renew(req.headers.authorization, body.oldSessionToken, now);
      if (typeof renewed === 'string') return gsError(renewed, 'Session token renewal refused.');
      return { body: { success: true, data: { sessionToken: renewed.token, validityInSecondsST: sessions.ttlMs / 1000, masterToken: renewed.masterToken, validityInSecondsMT: 4 * 3600 } } };
    }
    if (call.operation === 'unknown') return { status: 404, body: { success: false, code: null, message: `no route for ${call.method} ${call.path}`, data: null } };
    const session = sessions.authorize(req.headers.authorization, now);
    if (typeof session === 'string') {
      return gsError(session, session === GS.sessionTokenExpired ? 'Session token has expired.' : 'Session no longer exists or the token is invalid.');
    }
    switch (call.operation) {
      case 'logout':
        sessions.close(session);
        return { body: { success: true, data: null } };
      case 'query':
        return query(session, call.requestId ?? '', body);
      case 'status':
        return status(idOf(call.path));
      case 'result':
        return result(idOf(call.path));
      case 'abort': {
        const id = call.path === '/queries/v1/abort-request' ? session.requests.get(String(body.requestId)) : idOf(call.path);
        if (id !== undefined) queries.cancel(id);
        return { body: { success: true, data: null } };
      }
      default:
        return { status: 404, body: { success: false, message: 'not found' } };
    }
  }

  function login(url: URL, body: Record<string, unknown>, now: number): Answer {
    const data = (body.data ?? {}) as Record<string, unknown>;
    const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
    try {
      const session = sessions.login(
        {
          account: str(data.ACCOUNT_NAME) ?? '',
          user: str(data.LOGIN_NAME) ?? '',
          authenticator: str(data.AUTHENTICATOR) ?? 'SNOWFLAKE',
          ...(str(data.PASSWORD) === undefined ? {} : { password: str(data.PASSWORD) as string }),
          ...(str(data.TOKEN) === undefined ? {} : { token: str(data.TOKEN) as string }),
          database: (url.searchParams.get('databaseName') ?? 'TFLYTE').toUpperCase(),
          schema: (url.searchParams.get('schemaName') ?? 'PUBLIC').toUpperCase(),
          warehouse: (url.searchParams.get('warehouse') ?? 'COMPUTE_WH').toUpperCase(),
          role: (url.searchParams.get('roleName') ?? 'PUBLIC').toUpperCase(),
        },
        now,
      );
      return {
        body: {
          success: true,
          code: null,
          message: null,
          data: {
            token: session.token,
            masterToken: session.masterToken,
            validityInSeconds: sessions.ttlMs / 1000,
            masterValidityInSeconds: 4 * 3600,
            sessionId: session.id,
            parameters: [],
            sessionInfo: { databaseName: session.database, schemaName: session.schema, warehouseName: session.warehouse, roleName: session.role },
          },
        },
      };
    } catch (error) {
      if (error instanceof LoginRefused) return gsError(error.gsCode, error.message);
      throw error;
    }
  }

  async function query(session: Session, requestId: string, body: Record<string, unknown>): Promise<Answer> {
    const asyncExec = body.asyncExec === true;
    // A resubmitted request id (the SDK's retry, or a caller's own) returns the query it started, in this session only.
    const known = requestId === '' ? undefined : session.requests.get(requestId);
    const record =
      (known === undefined ? undefined : queries.get(known)) ??
      queries.submit({
        requestId,
        sessionId: session.id,
        user: session.user,
        sqlText: typeof body.sqlText === 'string' ? body.sqlText : '',
        bindings: (body.bindings ?? undefined) as Record<string, Binding> | undefined,
        database: session.database,
        schema: session.schema,
        warehouse: session.warehouse,
        asyncExec,
        parameters: (body.parameters ?? {}) as Record<string, unknown>,
      });
    if (requestId !== '') session.requests.set(requestId, record.queryId);
    if (asyncExec) return inProgress(record, '333334', 'Asynchronous execution in progress. Use provided query id to perform query monitoring and management.');
    return result(record.queryId);
  }

  async function result(queryId: string): Promise<Answer> {
    const record = queries.get(queryId);
    if (record === undefined) return gsError('000709', `Statement ${queryId} not found`);
    await queries.waitFor(queryId, holdMs);
    if (!queries.isTerminal(record)) return inProgress(record, '333333', 'Query execution in progress. Query will be continued in the background.');
    if (record.error !== undefined) {
      return { body: { success: false, code: record.error.code, message: record.error.message, data: { queryId, sqlState: record.error.sqlState, errorCode: record.error.code, age: 0 } } };
    }
    const r = record.result ?? { rowtype: [], rowset: [] };
    return {
      body: {
        success: true,
        code: null,
        message: null,
        data: {
          parameters: [],
          rowtype: r.rowtype,
          rowset: r.rowset,
          total: r.rowset.length,
          returned: r.rowset.length,
          queryId,
          databaseProvider: null,
          finalDatabaseName: record.database,
          finalSchemaName: record.schema,
          finalWarehouseName: record.warehouse,
          numberOfBinds: Object.keys(record.bindings ?? {}).length,
          statementTypeId: r.changed === undefined ? 4096 : 12544,
          version: 1,
          queryResultFormat: 'json',
        },
      },
    };
  }

  function inProgress(record: QueryRecord, code: string, message: string): Answer {
    return { body: { success: true, code, message, data: { queryId: record.queryId, getResultUrl: `/queries/${record.queryId}/result`, queryAbortsAfterSecs: 300, progressDesc: null } } };
  }

  function status(queryId: string): Answer {
    const record = queries.get(queryId);
    if (record === undefined) return { body: { success: true, code: null, message: null, data: { queries: [] } } };
    return {
      body: {
        success: true,
        code: null,
        message: null,
        data: {
          queries: [
            {
              id: record.queryId,
              status: record.status,
              state: record.status,
              sqlText: record.sqlText,
              startTime: record.startedAt,
              endTime: record.endedAt ?? 0,
              errorCode: record.error?.code ?? null,
              errorMessage: record.error?.message ?? null,
              sessionId: record.sessionId,
              warehouseName: record.warehouse,
            },
          ],
          ...(record.error === undefined ? {} : { sqlState: record.error.sqlState }),
        },
      },
    };
  }

  const server = await listenLoopback(handler);
  return {
    endpoint: server.endpoint,
    port: server.port,
    account,
    sql: (text, database, schema) => engine.sql(text, database, schema),
    queries: () => queries.all(),
    executions: (match) => queries.all().filter((q) => !/system\$cancel_query/i.test(q.sqlText) && (match === undefined || match.test(q.sqlText))),
    calls: () => [...calls],
    get logins() {
      return sessions.logins;
    },
    expireSessions: () => sessions.expireAll(Date.now()),
    async close() {
      await server.close();
      await queries.close();
      engine.close();
    },
  };
}

function operationOf(method: string, path: string): string {
  if (path === '/session/v1/login-request') return 'login';
  if (path === '/session/token-request') return 'renew';
  if (path === '/session') return 'logout';
  if (path === '/telemetry/send') return 'telemetry';
  if (path === '/queries/v1/query-request') return 'query';
  if (path === '/queries/v1/abort-request' || /^\/queries\/[^/]+\/abort-request$/.test(path)) return 'abort';
  if (method === 'GET' && /^\/queries\/[^/]+\/result$/.test(path)) return 'result';
  if (method === 'GET' && /^\/monitoring\/queries\/[^/]+$/.test(path)) return 'status';
  return 'unknown';
}

function idOf(path: string): string {
  return path.split('/').filter(Boolean)[path.startsWith('/monitoring') ? 2 : 1] ?? '';
}

function parseBody(req: IncomingMessage, raw: Buffer): Record<string, unknown> {
  if (raw.length === 0) return {};
  const bytes = req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
  try {
    const parsed: unknown = JSON.parse(bytes.toString('utf8'));
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
