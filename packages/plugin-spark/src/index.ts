// The public API of @tflyte/plugin-spark.
export { sparkTask } from './spark-task.ts';
export type { SparkTaskOptions, SparkApplicationSpec, SparkApplicationType } from './spark-task.ts';
export { spark, sparkPlugin, SPARK_TASK_TYPE, SPARK_TASK_TYPE_VERSION } from './spark-definition.ts';
export type { SparkJobInit } from './spark-definition.ts';
export { sparkBackend, SPARK_BACKEND, SPARK_APPLICATION_KIND } from './spark-backend.ts';
export type { SparkBackendOptions, SparkHandle } from './spark-backend.ts';
export { buildSparkApplication, SPARK_API_VERSION, SPARK_KIND } from './spark-application.ts';
export type { SparkApplicationObject, SparkApplicationSettings } from './spark-application.ts';
export { layerSparkConf } from './spark-conf.ts';
export type { ConfLayers, SparkFeature } from './spark-conf.ts';
export { sparkPhase, sparkLogLinks } from './spark-phase.ts';
export type { SparkApplicationView, SparkLinkOptions, SparkLogLinks } from './spark-phase.ts';
export { OUTPUT_DOCUMENT_ENV, OUTPUT_DOCUMENT_NAME } from './spark-outputs.ts';
export { SparkPluginOptionError } from './errors.ts';
export { sparkLocalBackend, sparkSubmitArgs, SPARK_LOCAL_BACKEND } from './spark-local.ts';
export type { SparkLocalOptions, SparkLocalSettings } from './spark-local.ts';
