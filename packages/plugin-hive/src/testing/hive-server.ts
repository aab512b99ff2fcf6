/**
 * A wire-level HiveServer2 for tests: TCLIService served from the code hive-driver ships, on
 * 127.0.0.1, over the binary transport (NOSASL: buffered; PLAIN/LDAP: a SASL PLAIN handshake, then
 * framed, as HiveServer2's TSaslServerTransport) or HTTP (`/cliservice`, Basic auth). Statements run
 * for real on DuckDB, asynchronously, with states and delays; sessions close when their client
 * disconnects unless told otherwise. It is the HiveServer2 protocol adapter on the emulator core:
 * operations are jobs of its JobMachine on its DuckDbEngine, faults come from its FaultModel and
 * every call goes to its CallLog (the emulator's HTTP server does not fit Thrift over TCP).
 */
import { createServer as createHttpServer, type Server as HttpServer, type IncomingMessage } from 'node:http';
import { createRequire } from 'node:module';
import { type AddressInfo, createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import { CallLog, type FaultKind, FaultModel, type FaultOptions, isTerminalJobState, type RecordedCall } from '@tflyte/testing/emulator';
import { TCLI, TCLIService, type TStatus } from '../tcli.ts';
import {
  type HiveError,
  HiveOperations,
  type OperationRecord,
  type OperationStateName,
  type OperationTimings,
  type SessionRecord,
} from './operations.ts';
import { rowSet, tableSchema } from './result-set.ts';

interface ThriftModule {
  readonly TBufferedTransport: TransportClass;
  readonly TFramedTransport: TransportClass;
  readonly TBinaryProtocol: new (transport: unknown) => unknown;
  readonly InputBufferUnderrunError: new () => Error;
}
interface TransportClass {
  new (buffer: undefined, onFlush: (buf: Buffer) => void): unknown;
  receiver(callback: (transport: { commitPosition(): void; rollbackPosition(): void }) => void): (data: Buffer) => void;
}
const thrift = createRequire(import.meta.url)('thrift') as ThriftModule;

export type HiveTransportMode = 'binary' | 'http';
/** NOSASL (binary only), or a user name and password checked against `users` (PLAIN; LDAP sends the same). */
export type HiveAuthMode = 'nosasl' | 'plain';

export interface HiveServerOptions extends OperationTimings {
  readonly transport?: HiveTransportMode;
  /** Default: `nosasl` on binary, `plain` on HTTP (HiveServer2's defaults are SASL-based). */
  readonly auth?: HiveAuthMode;
  /** Accepted credentials for `plain`; any user is accepted when omitted. */
  readonly users?: Readonly<Record<string, string>>;
  /**
   * HiveServer2's `hive.server2.close.session.on.disconnect` (default true): a binary-transport
   * session and its operations end with the connection that opened them. HTTP sessions never do.
   */
  readonly closeSessionOnDisconnect?: boolean;
  /**
   * The emulator's faults, per TCLIService method: `throttle` and `server-error` answer an error
   * status (HiveServer2's connection limit; a timed-out metastore or executor), `connection-reset`
   * drops the connection before the call runs, `lost-response` after it ran (the client cannot know
   * it worked), `hang` never answers (until `hangMs`, then drops).
   */
  readonly faults?: FaultOptions<HiveMethod>;
}

/** The TCLIService methods the server answers. */
export const HIVE_METHODS = [
  'OpenSession',
  'CloseSession',
  'GetInfo',
  'ExecuteStatement',
  'GetOperationStatus',
  'CancelOperation',
  'CloseOperation',
  'GetResultSetMetadata',
  'FetchResults',
] as const;
export type HiveMethod = (typeof HIVE_METHODS)[number];

/**
 * One TCLIService call as the server saw it. `status` is HTTP-like, as the emulator's call log
 * counts: 200 for a SUCCESS status, 404 for INVALID_HANDLE, 500 for ERROR; undefined when the
 * connection was dropped or the call hung.
 */
export type HiveCall = RecordedCall<HiveMethod> & { readonly connectionId: number };

export interface HiveTestServer {
  readonly host: string;
  readonly port: number;
  readonly transport: HiveTransportMode;
  /** `/cliservice` on HTTP. */
  readonly httpPath: string;
  /** Runs DuckDB SQL directly to seed or inspect tables (a Hive database is a schema). */
  sql(text: string): Promise<Record<string, unknown>[]>;
  /** Every ExecuteStatement, in order. */
  operations(): readonly OperationRecord[];
  sessions(): readonly SessionRecord[];
  calls(): readonly HiveCall[];
  /** The call log: `log.count('ExecuteStatement')`, `log.of('CancelOperation')`. */
  readonly log: CallLog<HiveMethod>;
  /** Puts an operation in a state by hand (for states the job machine never reaches by itself). */
  forceState(operationId: string, state: OperationStateName, error?: HiveError): void;
  /** Moves an operation held by `pendingMs`/`runningMs: Infinity` on; false when it was not waiting. */
  advance(operationId: string): boolean;
  readonly faults: FaultModel<HiveMethod>;
  /** Drops every open binary connection, as a restarted client or a network cut would. */
  disconnectAll(): void;
  close(): Promise<void>;
}

export const HTTP_PATH = '/cliservice';

interface CallContext {
  readonly connectionId: number;
  /** Ends the transport connection without answering. */
  readonly drop: () => void;
  readonly username: string;
}

export async function startHiveServer(options: HiveServerOptions = {}): Promise<HiveTestServer> {
  const transport = options.transport ?? 'binary';
  const auth = options.auth ?? (transport === 'http' ? 'plain' : 'nosasl');
  const closeOnDisconnect = transport === 'binary' && (options.closeSessionOnDisconnect ?? true);
  const engine = await HiveOperations.create(options);
  const faults = new FaultModel<HiveMethod>(options.faults, HIVE_METHODS);
  const log = new CallLog<HiveMethod>();
  const sockets = new Map<number, Socket>();
  let nextConnection = 1;

  const handlerFor = (context: CallContext): object => wrapHandler(methods(engine, context), context, faults, log);
  const checkUser = (user: string, password: string): boolean => options.users === undefined || options.users[user] === password;

  let server: NetServer | HttpServer;
  if (transport === 'binary') {
    server = createNetServer((socket) => {
      const connectionId = nextConnection++;
      sockets.set(connectionId, socket);
      socket.on('error', () => undefined);
      socket.on('close', () => {
        sockets.delete(connectionId);
        if (closeOnDisconnect) for (const id of engine.sessionsOf(connectionId)) engine.closeSession(id);
      });
      const serve = (username: string, framed: boolean, rest: Buffer) => {
        const processor = new TCLIService.Processor(handlerFor({ connectionId, drop: () => socket.destroy(), username }));
        const Transport = framed ? thrift.TFramedTransport : thrift.TBufferedTransport;
        const onData = Transport.receiver((input) =>
          processMessages(processor, input, Transport, (buf) => socket.writable && socket.write(buf)),
        );
        socket.on('data', (data: Buffer) => {
          try {
            onData(data);
          } catch {
            socket.destroy();
          }
        });
        if (rest.length > 0) onData(rest);
      };
      if (auth === 'nosasl') serve('anonymous', false, Buffer.alloc(0));
      else saslPlain(socket, checkUser, (username, rest) => serve(username, true, rest));
    });
  } else {
    server = createHttpServer((request, response) => {
      const connectionId = nextConnection++;
      const credentials = basicCredentials(request);
      if (auth === 'plain' && (credentials === undefined || !checkUser(credentials.user, credentials.password))) {
        response.writeHead(401, { 'www-authenticate': 'Basic realm="hive"' }).end();
        return;
      }
      if (request.url?.split('?')[0] !== HTTP_PATH || request.method !== 'POST') {
        response.writeHead(404).end();
        return;
      }
      const chunks: Buffer[] = [];
      request.on('data', (c: Buffer) => chunks.push(c));
      request.on('end', () => {
        const processor = new TCLIService.Processor(
          handlerFor({ connectionId, drop: () => request.socket.destroy(), username: credentials?.user ?? 'anonymous' }),
        );
        const onData = thrift.TBufferedTransport.receiver((input) =>
          processMessages(processor, input, thrift.TBufferedTransport, (buf) => {
            if (!response.headersSent) response.writeHead(200, { 'content-type': 'application/x-thrift' });
            response.end(buf);
          }),
        );
        onData(Buffer.concat(chunks));
      });
    });
  }
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    host: '127.0.0.1',
    port,
    transport,
    httpPath: HTTP_PATH,
    faults,
    log,
    sql: (text) => engine.engine.sql(text),
    operations: () => engine.operations(),
    sessions: () => engine.sessions(),
    calls: () => log.calls as readonly HiveCall[],
    forceState: (id, state, error) => engine.force(id, state, error),
    advance: (id) => engine.advance(id),
    disconnectAll: () => {
      for (const socket of sockets.values()) socket.destroy();
    },
    async close() {
      for (const socket of sockets.values()) socket.destroy();
      if ('closeAllConnections' in server) server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await engine.close_();
    },
  };
}

