/**
 * The HTTP side every wire-level service server shares: a loopback server that reads each request,
 * lets the service adapter name its operation, records the call, applies the fault model and sends
 * the adapter's answer. A service server is then a thin protocol adapter: how an operation is
 * named on the wire, what it does, and how a throttle or a server error looks in its protocol.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LoopbackServer } from '../shared/loopback-server.ts';
import { readBody } from '../shared/read-body.ts';
import { CallLog, type RecordedCall } from './call-log.ts';
import { FaultModel, type FaultOptions } from './fault-model.ts';

/** One HTTP answer. */
export interface Reply {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** A string, bytes, or a value sent as JSON. */
  readonly body?: string | Uint8Array | object;
}

/** A request as the adapter sees it. */
export interface EmulatorRequest {
  readonly method: string;
  /** The request target as sent (`/path?query`), for signature checks. */
  readonly path: string;
  readonly url: URL;
  readonly headers: IncomingMessage['headers'];
  readonly raw: Buffer;
}

/** What `identify` decides: the operation (and parsed body), or an answer sent before faults apply (bad auth, unknown operation). */
export type Identified<Op extends string> =
  | { readonly op: Op; readonly body: unknown }
  | { readonly reply: Reply; readonly op?: string; readonly body?: unknown };

export interface ServiceAdapter<Op extends string> {
  /** Names the server in messages (`Athena`). */
  readonly service: string;
  /** The operations, for checking fault rules. */
  readonly operations?: readonly Op[];
  /** Request bodies larger than this are answered 413 (default 8 MiB). */
  readonly maxBodyBytes?: number;
  identify(request: EmulatorRequest): Identified<Op> | Promise<Identified<Op>>;
  /** Performs the operation; what it throws is answered with `serverError`. */
  handle(op: Op, body: unknown, request: EmulatorRequest): Promise<Reply>;
  /** The service's throttling answer (HTTP 429 or its own throttling error). */
  throttle(op: Op): Reply;
  /** The service's internal error (HTTP 5xx); `error` is set when an operation threw. */
  serverError(op: Op, error?: unknown): Reply;
}

export interface EmulatorServer<Op extends string> {
  /** `http://127.0.0.1:<port>`. */
  readonly endpoint: string;
  readonly faults: FaultModel<Op>;
  readonly log: CallLog<Op | string>;
  /** Every call received, oldest first (the log's calls). */
  readonly calls: readonly RecordedCall<Op | string>[];
  /** Stops listening and drops connections (hung ones too). Idempotent. */
  close(): Promise<void>;
}

const DEFAULT_MAX_BODY = 8 * 1024 * 1024;

export async function startEmulatorServer<Op extends string>(
  adapter: ServiceAdapter<Op>,
  faults?: FaultOptions<Op>,
): Promise<EmulatorServer<Op>> {
  const model = new FaultModel<Op>(faults, adapter.operations);
  const log = new CallLog<Op | string>();
  const hung = new Set<NodeJS.Timeout>();
  const http = new LoopbackServer((req, res) => handle(req, res));

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const max = adapter.maxBodyBytes ?? DEFAULT_MAX_BODY;
    let raw: Buffer;
    try {
      raw = await readBody(req, max, () => new Error('body too large'));
    } catch {
      send(res, { status: 413, body: { message: `request body exceeds ${max} bytes` } });
      return;
    }
    const request: EmulatorRequest = {
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      url: new URL(req.url ?? '/', 'http://127.0.0.1'),
      headers: req.headers,
      raw,
    };
    const identified = await adapter.identify(request);
    if ('reply' in identified) {
      if (identified.op !== undefined) log.record(identified.op, identified.body).status = identified.reply.status;
      send(res, identified.reply);
      return;
    }
    const { op, body } = identified;
    const call = log.record(op, body);
    const fault = model.next(op);
    call.fault = fault;
    switch (fault) {
      case 'connection-reset':
        req.socket.destroy();
        return;
      case 'hang': {
        if (model.hangMs !== undefined) {
          const timer = setTimeout(() => {
            hung.delete(timer);
            req.socket.destroy();
          }, model.hangMs);
          hung.add(timer);
        }
        return;
      }
      case 'throttle':
        call.status = send(res, adapter.throttle(op));
        return;
      case 'server-error':
        call.status = send(res, adapter.serverError(op));
        return;
    }
    let reply: Reply;
    try {
      reply = await adapter.handle(op, body, request);
    } catch (error) {
      reply = adapter.serverError(op, error);
    }
    // The operation ran (or failed), but the caller never hears the outcome.
    if (fault === 'lost-response') {
      req.socket.destroy();
      return;
    }
    call.status = send(res, reply);
  }

  await http.listen();
  return {
    get endpoint() {
      return http.endpoint;
    },
    faults: model,
    log,
    get calls() {
      return log.calls;
    },
    close: async () => {
      for (const timer of hung) clearTimeout(timer);
      hung.clear();
      await http.close();
    },
  };
}

function send(res: ServerResponse, reply: Reply): number {
  const body = reply.body;
  const isBytes = typeof body === 'string' || body instanceof Uint8Array;
  const headers: Record<string, string> = {
    ...(isBytes || body === undefined ? {} : { 'content-type': 'application/json' }),
    ...reply.headers,
  };
  res.writeHead(reply.status, headers).end(body === undefined ? undefined : isBytes ? body : JSON.stringify(body));
  return reply.status;
}
