/**
 * Connections to HiveServer2 through hive-driver: one long-lived connection per cluster and process
 * (a binary-transport session lives only as long as the connection that opened it), reopened when
 * it drops. Every call fails fast when the connection closes or the call outlives `callTimeoutMs`,
 * because hive-driver's Thrift connection never answers the calls in flight on a closed socket.
 */

import { type Clock, TflyteError } from '@tflyte/core';
import hive from 'hive-driver';
import { TCLI, type TStatus } from '../tcli.ts';

const { HiveClient, HiveDriver, auth, connections, thrift } = hive;

export type HiveTransport = 'binary' | 'http';
export type HiveAuth =
  | { readonly mechanism: 'NOSASL' }
  | { readonly mechanism: 'PLAIN' | 'LDAP'; readonly username: string; readonly password: string };

/** Where one cluster's HiveServer2 is and how to reach it. */
export interface HiveServerConfig {
  readonly host: string;
  readonly port: number;
  /** `binary` (HiveServer2's default, port 10000) or `http` (port 10001, path `cliservice`). */
  readonly transport?: HiveTransport;
  /** Default NOSASL. LDAP sends the same PLAIN credentials; the server checks them against its directory. */
  readonly auth?: HiveAuth;
  /** HTTP path; default `/cliservice`. */
  readonly httpPath?: string;
  /** The database sessions start in (`use:database`); default `default`. */
  readonly database?: string;
  /** A call not answered within this is failed as a transport error (ms); default 60 s. */
  readonly callTimeoutMs?: number;
}

/** A transport-level failure: the call may or may not have reached the server. */
export class HiveTransportError extends TflyteError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('HIVE_TRANSPORT', message, options);
  }
}

/** HiveServer2 answered with ERROR_STATUS or INVALID_HANDLE_STATUS. */
export class HiveStatusError extends TflyteError {
  readonly status: TStatus;
  readonly invalidHandle: boolean;
  constructor(call: string, status: TStatus) {
    const invalidHandle = status.statusCode === TCLI.TStatusCode.INVALID_HANDLE_STATUS;
    super(
      'HIVE_STATUS',
      `HiveServer2 ${call}: ${status.errorMessage ?? (invalidHandle ? 'invalid handle' : 'error')}${status.sqlState ? ` (SQLSTATE ${status.sqlState})` : ''}`,
    );
    this.status = status;
    this.invalidHandle = invalidHandle;
  }
}

type DriverInstance = InstanceType<typeof HiveDriver>;
type DriverMethod = {
  [K in keyof DriverInstance]: DriverInstance[K] extends (request: never) => Promise<unknown> ? K : never;
}[keyof DriverInstance];

interface Live {
  readonly client: InstanceType<typeof HiveClient>;
  readonly driver: DriverInstance;
  readonly closed: Promise<never>;
  dead: boolean;
  /** The binary transport's socket, referenced only while calls are in flight. */
  readonly socket: { ref(): void; unref(): void } | undefined;
  inFlight: number;
}

export class HiveConnection {
  readonly #config: HiveServerConfig;
  #live: Promise<Live> | undefined;

  constructor(config: HiveServerConfig) {
    this.#config = config;
  }

  get config(): HiveServerConfig {
    return this.#config;
  }

