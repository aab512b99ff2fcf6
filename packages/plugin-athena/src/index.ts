// The public API of @tflyte/plugin-athena.

// Authoring
export { athenaTask } from './athena-task.ts';
export type { AthenaTaskOptions, AthenaOutputs, DefaultAthenaOutputs } from './athena-task.ts';

// The plugin and its backend
export { athenaPlugin, AthenaPluginOptionError } from './athena-plugin.ts';
export type { AthenaPlugin, AthenaPluginOptions } from './athena-plugin.ts';
export { ATHENA_BACKEND_NAME, DEFAULT_ATHENA_POLL } from './backend/athena-backend.ts';
export type { AthenaHandle, PollPolicy } from './backend/athena-backend.ts';
export { consoleUrl } from './backend/query-state.ts';

// Serialization
export {
  ATHENA_TASK_TYPE,
  ATHENA_TASK_TYPE_VERSION,
  CONFIG_OUTPUT_LOCATION,
  CONFIG_MAX_ROWS,
  DEFAULT_MAX_ROWS,
  toCustom,
  fromCustom,
} from './athena-template.ts';
export type { AthenaQueryConfig } from './athena-template.ts';

// Query templates and safe parameters
export { parseQueryTemplate, normalizeQuery, QueryTemplateError } from './query-template.ts';
export type { QueryTemplate, InputReference, ReferenceFilter } from './query-template.ts';
export { renderQuery } from './render-query.ts';
export type { RenderedQuery } from './render-query.ts';
export { QueryInputError, MAX_PARAMETER_LENGTH } from './sql-literals.ts';