function processMessages(
  processor: { process(input: unknown, output: unknown): void },
  input: { commitPosition(): void; rollbackPosition(): void },
  Transport: TransportClass,
  write: (buf: Buffer) => void,
): void {
  const inProtocol = new thrift.TBinaryProtocol(input);
  const outProtocol = new thrift.TBinaryProtocol(new Transport(undefined, write));
  try {
    for (;;) {
      processor.process(inProtocol, outProtocol);
      input.commitPosition();
    }
  } catch (error) {
    // The end of the buffered data: wait for the rest of a partial message.
    if (error instanceof thrift.InputBufferUnderrunError || (error as Error).message === 'Invalid type: undefined')
      input.rollbackPosition();
    else throw error;
  }
}

const SASL = { START: 1, OK: 2, BAD: 3, ERROR: 4, COMPLETE: 5 } as const;

/** The SASL PLAIN handshake of HiveServer2's binary transport: START(mechanism), OK(\0user\0password) → COMPLETE. */
function saslPlain(socket: Socket, check: (user: string, password: string) => boolean, done: (user: string, rest: Buffer) => void): void {
  let buffer = Buffer.alloc(0);
  const frames: { status: number; payload: Buffer }[] = [];
  const onData = (data: Buffer) => {
    buffer = Buffer.concat([buffer, data]);
    while (buffer.length >= 5 && buffer.length >= 5 + buffer.readUInt32BE(1) && frames.length < 2) {
      const length = buffer.readUInt32BE(1);
      frames.push({ status: buffer[0]!, payload: buffer.subarray(5, 5 + length) });
      buffer = buffer.subarray(5 + length);
    }
    if (frames.length < 2) return;
    socket.removeListener('data', onData);
    const [start, credentials] = frames as [{ status: number; payload: Buffer }, { status: number; payload: Buffer }];
    const [, user = '', password = ''] = credentials.payload.toString('utf8').split('\0');
    const reply = (status: number, message: string) => {
      const payload = Buffer.from(message);
      const header = Buffer.alloc(5);
      header[0] = status;
      header.writeUInt32BE(payload.length, 1);
      socket.write(Buffer.concat([header, payload]));
    };
    if (start.status !== SASL.START || start.payload.toString() !== 'PLAIN' || !check(user, password)) {
      reply(SASL.BAD, 'Error validating the login');
      socket.end();
      return;
    }
    reply(SASL.COMPLETE, '');
    done(user, buffer);
  };
  socket.on('data', onData);
}

