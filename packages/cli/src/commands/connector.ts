/**
 * `tflyte connector serve`: serves every plugin of tflyte.config.ts to Flyte as a connector
 * (flyteidl's agent services over gRPC on HTTP/2) until SIGTERM or Ctrl-C, then shuts down
 * gracefully. Every setting is a flag, or an environment variable for container deployments.
 */

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { startConnectorServer } from '@tflyte/connector';
import { loadConfig } from '@tflyte/core';
import { parseArgv } from '../argv.ts';
import type { Io } from '../main.ts';
import { EXIT, UsageError } from '../usage-error.ts';

export const CONNECTOR_HELP = `Usage: tflyte connector serve [options]

Serves the plugins registered in tflyte.config.ts (with its backends overrides) as a Flyte connector:
AsyncAgentService, SyncAgentService and AgentMetadataService over gRPC on HTTP/2, the standard gRPC
health service, and Prometheus metrics on a separate port. SIGTERM or Ctrl-C shuts down gracefully.

Options (flag, environment variable, default):
  --host <addr>                   TFLYTE_CONNECTOR_HOST                   0.0.0.0
  --port <n>                      TFLYTE_CONNECTOR_PORT                   8000
  --tls-cert <file.pem>           TFLYTE_CONNECTOR_TLS_CERT               (plaintext HTTP/2, propeller's insecure: true)
  --tls-key <file.pem>            TFLYTE_CONNECTOR_TLS_KEY                (required with --tls-cert)
  --metrics-port <n|off>          TFLYTE_CONNECTOR_METRICS_PORT           9090 (GET /metrics)
  --max-concurrent-creates <n>    TFLYTE_CONNECTOR_MAX_CONCURRENT_CREATES 100 per plugin
  --shutdown-grace-ms <n>         TFLYTE_CONNECTOR_SHUTDOWN_GRACE_MS      30000
Logs are JSON lines on stderr.`;

const SPEC = {
  host: 'string',
  port: 'string',
  'tls-cert': 'string',
  'tls-key': 'string',
  'metrics-port': 'string',
  'max-concurrent-creates': 'string',
  'shutdown-grace-ms': 'string',
  help: 'boolean',
} as const;

export async function connector(args: readonly string[], io: Io): Promise<number> {
  const { options, positionals } = parseArgv('connector', args, SPEC, Number.POSITIVE_INFINITY);
  const [sub, extra] = positionals;
  if (options.help || sub === 'help') {
    io.out(CONNECTOR_HELP);
    return EXIT.ok;
  }
  if (sub !== 'serve') throw new UsageError(`connector: unknown subcommand '${sub ?? ''}'; use 'tflyte connector serve' (see --help)`);
  if (extra !== undefined) throw new UsageError(`connector serve: unexpected argument '${extra}'`);
  const setting = (flag: keyof typeof SPEC, env: string): string | undefined => (options[flag] as string | undefined) ?? io.env[env];
  const integer = (flag: keyof typeof SPEC, env: string, min: number): number | undefined => {
    const text = setting(flag, env);
    if (text === undefined) return undefined;
    const n = Number(text);
    if (!Number.isInteger(n) || n < min)
      throw new UsageError(`connector serve: --${flag} (${env}) must be an integer >= ${min}, got '${text}'`);
    return n;
  };
  const certFile = setting('tls-cert', 'TFLYTE_CONNECTOR_TLS_CERT');
  const keyFile = setting('tls-key', 'TFLYTE_CONNECTOR_TLS_KEY');
  if ((certFile === undefined) !== (keyFile === undefined)) throw new UsageError('connector serve: --tls-cert and --tls-key go together');
  const metricsText = setting('metrics-port', 'TFLYTE_CONNECTOR_METRICS_PORT');
  const metricsPort = metricsText === 'off' ? false : integer('metrics-port', 'TFLYTE_CONNECTOR_METRICS_PORT', 0);
  const host = setting('host', 'TFLYTE_CONNECTOR_HOST');
  const port = integer('port', 'TFLYTE_CONNECTOR_PORT', 0);
  const maxConcurrentCreates = integer('max-concurrent-creates', 'TFLYTE_CONNECTOR_MAX_CONCURRENT_CREATES', 1);
  const shutdownGraceMs = integer('shutdown-grace-ms', 'TFLYTE_CONNECTOR_SHUTDOWN_GRACE_MS', 0);

  const { config } = await loadConfig(io.cwd);
  const server = await startConnectorServer({
    plugins: config.plugins,
    ...(config.backends === undefined ? {} : { backends: config.backends }),
    ...(host === undefined ? {} : { host }),
    ...(port === undefined ? {} : { port }),
    ...(certFile === undefined || keyFile === undefined
      ? {}
      : { tls: { cert: readFileSync(resolve(io.cwd, certFile)), key: readFileSync(resolve(io.cwd, keyFile)) } }),
    ...(metricsPort === undefined ? {} : { metricsPort }),
    ...(maxConcurrentCreates === undefined ? {} : { maxConcurrentCreates }),
    ...(shutdownGraceMs === undefined ? {} : { shutdownGraceMs }),
  });
  io.out(
    `tflyte connector serving ${server.catalog.categories.map((c) => `${c.taskType}_v${c.version}`).join(', ')} on ${server.url}${server.metricsUrl === undefined ? '' : ` (metrics ${server.metricsUrl})`}`,
  );
  await new Promise<void>((done) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      done();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await server.close();
  return EXIT.ok;
}
