// The public API of @tflyte/plugin-snowflake.

export type { ConnectionSettings, SnowflakeAuth } from './backend/connections.ts';
export type { PrivateKeySecret } from './backend/private-key-secret.ts';
export { DEFAULT_PRIVATE_KEY_SECRET } from './backend/private-key-secret.ts';
export type { QueryError, QueryResource } from './backend/query-state.ts';
export { queryStatus, snowsightUrl } from './backend/query-state.ts';
export type { SnowflakeBackendOptions, SnowflakeHandle } from './backend/snowflake-backend.ts';
export { DEFAULT_SNOWFLAKE_POLL, queryTagOf, requestIdOf, SNOWFLAKE_BACKEND_NAME, snowflakeBackend } from './backend/snowflake-backend.ts';
export { MAX_STATEMENT_LENGTH, snowflakeBind, snowflakeDialect } from './snowflake-dialect.ts';
export type { SnowflakePlugin, SnowflakePluginOptions } from './snowflake-plugin.ts';
// The plugin and its backend
export { snowflake, snowflakePlugin } from './snowflake-plugin.ts';
export type { SnowflakeTaskOptions } from './snowflake-task.ts';
// Authoring
export { snowflakeTask } from './snowflake-task.ts';
export type { SnowflakeConfig } from './snowflake-template.ts';
// Serialization and binding
export { CONFIG_MAX_ROWS, readTemplate, SNOWFLAKE_TASK_TYPE, SNOWFLAKE_TASK_TYPE_VERSION, snowflakeConfig } from './snowflake-template.ts';