function basicCredentials(request: IncomingMessage): { user: string; password: string } | undefined {
  const header = request.headers.authorization;
  if (header === undefined || !header.startsWith('Basic ')) return undefined;
  const text = Buffer.from(header.slice(6), 'base64').toString('utf8');
  const colon = text.indexOf(':');
  return colon === -1 ? undefined : { user: text.slice(0, colon), password: text.slice(colon + 1) };
}

type Method = (request: Record<string, unknown>) => Promise<Record<string, unknown>>;

const HTTP_LIKE: Readonly<Record<number, number>> = {
  [TCLI.TStatusCode.SUCCESS_STATUS]: 200,
  [TCLI.TStatusCode.SUCCESS_WITH_INFO_STATUS]: 200,
  [TCLI.TStatusCode.STILL_EXECUTING_STATUS]: 202,
  [TCLI.TStatusCode.INVALID_HANDLE_STATUS]: 404,
  [TCLI.TStatusCode.ERROR_STATUS]: 500,
};

/** Faults and the call log around every method: the fault model decides whether the call runs and whether it is answered. */
function wrapHandler(
  handler: Record<HiveMethod, Method>,
  context: CallContext,
  faults: FaultModel<HiveMethod>,
  log: CallLog<HiveMethod>,
): object {
  const wrapped: Record<string, Method> = {};
  for (const [method, run] of Object.entries(handler) as [HiveMethod, Method][]) {
    wrapped[method] = async (request) => {
      const call = log.record(method, request) as HiveCall & { connectionId: number; fault: FaultKind | undefined };
      call.connectionId = context.connectionId;
      const fault = faults.next(method);
      call.fault = fault;
      const answer = (response: Record<string, unknown>) => {
        call.status = HTTP_LIKE[(response.status as TStatus | undefined)?.statusCode ?? -1] ?? 500;
        return response;
      };
      const never = (): Promise<never> => {
        if (faults.hangMs !== undefined) setTimeout(context.drop, faults.hangMs).unref();
        return new Promise<never>(() => {});
      };
      switch (fault) {
        case 'connection-reset':
          context.drop();
          return new Promise<never>(() => {});
        case 'hang':
          return never();
        case 'throttle':
          return answer({
            status: errorStatus('08004', `Connection limit per user reached (hive.server2.limit.connections.per.user) (injected)`),
          });
        case 'server-error':
          return answer({
            status: errorStatus(
              '08S01',
              'org.apache.thrift.transport.TTransportException: java.net.SocketTimeoutException: Read timed out (injected)',
            ),
          });
        case 'lost-response':
          await run(request);
          context.drop();
          return new Promise<never>(() => {});
        case undefined:
          return answer(await run(request));
      }
    };
  }
  return wrapped;
}

