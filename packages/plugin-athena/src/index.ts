// The public API of @tflyte/plugin-athena. The test server is the `./testing` subpath.

export { athenaDialect, MAX_PARAMETER_LENGTH, MAX_QUERY_LENGTH } from './athena-dialect.ts';
export type { AthenaPlugin, AthenaPluginOptions } from './athena-plugin.ts';
// The plugin definition, its authoring factory and its registrable plugin
export { AthenaPluginOptionError, athena, athenaPlugin } from './athena-plugin.ts';
export type { AthenaOutputs, AthenaTaskOptions, DefaultAthenaOutputs } from './athena-task.ts';
export { athenaTask } from './athena-task.ts';
export type { AthenaQueryConfig } from './athena-template.ts';
// Serialization and the SQL dialect
export { ATHENA_TASK_TYPE, ATHENA_TASK_TYPE_VERSION, CONFIG_MAX_ROWS, CONFIG_OUTPUT_LOCATION } from './athena-template.ts';
export type { AthenaHandle, PollPolicy } from './backend/athena-backend.ts';
// The backend
export { ATHENA_BACKEND_NAME, DEFAULT_ATHENA_POLL } from './backend/athena-backend.ts';
export { consoleUrl } from './backend/query-state.ts';
