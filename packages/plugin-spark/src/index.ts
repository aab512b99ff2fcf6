// The public API of @tflyte/plugin-spark.

export { SparkPluginOptionError } from './errors.ts';
export type { SparkApplicationObject, SparkApplicationSettings } from './spark-application.ts';
export { buildSparkApplication, SPARK_API_VERSION, SPARK_KIND } from './spark-application.ts';
export type { SparkBackendOptions, SparkHandle } from './spark-backend.ts';
export { SPARK_APPLICATION_KIND, SPARK_BACKEND, sparkBackend } from './spark-backend.ts';
export type { ConfLayers, SparkFeature } from './spark-conf.ts';
export { layerSparkConf } from './spark-conf.ts';
export type { SparkJobInit } from './spark-definition.ts';
export { SPARK_TASK_TYPE, SPARK_TASK_TYPE_VERSION, spark, sparkPlugin } from './spark-definition.ts';
export type { SparkLocalOptions, SparkLocalSettings } from './spark-local.ts';
export { SPARK_LOCAL_BACKEND, sparkLocalBackend, sparkSubmitArgs } from './spark-local.ts';
export { OUTPUT_DOCUMENT_ENV, OUTPUT_DOCUMENT_NAME } from './spark-outputs.ts';
export type { SparkApplicationView, SparkLinkOptions, SparkLogLinks } from './spark-phase.ts';
export { sparkLogLinks, sparkPhase } from './spark-phase.ts';
export type { SparkApplicationSpec, SparkApplicationType, SparkTaskOptions } from './spark-task.ts';
export { sparkTask } from './spark-task.ts';
