/**
 * A Snowflake service on 127.0.0.1 that speaks the HTTP protocol snowflake-sdk uses — login, token
 * renewal, query requests (synchronous with a hold time, or asynchronous), query monitoring by id,
 * result fetch, abort and logout — and runs the SQL on DuckDB with its binds. It is a protocol
 * adapter on the emulator core: statements are jobs of its job machine, SQL runs on its DuckDB
 * engine, faults come from its one fault model and every call goes in its call log. Point the SDK
 * (or `snowflakePlugin({ accessUrl })`) at `server.endpoint`.
 */
import { gunzipSync } from 'node:zlib';
import {
  type EmulatorRequest,
  type FaultModel,
  type FaultOptions,
  type Identified,
  type RecordedCall,
  type Reply,
  startEmulatorServer,
} from '@tflyte/testing/emulator';
import { Queries, type QueryInfo, type QueryPlan, type QueryRecord } from './queries.ts';
import { GS, LoginRefused, type Session, Sessions, type SnowflakeUser } from './sessions.ts';
import { type Binding, SnowflakeSql } from './snowflake-sql.ts';

export type { QueryInfo, QueryPlan, QueryRecord, QueryStatus } from './queries.ts';
export type { SnowflakeUser } from './sessions.ts';

/** The calls snowflake-sdk makes, as the fault model and the call log name them. */
export const SNOWFLAKE_OPERATIONS = ['login', 'renew', 'logout', 'telemetry', 'query', 'status', 'result', 'abort'] as const;
export type SnowflakeOperation = (typeof SNOWFLAKE_OPERATIONS)[number];

export interface SnowflakeServerOptions {
  /** The account name clients log in to (case-insensitive). Default `TFLYTE`. */
  readonly account?: string;
  /** Users and how each may log in. Default: any user, any password. */
  readonly users?: Readonly<Record<string, SnowflakeUser>>;
  /** Session token lifetime (the master token lives 4 h). Default 1 h. */
  readonly sessionTtlMs?: number;
  /** Time a statement spends QUEUED, in ms (default 0). */
  readonly queuedMs?: number;
  /** Time a statement spends RUNNING before its SQL runs, in ms (default 0). */
  readonly runningMs?: number;
  /** Per-statement timing, reported states (resuming warehouse, blocked) or a forced error, decided at submission. */
  readonly onQuery?: (query: QueryInfo) => QueryPlan | undefined;
  /** How long a synchronous query request waits for the result before answering "in progress" (333333). Default 200 ms. */
  readonly holdMs?: number;
  /** Faults per operation: `throttle` answers HTTP 429, `server-error` HTTP 503; resets, lost responses and hangs as the emulator does them. */
  readonly faults?: FaultOptions<SnowflakeOperation>;
}

export interface SnowflakeTestServer {
  readonly endpoint: string;
  readonly account: string;
  /** Scripted and random fault injection: the emulator's fault model. */
  readonly faults: FaultModel<SnowflakeOperation>;
  /** Every HTTP call, oldest first, with its answer status and any injected fault. */
  readonly calls: readonly RecordedCall<SnowflakeOperation | string>[];
  /** Runs SQL on the engine directly (seeding); `database`/`schema` are created first when given. */
  sql(text: string, database?: string, schema?: string): Promise<Record<string, unknown>[]>;
  /** Snapshots of every statement submitted, SYSTEM$CANCEL_QUERY calls included, oldest first. */
  queries(): readonly QueryRecord[];
  /** Statements other than SYSTEM$CANCEL_QUERY and query-history lookups whose SQL matches. */
  executions(match?: RegExp): readonly QueryRecord[];
  /** Moves a statement waiting in a timed phase on now; false when none was waiting. */
  advance(queryId: string): boolean;
  /** Number of successful logins. */
  readonly logins: number;
  /** Expires every session token now; the next request gets 390112 (execute renews it, a status check does not). */
  expireSessions(): void;
  close(): Promise<void>;
}

const MAX_BODY = 16 * 1024 * 1024;
const NOT_EXECUTION = /system\$cancel_query|information_schema\.query_history/i;

type Body = Record<string, unknown>;

