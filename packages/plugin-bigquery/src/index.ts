// The public API of @tflyte/plugin-bigquery.

export type { BigQueryHandle, BigQueryPluginOptions } from './backend/bigquery-backend.ts';
export {
  BIGQUERY_BACKEND_NAME,
  BigQueryPluginOptionError,
  bigqueryBackend,
  DEFAULT_BIGQUERY_POLL,
  DEFAULT_CALL_TIMEOUT_MS,
  jobIdFor,
} from './backend/bigquery-backend.ts';
export type { JobResource } from './backend/job-status.ts';
export { consoleUrl, jobStatus, REASON_CLASSES, reasonFailure } from './backend/job-status.ts';
export type {
  BigQueryConfig,
  CreateDisposition,
  DatasetReference,
  QueryJobOptions,
  QueryPriority,
  TableReference,
  WriteDisposition,
} from './bigquery-config.ts';
// Serialization
export {
  BIGQUERY_TASK_TYPE,
  BIGQUERY_TASK_TYPE_VERSION,
  bigqueryConfig,
  CONFIG_MAX_ROWS,
  CONFIG_PARAMETER_TYPES,
  DEFAULT_MAX_ROWS,
} from './bigquery-config.ts';
// The plugin and its backend
export { bigquery, bigqueryPlugin } from './bigquery-definition.ts';
export type { BigQueryOutputs, BigQueryQueryConfig, BigQueryTaskOptions, DefaultBigQueryOutputs } from './bigquery-task.ts';
// Authoring
export { bigqueryTask } from './bigquery-task.ts';
export type { ParameterType, ParameterValue, QueryParameter, StringParameterType } from './query-parameters.ts';
// Typed named parameters
export { declaredTypeProblem, queryParameter, STRING_PARAMETER_TYPES } from './query-parameters.ts';
export type { RenderedQuery } from './render-query.ts';
export { bigqueryDialect, MAX_QUERY_LENGTH, renderBigQuery } from './render-query.ts';
