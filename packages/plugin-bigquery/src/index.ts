// The public API of @tflyte/plugin-bigquery.

// Authoring
export { bigqueryTask } from './bigquery-task.ts';
export type { BigQueryTaskOptions, BigQueryQueryConfig, BigQueryOutputs, DefaultBigQueryOutputs } from './bigquery-task.ts';

// The plugin and its backend
export { bigquery, bigqueryPlugin } from './bigquery-definition.ts';
export {
  bigqueryBackend,
  jobIdFor,
  BigQueryPluginOptionError,
  BIGQUERY_BACKEND_NAME,
  DEFAULT_BIGQUERY_POLL,
  DEFAULT_CALL_TIMEOUT_MS,
} from './backend/bigquery-backend.ts';
export type { BigQueryHandle, BigQueryPluginOptions } from './backend/bigquery-backend.ts';
export { jobStatus, reasonFailure, consoleUrl, REASON_CLASSES } from './backend/job-status.ts';
export type { JobResource } from './backend/job-status.ts';

// Serialization
export {
  BIGQUERY_TASK_TYPE,
  BIGQUERY_TASK_TYPE_VERSION,
  CONFIG_MAX_ROWS,
  CONFIG_PARAMETER_TYPES,
  DEFAULT_MAX_ROWS,
  bigqueryConfig,
} from './bigquery-config.ts';
export type { BigQueryConfig, QueryJobOptions, TableReference, DatasetReference, WriteDisposition, CreateDisposition, QueryPriority } from './bigquery-config.ts';

// Typed named parameters
export { queryParameter, declaredTypeProblem, STRING_PARAMETER_TYPES } from './query-parameters.ts';
export type { QueryParameter, ParameterType, ParameterValue, StringParameterType } from './query-parameters.ts';
export { renderBigQuery, bigqueryDialect, MAX_QUERY_LENGTH } from './render-query.ts';
export type { RenderedQuery } from './render-query.ts';
