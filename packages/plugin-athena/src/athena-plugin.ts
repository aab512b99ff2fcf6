/**
 * The Athena plugin, defined once: task type `presto` (flytekit's AthenaTask), version 0, custom =
 * PrestoQuery, a `sql` target, and the Athena backend. `athenaTask` (athena-task.ts) and
 * `athenaPlugin()` (for `plugins` in tflyte.config.ts) are both derived from it. With no options
 * the backend uses the AWS SDK's default region and credential chains, as the AWS CLI does.
 */
import type { AthenaClientConfig } from '@aws-sdk/client-athena';
import { definePlugin, type Plugin, type PluginDefinition, TflyteError } from '@tflyte/core';
import type { TaskTemplate } from '@tflyte/idl/core/tasks';
import type { RateLimit, WebApiBackend, WebApiHandle } from '@tflyte/warehouse';
import athenaPackage from '../package.json' with { type: 'json' };
import { ATHENA_TASK_TYPE, ATHENA_TASK_TYPE_VERSION, type AthenaQueryConfig, athenaConfigCodec } from './athena-template.ts';
import { type AthenaHandle, athenaBackend, DEFAULT_ATHENA_POLL, type PollPolicy } from './backend/athena-backend.ts';
import { clientPool } from './backend/client-pool.ts';

export interface AthenaPluginOptions {
  /** AWS region; default: the SDK chain (AWS_REGION, the shared config profile, …). */
  readonly region?: string;
  /** Another Athena endpoint, e.g. a VPC endpoint or a local test server (`http://127.0.0.1:PORT`). */
  readonly endpoint?: string;
  /** Static credentials or a provider; default: the SDK chain (environment, SSO/profile, container and instance roles). */
  readonly credentials?: AthenaClientConfig['credentials'];
  /** Anything else for `new AthenaClient(...)` (maxAttempts, requestHandler, …); the options above win. */
  readonly clientConfig?: AthenaClientConfig;
  /** `s3://bucket/prefix/` for result files of tasks that set no `outputLocation`. */
  readonly outputLocation?: string;
  /** Status polling: first delay, multiplier and cap in ms (default 1000, 1.5, 10000). */
  readonly poll?: Partial<PollPolicy>;
  /** Queries running at once through this plugin; the rest wait (WAITING_FOR_RESOURCES). Default 1000, as Flyte's; `false` for none. */
  readonly quota?: number | false;
  /** Token buckets for status reads and for submit/stop calls. Default 10 qps / burst 100 each, as Flyte's; `false` for none. */
  readonly rateLimits?: { readonly read?: RateLimit | false; readonly write?: RateLimit | false };
}

/** The plugin's options are invalid. */
export class AthenaPluginOptionError extends TflyteError {
  readonly option: string;
  constructor(option: string, problem: string) {
    super('TFLYTE_CONFIG', `athenaPlugin(): option '${option}' ${problem}`);
    this.option = option;
  }
}

/** The Athena task type, stated once. */
export const athena: PluginDefinition<AthenaQueryConfig, AthenaPluginOptions, WebApiHandle<AthenaHandle>> = definePlugin({
  taskType: ATHENA_TASK_TYPE,
  taskTypeVersion: ATHENA_TASK_TYPE_VERSION,
  packageName: athenaPackage.name,
  coreVersion: `^${athenaPackage.dependencies['@tflyte/core']}`,
  target: 'sql',
  config: athenaConfigCodec,
  backend: (options: AthenaPluginOptions): WebApiBackend<AthenaHandle> => {
    checkOptions(options);
    const { region, endpoint, credentials, clientConfig } = options;
    return athenaBackend({
      clients: clientPool({
        ...(region === undefined ? {} : { region }),
        ...(endpoint === undefined ? {} : { endpoint }),
        ...(credentials === undefined ? {} : { credentials }),
        ...(clientConfig === undefined ? {} : { clientConfig }),
      }),
      ...(options.outputLocation === undefined ? {} : { outputLocation: options.outputLocation }),
      poll: { ...DEFAULT_ATHENA_POLL, ...options.poll },
      ...(options.quota === undefined ? {} : { quota: options.quota }),
      ...(options.rateLimits === undefined ? {} : { rateLimits: options.rateLimits }),
      configOf: (template: TaskTemplate): AthenaQueryConfig => athena.configOf(template),
    });
  },
});

export type AthenaPlugin = Plugin<AthenaQueryConfig, WebApiHandle<AthenaHandle>>;

/** The plugin for `plugins` in tflyte.config.ts. */
export function athenaPlugin(options: AthenaPluginOptions = {}): AthenaPlugin {
  return athena.plugin(options);
}

const KNOWN = new Set(['region', 'endpoint', 'credentials', 'clientConfig', 'outputLocation', 'poll', 'quota', 'rateLimits']);

function checkOptions(options: AthenaPluginOptions): void {
  const fail = (option: string, problem: string): never => {
    throw new AthenaPluginOptionError(option, problem);
  };
  if (typeof options !== 'object' || options === null) fail('(options)', 'must be an object');
  for (const key of Object.keys(options)) if (!KNOWN.has(key)) fail(key, `is not an option; valid options are: ${[...KNOWN].join(', ')}`);
  for (const key of ['region', 'endpoint', 'outputLocation'] as const) {
    const value = options[key];
    if (value !== undefined && (typeof value !== 'string' || value === '')) fail(key, 'must be a non-empty string');
  }
  if (options.endpoint !== undefined && !URL.canParse(options.endpoint))
    fail('endpoint', `must be a URL such as https://athena.us-east-1.amazonaws.com, got '${options.endpoint}'`);
  if (options.outputLocation !== undefined && !/^s3:\/\/[^/]+/.test(options.outputLocation)) {
    fail('outputLocation', `must be an S3 URI such as 's3://bucket/prefix/', got '${options.outputLocation}'`);
  }
  const poll = { ...DEFAULT_ATHENA_POLL, ...options.poll };
  const positive = (n: unknown): boolean => typeof n === 'number' && Number.isFinite(n) && n > 0;
  if (!positive(poll.initialMs)) fail('poll.initialMs', 'must be a positive number of milliseconds');
  if (!(typeof poll.multiplier === 'number' && poll.multiplier >= 1 && Number.isFinite(poll.multiplier)))
    fail('poll.multiplier', 'must be a number >= 1');
  if (!positive(poll.maxMs) || poll.maxMs < poll.initialMs) fail('poll.maxMs', 'must be a number of milliseconds >= poll.initialMs');
}
