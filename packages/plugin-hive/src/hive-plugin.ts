/**
 * The `hive` task type, defined once: flytekit's HiveTask serialization (custom = QuboleHiveJob)
 * and the HiveServer2 backend. `hivePlugin(options)` is what tflyte.config.ts registers.
 */

import type { PollPolicy, StatusCheckPolicy } from '@tflyte/core';
import { definePlugin, TflyteError } from '@tflyte/core';
import { DEFAULT_MAX_ROWS, type WebApiBackend } from '@tflyte/warehouse';
import hivePackage from '../package.json' with { type: 'json' };
import type { HiveServerConfig } from './backend/connection.ts';
import { DEFAULT_HIVE_POLL, HIVE_BACKEND_NAME, type HiveHandle, hiveBackend } from './backend/hive-backend.ts';
import { DEFAULT_CLUSTER_LABEL, HIVE_TASK_TYPE, HIVE_TASK_TYPE_VERSION, hiveConfig } from './hive-config.ts';
import { HIVE_URL_ENV, hiveServerFromEnv } from './hive-url.ts';

export interface HivePluginOptions extends Partial<HiveServerConfig> {
  /** More HiveServer2s by cluster label (QuboleHiveJob.cluster_label); the top-level server is `default`. */
  readonly clusters?: Readonly<Record<string, HiveServerConfig>>;
  /** Status polling: first delay, multiplier and cap in ms (default 1000, 1.5, 15000). */
  readonly poll?: Partial<PollPolicy>;
  /** Rows per FetchResults call (default 1000). */
  readonly fetchSize?: number;
  /** Tolerance for failed status checks (default 5 in a row, 1 s → 30 s backoff). */
  readonly statusChecks?: Partial<StatusCheckPolicy>;
  /** Retries of a failed ExecuteStatement within the attempt (default 5 failures, 1 s doubling to 30 s). */
  readonly submitRetries?: Partial<StatusCheckPolicy>;
  /** With a `rows` output: the most rows a task returns (default 10,000). */
  readonly maxRows?: number;
  /** Hive queries running at once from this executor (default 1000, Flyte's); false for no limit. */
  readonly quota?: number | false;
}

/** The plugin's options are invalid. */
export class HivePluginOptionError extends TflyteError {
  readonly option: string;
  constructor(option: string, problem: string) {
    super('TFLYTE_CONFIG', `hivePlugin(): option '${option}' ${problem}`);
    this.option = option;
  }
}

export const hive = definePlugin({
  taskType: HIVE_TASK_TYPE,
  taskTypeVersion: HIVE_TASK_TYPE_VERSION,
  packageName: hivePackage.name,
  coreVersion: `^${hivePackage.dependencies['@tflyte/core']}`,
  target: 'sql',
  config: hiveConfig,
  backend: (options: HivePluginOptions): WebApiBackend<HiveHandle> => {
    const { clusters, poll, fetchSize, quota, maxRows, statusChecks, submitRetries, ...given } = options;
    // The options name the server; without host and port, TFLYTE_HIVE_URL does (the options still win field by field).
    const fromEnv = given.host === undefined && given.port === undefined ? hiveServerFromEnv(process.env) : undefined;
    const server: Partial<HiveServerConfig> = { ...fromEnv, ...given };
    const all: Record<string, HiveServerConfig> = { ...clusters };
    if (server.host !== undefined || server.port !== undefined) all[DEFAULT_CLUSTER_LABEL] = checkServer(DEFAULT_CLUSTER_LABEL, server);
    for (const [label, config] of Object.entries(clusters ?? {})) checkServer(label, config);
    if (Object.keys(all).length === 0)
      throw new HivePluginOptionError(
        'host',
        `is required: where HiveServer2 listens (host and port, clusters: { label: { host, port } }, or ${HIVE_URL_ENV}=jdbc:hive2://host:port/db in the environment)`,
      );
    const fetch = fetchSize ?? 1000;
    if (!Number.isInteger(fetch) || fetch < 1)
      throw new HivePluginOptionError('fetchSize', `must be a positive integer, got ${String(fetchSize)}`);
    return hiveBackend(
      {
        clusters: all,
        poll: { ...DEFAULT_HIVE_POLL, ...poll },
        fetchSize: fetch,
        maxRows: maxRows ?? DEFAULT_MAX_ROWS,
        ...(statusChecks === undefined ? {} : { statusChecks }),
        ...(submitRetries === undefined ? {} : { submitRetries }),
        ...(quota === undefined ? {} : { quota }),
      },
      (ctx) => hive.configOf(ctx.template),
    );
  },
});

/** `plugins: [hivePlugin({ host, port })]` in tflyte.config.ts. */
export const hivePlugin = (options: HivePluginOptions) => hive.plugin(options);
export { HIVE_BACKEND_NAME };

function checkServer(label: string, config: Partial<HiveServerConfig>): HiveServerConfig {
  const at = label === DEFAULT_CLUSTER_LABEL ? '' : `clusters.${label}.`;
  if (typeof config.host !== 'string' || config.host === '')
    throw new HivePluginOptionError(`${at}host`, 'must be a host name, e.g. 127.0.0.1');
  if (!Number.isInteger(config.port) || config.port! < 1 || config.port! > 65535)
    throw new HivePluginOptionError(
      `${at}port`,
      `must be a port number (HiveServer2 listens on 10000, HTTP on 10001), got ${String(config.port)}`,
    );
  if (config.transport !== undefined && config.transport !== 'binary' && config.transport !== 'http')
    throw new HivePluginOptionError(`${at}transport`, "must be 'binary' or 'http'");
  if (config.transport === 'http' && (config.auth ?? { mechanism: 'NOSASL' }).mechanism === 'NOSASL') {
    throw new HivePluginOptionError(
      `${at}auth`,
      "NOSASL works on the binary transport only; over HTTP use { mechanism: 'PLAIN' | 'LDAP', username, password }",
    );
  }
  return config as HiveServerConfig;
}
