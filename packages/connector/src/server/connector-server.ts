/**
 * The connector server: flyteidl's agent services and the gRPC health service over gRPC on HTTP/2
 * (plaintext h2c, propeller's default, or TLS), served by @connectrpc/connect-node from the
 * @bufbuild/protobuf code @tflyte/idl generates; Prometheus metrics on a separate HTTP/1 port.
 * `close()` shuts down gracefully: health goes NOT_SERVING, no new connections are accepted,
 * clients get GOAWAY, and in-flight calls finish within the grace period.
 */
import http from 'node:http';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { connectNodeAdapter } from '@connectrpc/connect-node';
import type { Backend, Clock, Plugin } from '@tflyte/core';
import { ConnectorConfigError } from '../errors.ts';
import { agentServiceRoutes } from './agent-service.ts';
import { buildCatalog, type Catalog } from './catalog.ts';
import { HealthState } from './health.ts';
import { type Logger, stderrLogger } from './log.ts';
import { ConnectorMetrics } from './metrics.ts';

export interface ConnectorTls {
  /** PEM certificate chain of the server. */
  readonly cert: string | Buffer;
  /** PEM private key. */
  readonly key: string | Buffer;
}

export interface ConnectorServerOptions {
  /** The plugins to serve (tflyte.config.ts `plugins`). */
  readonly plugins: readonly Plugin[];
  /** Backends by task type instead of the plugins' own (tflyte.config.ts `backends`). */
  readonly backends?: { readonly [taskType: string]: Backend };
  /** Default `0.0.0.0`. */
  readonly host?: string;
  /** Default 8000 (flytekit's connector port); 0 picks a free one. */
  readonly port?: number;
  /** Serve TLS; default plaintext HTTP/2 (propeller's `insecure: true`). */
  readonly tls?: ConnectorTls;
  /** CreateTask (and ExecuteTaskSync) calls running at once per plugin; the rest wait. Default 100. */
  readonly maxConcurrentCreates?: number;
  /** Prometheus `/metrics` on this port (0 picks one); `false` for none. Default 9090. */
  readonly metricsPort?: number | false;
  /** How long close() lets in-flight calls finish before cutting connections. Default 30 s. */
  readonly shutdownGraceMs?: number;
  /** Structured log sink; default JSON lines on stderr. */
  readonly log?: Logger;
  /** The clock backends' timers follow. */
  readonly clock?: Clock;
}

export interface ConnectorServer {
  /** `http://host:port` (or https), for a client's endpoint. */
  readonly url: string;
  readonly port: number;
  /** `http://host:port/metrics`, when metrics are served. */
  readonly metricsUrl: string | undefined;
  readonly catalog: Catalog;
  readonly metrics: ConnectorMetrics;
  /** Graceful shutdown; resolves once every connection is closed. Idempotent. */
  close(options?: { readonly graceMs?: number }): Promise<void>;
}

const listen = (server: http.Server | http2.Http2Server, port: number, host: string): Promise<number> =>
  new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });

export async function startConnectorServer(options: ConnectorServerOptions): Promise<ConnectorServer> {
  const host = options.host ?? '0.0.0.0';
  const port = options.port ?? 8000;
  if (!(Number.isInteger(port) && port >= 0 && port < 65536))
    throw new ConnectorConfigError('port', `must be a TCP port (0–65535), got ${port}`);
  const graceDefault = options.shutdownGraceMs ?? 30_000;
  const log = options.log ?? stderrLogger;
  const catalog = buildCatalog(options.plugins, options.backends, options.maxConcurrentCreates ?? 100);
  const metrics = new ConnectorMetrics();
  for (const category of catalog.categories) metrics.trackCreateSlots(category.taskType, category.creates);
  const health = new HealthState();
  const routes = agentServiceRoutes({ catalog, metrics, log, ...(options.clock === undefined ? {} : { clock: options.clock }) });
  const handler = connectNodeAdapter({
    grpc: true,
    grpcWeb: false,
    connect: false,
    // Metas and Resources are a few KB: gzipping them was 7% of the connector's CPU in the load
    // bench's profile (docs/performance.md, Connector), to save bytes on a cluster-internal link.
    // Large outputs are still compressed for clients that accept it.
    compressMinBytes: 64 * 1024,
    routes: (router) => {
      routes(router);
      health.routes(router);
    },
  });
  const server =
    options.tls === undefined
      ? http2.createServer(handler)
      : http2.createSecureServer({ cert: options.tls.cert, key: options.tls.key, allowHTTP1: false }, handler);
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (session) => {
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
  });
  const bound = await listen(server, port, host);

  let metricsServer: http.Server | undefined;
  let metricsUrl: string | undefined;
  if (options.metricsPort !== false) {
    metricsServer = http.createServer((req, res) => {
      if (req.method === 'GET' && req.url === '/metrics') {
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(metrics.render());
      } else res.writeHead(404).end();
    });
    const metricsPort = await listen(metricsServer, options.metricsPort ?? 9090, host);
    metricsUrl = `http://${host}:${metricsPort}/metrics`;
  }
  const scheme = options.tls === undefined ? 'http' : 'https';
  log({
    level: 'info',
    msg: 'connector serving',
    url: `${scheme}://${host}:${bound}`,
    categories: catalog.categories.map((c) => `${c.taskType}_v${c.version}`).join(','),
  });

  let closing: Promise<void> | undefined;
  const close = async (graceMs: number): Promise<void> => {
    health.shutDown();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    // GOAWAY: clients open no new streams here, and streams under way run to completion.
    for (const session of sessions) session.close();
    const timer = setTimeout(() => {
      for (const session of sessions) session.destroy();
    }, graceMs);
    await closed;
    clearTimeout(timer);
    if (metricsServer !== undefined) await new Promise<void>((resolve) => metricsServer.close(() => resolve()));
    log({ level: 'info', msg: 'connector stopped' });
  };

  return {
    url: `${scheme}://${host === '0.0.0.0' ? '127.0.0.1' : host}:${bound}`,
    port: bound,
    metricsUrl,
    catalog,
    metrics,
    close: (closeOptions = {}) => (closing ??= close(closeOptions.graceMs ?? graceDefault)),
  };
}
