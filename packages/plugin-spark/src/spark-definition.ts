/**
 * The `spark` task type, defined once: flytekit-spark's TaskTemplate (type `spark`, version 0,
 * custom = flyteidl `plugins.SparkJob` proto3 JSON, a container target running the application)
 * and its default backend, a SparkApplication per attempt. `sparkTask` and `sparkPlugin` are both
 * derived from this definition, so what is serialized and what runs it cannot disagree.
 */
import type { MessageInitShape } from '@bufbuild/protobuf';
import { type Backend, createFileStore, createStorage, definePlugin, type PluginDefinition, protoCustom } from '@tflyte/core';
import type { TaskTemplate } from '@tflyte/idl/core/tasks';
import { type SparkJob, SparkJobSchema } from '@tflyte/idl/plugins/spark';
import sparkPackage from '../package.json' with { type: 'json' };
import { SparkPluginOptionError } from './errors.ts';
import type { SparkHandle } from './spark-backend.ts';
import { type SparkBackendOptions, sparkBackend } from './spark-backend.ts';
import { sparkLocalBackend } from './spark-local.ts';

export const SPARK_TASK_TYPE = 'spark';
export const SPARK_TASK_TYPE_VERSION = 0;

/** What a task author's config is written as: the SparkJob message's init shape. */
export type SparkJobInit = MessageInitShape<typeof SparkJobSchema>;

export const spark: PluginDefinition<SparkJob, SparkBackendOptions, SparkHandle, SparkJobInit> = definePlugin<
  SparkJob,
  SparkBackendOptions,
  SparkHandle,
  SparkJobInit
>({
  taskType: SPARK_TASK_TYPE,
  taskTypeVersion: SPARK_TASK_TYPE_VERSION,
  packageName: sparkPackage.name,
  coreVersion: `^${sparkPackage.dependencies['@tflyte/core']}`,
  target: 'container',
  config: protoCustom(SparkJobSchema),
  // `spark` is read when a backend first builds an application, long after this module has run.
  backend: (options): Backend<SparkHandle> => {
    const readJob = (template: TaskTemplate) => spark.configOf(template);
    if (options.mode !== 'local') return sparkBackend(options, readJob);
    const storage = options.storage ?? createStorage([createFileStore()]);
    return sparkLocalBackend({ ...options, storage }, options.local ?? {}, readJob);
  },
});

/** The registrable plugin for tflyte.config.ts: `plugins: [sparkPlugin()]`. */
export function sparkPlugin(options: SparkBackendOptions = {}): ReturnType<typeof spark.plugin> {
  checkPluginOptions(options);
  return spark.plugin(options);
}

const KNOWN_OPTIONS = new Set([
  'client',
  'kubeConfig',
  'context',
  'namespace',
  'storage',
  'deleteWhenDone',
  'statusChecks',
  'defaultSparkConf',
  'features',
  'sparkVersion',
  'serviceAccount',
  'pod',
  'logs',
  'historyServerUrl',
  'mode',
  'local',
]);

function checkPluginOptions(options: SparkBackendOptions): void {
  const fail = (option: string, problem: string): never => {
    throw new SparkPluginOptionError(option, problem);
  };
  if (typeof options !== 'object' || options === null) fail('(options)', 'must be an object');
  for (const key of Object.keys(options))
    if (!KNOWN_OPTIONS.has(key)) fail(key, `is not an option; valid options are: ${[...KNOWN_OPTIONS].join(', ')}`);
  for (const key of ['namespace', 'context', 'sparkVersion', 'serviceAccount'] as const) {
    const value = options[key];
    if (value !== undefined && (typeof value !== 'string' || value === '')) fail(key, 'must be a non-empty string');
  }
  if (options.mode !== undefined && options.mode !== 'kubernetes' && options.mode !== 'local')
    fail('mode', `must be 'kubernetes' or 'local', got ${JSON.stringify(options.mode)}`);
  if (options.local !== undefined && options.mode !== 'local') fail('local', "applies only with mode: 'local'");
  const threads = options.local?.threads;
  if (threads !== undefined && (!Number.isInteger(threads) || threads < 1))
    fail('local.threads', `must be a positive whole number, got ${threads}`);
  if (options.historyServerUrl !== undefined && !URL.canParse(options.historyServerUrl)) {
    fail(
      'historyServerUrl',
      `must be the history server's URL, e.g. 'https://spark-history.example.com', got '${options.historyServerUrl}'`,
    );
  }
  for (const [key, value] of Object.entries(options.defaultSparkConf ?? {})) {
    if (typeof value !== 'string') fail(`defaultSparkConf['${key}']`, `must be a string, got ${typeof value}`);
  }
  const names = new Set<string>();
  for (const [i, feature] of (options.features ?? []).entries()) {
    if (typeof feature?.name !== 'string' || feature.name === '')
      fail(`features[${i}].name`, "must name the feature tasks switch on with 'spark.flyteorg.<name>.enabled'");
    if (names.has(feature.name)) fail(`features[${i}].name`, `'${feature.name}' is defined twice`);
    names.add(feature.name);
    if (typeof feature.sparkConf !== 'object' || feature.sparkConf === null)
      fail(`features[${i}].sparkConf`, 'must be an object of Spark settings');
  }
}