  /** One TCLIService call; throws HiveStatusError for an error status, HiveTransportError for the transport. */
  async call<M extends DriverMethod>(
    method: M,
    request: Parameters<DriverInstance[M]>[0],
    clock: Clock,
  ): Promise<Awaited<ReturnType<DriverInstance[M]>>> {
    const live = await this.#connect();
    // An idle connection must not keep the process alive (a `tflyte run` ends when its work does).
    if (live.inFlight++ === 0) live.socket?.ref();
    const controller = new AbortController();
    const timeoutMs = this.#config.callTimeoutMs ?? 60_000;
    const timeout = clock.sleep(timeoutMs, controller.signal).then(() => {
      live.dead = true;
      live.client.close();
      throw new HiveTransportError(`HiveServer2 ${String(method)}: no answer within ${timeoutMs} ms`);
    });
    try {
      const run = (live.driver[method] as (r: unknown) => Promise<{ status?: TStatus }>).call(live.driver, request);
      const response = (await Promise.race([run, live.closed, timeout])) as { status?: TStatus };
      const status = response.status;
      if (
        status !== undefined &&
        (status.statusCode === TCLI.TStatusCode.ERROR_STATUS || status.statusCode === TCLI.TStatusCode.INVALID_HANDLE_STATUS)
      ) {
        throw new HiveStatusError(String(method), status);
      }
      return response as Awaited<ReturnType<DriverInstance[M]>>;
    } catch (error) {
      if (error instanceof HiveStatusError || error instanceof HiveTransportError) throw error;
      live.dead = true;
      throw new HiveTransportError(`HiveServer2 ${String(method)}: ${(error as Error).message}`, { cause: error });
    } finally {
      controller.abort();
      if (--live.inFlight === 0) live.socket?.unref();
    }
  }

  close(): void {
    const live = this.#live;
    this.#live = undefined;
    void live?.then(
      (l) => l.client.close(),
      () => undefined,
    );
  }

  async #connect(): Promise<Live> {
    const current = this.#live === undefined ? undefined : await this.#live.catch(() => undefined);
    if (current !== undefined && !current.dead) return current;
    this.#live = this.#open();
    this.#live.catch(() => {
      this.#live = undefined;
    });
    return this.#live;
  }

  async #open(): Promise<Live> {
    const { host, port } = this.#config;
    const transport = this.#config.transport ?? 'binary';
    const credentials = this.#config.auth ?? { mechanism: 'NOSASL' };
    const client = new HiveClient(thrift.TCLIService, thrift.TCLIService_types);
    let authentication: object;
    if (credentials.mechanism === 'NOSASL') {
      if (transport === 'http') throw new HiveTransportError('NOSASL is a binary-transport mechanism; use PLAIN or LDAP over HTTP');
      authentication = new auth.NoSaslAuthentication();
    } else {
      const user = { username: credentials.username, password: credentials.password };
      authentication = transport === 'http' ? new auth.PlainHttpAuthentication(user) : new auth.PlainTcpAuthentication(user);
    }
    const connection = transport === 'http' ? new connections.HttpConnection() : new connections.TcpConnection();
    let rejectClosed: (error: Error) => void = () => undefined;
    const closed = new Promise<never>((_, reject) => {
      rejectClosed = reject;
    });
    closed.catch(() => undefined);
    try {
      await client.connect(
        { host, port, options: transport === 'http' ? { path: this.#config.httpPath ?? '/cliservice' } : {} },
        connection as never,
        authentication as never,
      );
    } catch (error) {
      throw new HiveTransportError(`cannot connect to HiveServer2 at ${host}:${port}: ${(error as Error).message}`, { cause: error });
    }
    const stream = (connection.getConnection() as { connection?: unknown } | undefined)?.connection as
      | { ref?: () => void; unref?: () => void }
      | undefined;
    const socket =
      typeof stream?.unref === 'function' && typeof stream.ref === 'function' ? (stream as { ref(): void; unref(): void }) : undefined;
    socket?.unref();
    const live: Live = {
      client,
      driver: new HiveDriver(thrift.TCLIService_types, client.getClient()),
      closed,
      dead: false,
      socket,
      inFlight: 0,
    };
    const gone = (why: string) => {
      live.dead = true;
      rejectClosed(new HiveTransportError(`the connection to HiveServer2 at ${host}:${port} ${why}`));
    };
    client.on('close', () => gone('closed'));
    client.on('error', (error: Error) => gone(`failed: ${error.message}`));
    return live;
  }
}
