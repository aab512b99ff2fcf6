/**
 * `athenaPlugin()`: registers the `presto` task type (flytekit's AthenaTask) with its Athena backend.
 * Add it to `plugins` in tflyte.config.ts; with no options it uses the AWS SDK's default region and
 * credential chains, as the AWS CLI does.
 */
import type { AthenaClientConfig } from '@aws-sdk/client-athena';
import { type Plugin, TflyteError, definePlugin } from '@tflyte/core';
import athenaPackage from '../package.json' with { type: 'json' };
import { ATHENA_TASK_TYPE, ATHENA_TASK_TYPE_VERSION, type AthenaQueryConfig, fromCustom, toCustom } from './athena-template.ts';
import { type AthenaHandle, DEFAULT_ATHENA_POLL, type PollPolicy, athenaBackend } from './backend/athena-backend.ts';
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
}

/** The plugin's options are invalid. */
export class AthenaPluginOptionError extends TflyteError {
  readonly option: string;
  constructor(option: string, problem: string) {
    super('TFLYTE_CONFIG', `athenaPlugin(): option '${option}' ${problem}`);
    this.option = option;
  }
}

export type AthenaPlugin = Plugin<AthenaQueryConfig, AthenaHandle>;

export function athenaPlugin(options: AthenaPluginOptions = {}): AthenaPlugin {
  checkOptions(options);
  const { region, endpoint, credentials, clientConfig } = options;
  const clients = clientPool({
    ...(region === undefined ? {} : { region }),
    ...(endpoint === undefined ? {} : { endpoint }),
    ...(credentials === undefined ? {} : { credentials }),
    ...(clientConfig === undefined ? {} : { clientConfig }),
  });
  return definePlugin({
    taskType: ATHENA_TASK_TYPE,
    taskTypeVersion: ATHENA_TASK_TYPE_VERSION,
    packageName: athenaPackage.name,
    coreVersion: `^${athenaPackage.dependencies['@tflyte/core']}`,
    target: 'sql',
    toCustom,
    fromCustom,
    backend: athenaBackend({
      clients,
      ...(options.outputLocation === undefined ? {} : { outputLocation: options.outputLocation }),
      poll: { ...DEFAULT_ATHENA_POLL, ...options.poll },
    }),
  });
}

const KNOWN = new Set(['region', 'endpoint', 'credentials', 'clientConfig', 'outputLocation', 'poll']);

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
  if (options.endpoint !== undefined && !URL.canParse(options.endpoint)) fail('endpoint', `must be a URL such as https://athena.us-east-1.amazonaws.com, got '${options.endpoint}'`);
  if (options.outputLocation !== undefined && !/^s3:\/\/[^/]+/.test(options.outputLocation)) {
    fail('outputLocation', `must be an S3 URI such as 's3://bucket/prefix/', got '${options.outputLocation}'`);
  }
  const poll = { ...DEFAULT_ATHENA_POLL, ...options.poll };
  const positive = (n: unknown): boolean => typeof n === 'number' && Number.isFinite(n) && n > 0;
  if (!positive(poll.initialMs)) fail('poll.initialMs', 'must be a positive number of milliseconds');
  if (!(typeof poll.multiplier === 'number' && poll.multiplier >= 1 && Number.isFinite(poll.multiplier))) fail('poll.multiplier', 'must be a number >= 1');
  if (!positive(poll.maxMs) || poll.maxMs < poll.initialMs) fail('poll.maxMs', 'must be a number of milliseconds >= poll.initialMs');
}
