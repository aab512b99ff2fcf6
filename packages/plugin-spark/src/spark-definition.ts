/**
 * The `spark` task type, defined once: flytekit-spark's TaskTemplate (type `spark`, version 0,
 * custom = flyteidl `plugins.SparkJob` proto3 JSON, a container target running the application)
 * and its default backend, a SparkApplication per attempt. `sparkTask` and `sparkPlugin` are both
 * derived from this definition, so what is serialized and what runs it cannot disagree.
 */
import { type PluginDefinition, definePlugin, protoCustom } from '@tflyte/core';
import type { ResourceBackend } from '@tflyte/kubernetes';
import { type SparkJob, SparkJobSchema } from '@tflyte/idl/plugins/spark';
import sparkPackage from '../package.json' with { type: 'json' };
import { type SparkBackendOptions, sparkBackend } from './spark-backend.ts';
import type { SparkHandle } from './spark-backend.ts';

export const SPARK_TASK_TYPE = 'spark';
export const SPARK_TASK_TYPE_VERSION = 0;

export const spark: PluginDefinition<SparkJob, SparkBackendOptions, SparkHandle> = definePlugin<SparkJob, SparkBackendOptions, SparkHandle>({
  taskType: SPARK_TASK_TYPE,
  taskTypeVersion: SPARK_TASK_TYPE_VERSION,
  packageName: sparkPackage.name,
  coreVersion: `^${sparkPackage.dependencies['@tflyte/core']}`,
  target: 'container',
  custom: protoCustom(SparkJobSchema),
  // `spark` is read when a backend first builds an application, long after this module has run.
  backend: (options): ResourceBackend => sparkBackend(options, (template) => spark.configOf(template)),
});

/** The registrable plugin for tflyte.config.ts: `plugins: [sparkPlugin()]`. */
export function sparkPlugin(options: SparkBackendOptions = {}): ReturnType<typeof spark.plugin> {
  return spark.plugin(options);
}
