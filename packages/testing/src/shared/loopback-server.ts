/**
 * The HTTP plumbing every wire-level test server shares: a node:http server on an ephemeral 127.0.0.1 port
 * whose close() also drops open connections, so a test never waits on a client's keep-alive or stream.
 */

import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export const LOOPBACK_HOST = '127.0.0.1';

/** Answers one request; an error it throws or rejects with resets that request's connection. */
export type LoopbackHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void> | void;

export class LoopbackServer {
  readonly #http: Server;
  // Tracked rather than closeAllConnections(), which misses sockets taken over by an upgrade.
  readonly #sockets = new Set<Socket>();
  #port = 0;
  #closing: Promise<void> | undefined;

  constructor(handler: LoopbackHandler) {
    this.#http = createServer((req, res) => {
      new Promise<void>((resolve) => resolve(handler(req, res))).catch(() => res.destroy());
    });
    this.#http.on('connection', (socket) => {
      this.#sockets.add(socket);
      socket.once('close', () => this.#sockets.delete(socket));
    });
  }

  /** The bound port; 0 until listen() resolves. */
  get port(): number {
    return this.#port;
  }

  /** `http://127.0.0.1:<port>`; empty until listen() resolves. */
  get endpoint(): string {
    return this.#port === 0 ? '' : `http://${LOOPBACK_HOST}:${this.#port}`;
  }

  /** Binds an ephemeral port on 127.0.0.1. */
  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#http.once('error', reject);
      this.#http.listen(0, LOOPBACK_HOST, () => {
        this.#port = (this.#http.address() as AddressInfo).port;
        resolve();
      });
    });
  }

  /** Stops listening and destroys open connections. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      const closed = new Promise<void>((resolve) => this.#http.close(() => resolve()));
      for (const socket of this.#sockets) socket.destroy();
      await closed;
    })();
    return this.#closing;
  }
}