export async function startSnowflakeServer(options: SnowflakeServerOptions = {}): Promise<SnowflakeTestServer> {
  const account = options.account ?? 'TFLYTE';
  const sessions = new Sessions(account, options.users, options.sessionTtlMs ?? 3600_000);
  const engine = await SnowflakeSql.create();
  const queries = new Queries(engine, {
    queuedMs: options.queuedMs ?? 0,
    runningMs: options.runningMs ?? 0,
    ...(options.onQuery === undefined ? {} : { onQuery: options.onQuery }),
  });
  const holdMs = options.holdMs ?? 200;

  const json = (body: unknown, status = 200): Reply => ({ status, body: body as object });
  const gsError = (code: string, message: string): Reply => json({ success: false, code, message, data: null });

  function identify(request: EmulatorRequest): Identified<SnowflakeOperation> {
    const op = operationOf(request.method, request.url.pathname);
    const body = parseBody(request);
    if (op === undefined)
      return {
        body,
        reply: json({ success: false, code: null, message: `no route for ${request.method} ${request.url.pathname}`, data: null }, 404),
      };
    return { op, body };
  }

  async function handle(op: SnowflakeOperation, body: Body, request: EmulatorRequest): Promise<Reply> {
    const now = Date.now();
    const authorization = request.headers.authorization;
    if (op === 'login') return login(request.url, body, now);
    if (op === 'telemetry') return json({ success: true, data: null });
    if (op === 'renew') {
      const renewed = sessions.renew(authorization, body.oldSessionToken, now);
      if (typeof renewed === 'string') return gsError(renewed, 'Session token renewal refused.');
      return json({
        success: true,
        data: {
          sessionToken: renewed.token,
          validityInSecondsST: sessions.ttlMs / 1000,
          masterToken: renewed.masterToken,
          validityInSecondsMT: 4 * 3600,
        },
      });
    }
    const session = sessions.authorize(authorization, now);
    if (typeof session === 'string') {
      return gsError(
        session,
        session === GS.sessionTokenExpired ? 'Session token has expired.' : 'Session no longer exists or the token is invalid.',
      );
    }
    const path = request.url.pathname;
    switch (op) {
      case 'logout':
        sessions.close(session);
        return json({ success: true, data: null });
      case 'query':
        return query(session, request.url.searchParams.get('requestId') ?? '', body);
      case 'status':
        return status(idOf(path));
      case 'result':
        return result(idOf(path));
      case 'abort': {
        const id = path === '/queries/v1/abort-request' ? queries.byRequest(session.id, String(body.requestId))?.queryId : idOf(path);
        if (id !== undefined) queries.cancel(id);
        return json({ success: true, data: null });
      }
    }
  }

  function login(url: URL, body: Body, now: number): Reply {
    const data = (body.data ?? {}) as Body;
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
      return json({
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
          sessionInfo: {
            databaseName: session.database,
            schemaName: session.schema,
            warehouseName: session.warehouse,
            roleName: session.role,
          },
        },
      });
    } catch (error) {
      if (error instanceof LoginRefused) return gsError(error.gsCode, error.message);
      throw error;
    }
  }

  async function query(session: Session, requestId: string, body: Body): Promise<Reply> {
    const asyncExec = body.asyncExec === true;
    // A resubmitted request id (the SDK's retry, or a caller's own) returns the query it started, in this session only.
    const record = queries.submit({
      requestId,
      sessionId: session.id,
      user: session.user,
      sqlText: typeof body.sqlText === 'string' ? body.sqlText : '',
      bindings: (body.bindings ?? undefined) as Record<string, Binding> | undefined,
      database: session.database,
      schema: session.schema,
      warehouse: session.warehouse,
      asyncExec,
      parameters: (body.parameters ?? {}) as Body,
    });
    if (asyncExec)
      return inProgress(
        record,
        '333334',
        'Asynchronous execution in progress. Use provided query id to perform query monitoring and management.',
      );
    return result(record.queryId);
  }

  async function result(queryId: string): Promise<Reply> {
    if (queries.get(queryId) === undefined) return gsError('000709', `Statement ${queryId} not found`);
    await queries.waitFor(queryId, holdMs);
    const record = queries.get(queryId)!;
    if (record.status !== 'SUCCESS' && record.error === undefined)
      return inProgress(record, '333333', 'Query execution in progress. Query will be continued in the background.');
    if (record.error !== undefined) {
      return json({
        success: false,
        code: record.error.code,
        message: record.error.message,
        data: { queryId, sqlState: record.error.sqlState, errorCode: record.error.code, age: 0 },
      });
    }
    const r = record.result ?? { rowtype: [], rowset: [] };
    return json({
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
    });
  }

  function inProgress(record: QueryRecord, code: string, message: string): Reply {
    return json({
      success: true,
      code,
      message,
      data: { queryId: record.queryId, getResultUrl: `/queries/${record.queryId}/result`, queryAbortsAfterSecs: 300, progressDesc: null },
    });
  }

  function status(queryId: string): Reply {
    const record = queries.get(queryId);
    if (record === undefined) return json({ success: true, code: null, message: null, data: { queries: [] } });
    return json({
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
            startTime: record.startedAt.getTime(),
            endTime: record.endedAt?.getTime() ?? 0,
            errorCode: record.error?.code ?? null,
            errorMessage: record.error?.message ?? null,
            sessionId: record.sessionId,
            warehouseName: record.warehouse,
          },
        ],
        ...(record.error === undefined ? {} : { sqlState: record.error.sqlState }),
      },
    });
  }

  let server: Awaited<ReturnType<typeof startEmulatorServer<SnowflakeOperation>>>;
  try {
    server = await startEmulatorServer<SnowflakeOperation>(
      {
        service: 'Snowflake',
        operations: SNOWFLAKE_OPERATIONS,
        maxBodyBytes: MAX_BODY,
        identify,
        handle: (op, body, request) => handle(op, (body ?? {}) as Body, request),
        throttle: () => json({ success: false, code: null, message: 'Too many requests', data: null }, 429),
        serverError: (_op, error) =>
          json(
            {
              success: false,
              code: null,
              message:
                error === undefined ? 'injected server error' : `internal error: ${error instanceof Error ? error.message : String(error)}`,
              data: null,
            },
            error === undefined ? 503 : 500,
          ),
      },
      options.faults,
    );
  } catch (error) {
    await engine.close();
    throw error;
  }
  const emulator = server;
  let closing: Promise<void> | undefined;
  return {
    endpoint: emulator.endpoint,
    account,
    faults: emulator.faults,
    get calls() {
      return emulator.calls;
    },
    sql: (text, database, schema) => engine.sql(text, database, schema),
    queries: () => queries.all(),
    executions: (match) => queries.all().filter((q) => !NOT_EXECUTION.test(q.sqlText) && (match === undefined || match.test(q.sqlText))),
    advance: (id) => queries.advance(id),
    get logins() {
      return sessions.logins;
    },
    expireSessions: () => sessions.expireAll(Date.now()),
    close() {
      closing ??= (async () => {
        queries.close();
        await emulator.close();
        await engine.close();
      })();
      return closing;
    },
  };
}

function operationOf(method: string, path: string): SnowflakeOperation | undefined {
  if (path === '/session/v1/login-request') return 'login';
  if (path === '/session/token-request') return 'renew';
  if (path === '/session') return 'logout';
  if (path === '/telemetry/send') return 'telemetry';
  if (path === '/queries/v1/query-request') return 'query';
  if (path === '/queries/v1/abort-request' || /^\/queries\/[^/]+\/abort-request$/.test(path)) return 'abort';
  if (method === 'GET' && /^\/queries\/[^/]+\/result$/.test(path)) return 'result';
  if (method === 'GET' && /^\/monitoring\/queries\/[^/]+$/.test(path)) return 'status';
  return undefined;
}

function idOf(path: string): string {
  return path.split('/').filter(Boolean)[path.startsWith('/monitoring') ? 2 : 1] ?? '';
}

function parseBody(request: EmulatorRequest): Body {
  if (request.raw.length === 0) return {};
  try {
    const bytes = request.headers['content-encoding'] === 'gzip' ? gunzipSync(request.raw) : request.raw;
    const parsed: unknown = JSON.parse(bytes.toString('utf8'));
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Body) : {};
  } catch {
    return {};
  }
}
