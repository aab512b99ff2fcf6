// The public API of @tflyte/plugin-snowflake.

// Authoring
export { snowflakeTask } from './snowflake-task.ts';
export type { SnowflakeTaskOptions } from './snowflake-task.ts';

// The plugin and its backend
export { snowflake, snowflakePlugin } from './snowflake-plugin.ts';
export type { SnowflakePlugin, SnowflakePluginOptions } from './snowflake-plugin.ts';
export { snowflakeBackend, requestIdOf, queryTagOf, SNOWFLAKE_BACKEND_NAME, DEFAULT_SNOWFLAKE_POLL } from './backend/snowflake-backend.ts';
export type { SnowflakeHandle, SnowflakeBackendOptions } from './backend/snowflake-backend.ts';
export type { SnowflakeAuth, ConnectionSettings } from './backend/connections.ts';
export { DEFAULT_PRIVATE_KEY_SECRET } from './backend/private-key-secret.ts';
export type { PrivateKeySecret } from './backend/private-key-secret.ts';
export { queryStatus, snowsightUrl } from './backend/query-state.ts';
export type { QueryResource, QueryError } from './backend/query-state.ts';

// Serialization and binding
export { SNOWFLAKE_TASK_TYPE, SNOWFLAKE_TASK_TYPE_VERSION, CONFIG_MAX_ROWS, readTemplate, snowflakeConfig } from './snowflake-template.ts';
export type { SnowflakeConfig } from './snowflake-template.ts';
export { snowflakeDialect, snowflakeBind, MAX_STATEMENT_LENGTH } from './snowflake-dialect.ts';