const ok = (): TStatus => ({ statusCode: TCLI.TStatusCode.SUCCESS_STATUS });
const errorStatus = (sqlState: string, errorMessage: string, errorCode = 0): TStatus => ({
  statusCode: TCLI.TStatusCode.ERROR_STATUS,
  sqlState,
  errorCode,
  errorMessage,
});
const invalidHandle = (what: string): TStatus => ({
  statusCode: TCLI.TStatusCode.INVALID_HANDLE_STATUS,
  sqlState: 'HY000',
  errorMessage: `Invalid ${what}`,
});

interface WireHandle {
  readonly guid: Buffer;
  readonly secret: Buffer;
}
const operationId = (request: Record<string, unknown>): Buffer => (request.operationHandle as { operationId: WireHandle }).operationId.guid;
const sessionId = (request: Record<string, unknown>): Buffer => (request.sessionHandle as { sessionId: WireHandle }).sessionId.guid;

function methods(ops: HiveOperations, context: CallContext): Record<HiveMethod, Method> {
  const INFO_VALUES: Readonly<Record<number, string>> = { 13: 'Apache Hive', 18: '3.1.3 (tflyte test server on DuckDB)' };
  return {
    async OpenSession(request) {
      const configuration = (request.configuration ?? {}) as Record<string, string>;
      const database = configuration['use:database'] ?? 'default';
      if (database !== 'default') {
        const found = await ops.engine.sql(
          `SELECT 1 FROM information_schema.schemata WHERE schema_name = '${database.replaceAll("'", "''")}'`,
        );
        if (found.length === 0)
          return {
            status: errorStatus('42000', `Database '${database}' does not exist`, 10072),
            serverProtocolVersion: request.client_protocol,
          };
      }
      const { guid, secret } = ops.openSession(context.username, database, context.connectionId);
      return {
        status: ok(),
        serverProtocolVersion: Math.min(Number(request.client_protocol ?? 0), TCLI.TProtocolVersion.HIVE_CLI_SERVICE_PROTOCOL_V10!),
        sessionHandle: { sessionId: { guid, secret } },
        configuration: {},
      };
    },
    async CloseSession(request) {
      if (ops.session(sessionId(request)) === undefined) return { status: invalidHandle('SessionHandle') };
      ops.closeSession(sessionId(request).toString('hex'));
      return { status: ok() };
    },
    async GetInfo(request) {
      return { status: ok(), infoValue: { stringValue: INFO_VALUES[Number(request.infoType)] ?? '' } };
    },
    async ExecuteStatement(request) {
      const session = ops.session(sessionId(request));
      if (session === undefined) return { status: invalidHandle('SessionHandle') };
      const timeout = request.queryTimeout as { toNumber?: () => number } | number | undefined;
      const operation = ops.execute({
        session,
        statement: String(request.statement),
        runAsync: Boolean(request.runAsync),
        queryTimeoutSeconds: typeof timeout === 'number' ? timeout : (timeout?.toNumber?.() ?? 0),
        confOverlay: (request.confOverlay ?? {}) as Record<string, string>,
      });
      // A synchronous statement is answered once it has ended, as HiveServer2 does.
      if (!request.runAsync) {
        while (!isTerminalJobState(operation.job.state) && !operation.closed) await new Promise((resolve) => setTimeout(resolve, 2));
        const error = ops.error(operation);
        if (error !== undefined) return { status: errorStatus(error.sqlState, error.message, error.errorCode) };
      }
      return {
        status: ok(),
        operationHandle: {
          operationId: { guid: operation.guid, secret: operation.secret },
          operationType: TCLI.TOperationType.EXECUTE_STATEMENT,
          hasResultSet: true,
        },
      };
    },
    async GetOperationStatus(request) {
      const operation = ops.operation(operationId(request));
      // HiveServer2 forgets an operation once it, or its session, is closed.
      if (operation === undefined || operation.closed) return { status: invalidHandle('OperationHandle') };
      const error = ops.error(operation);
      const state = ops.state(operation);
      return {
        status: ok(),
        operationState: ops.stateCode(operation),
        hasResultSet: operation.job.result !== undefined || state !== 'FINISHED',
        ...(error === undefined ? {} : { sqlState: error.sqlState, errorCode: error.errorCode, errorMessage: error.message }),
      };
    },
    async CancelOperation(request) {
      return { status: ops.cancel(operationId(request)) ? ok() : invalidHandle('OperationHandle') };
    },
    async CloseOperation(request) {
      if (ops.operation(operationId(request)) === undefined) return { status: invalidHandle('OperationHandle') };
      ops.close(operationId(request));
      return { status: ok() };
    },
    async GetResultSetMetadata(request) {
      const operation = ops.operation(operationId(request));
      if (operation === undefined || operation.closed) return { status: invalidHandle('OperationHandle') };
      return { status: ok(), schema: tableSchema(operation.job.result?.columns ?? []) };
    },
    async FetchResults(request) {
      const operation = ops.operation(operationId(request));
      if (operation === undefined || operation.closed) return { status: invalidHandle('OperationHandle') };
      const maxRows = Number((request.maxRows as { toNumber?: () => number })?.toNumber?.() ?? request.maxRows ?? 1000);
      if (Number(request.fetchType ?? 0) === 1) {
        const lines = operation.log.splice(0);
        return {
          status: ok(),
          hasMoreRows: false,
          results: { startRowOffset: 0, rows: [], columns: [{ stringVal: { values: lines, nulls: Buffer.alloc(0) } }] },
        };
      }
      const state = ops.state(operation);
      if (state !== 'FINISHED') return { status: errorStatus('HY010', `Expected state FINISHED, but found ${state}`) };
      const result = operation.job.result ?? { columns: [], values: [], rowCount: 0 };
      if (Number(request.orientation) === TCLI.TFetchOrientation.FETCH_FIRST) operation.cursor = 0;
      const from = operation.cursor;
      operation.cursor = Math.min(result.rowCount, from + maxRows);
      return { status: ok(), hasMoreRows: operation.cursor < result.rowCount, results: rowSet(result, from, maxRows) };
    },
  };
}
