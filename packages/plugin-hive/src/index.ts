// The public API of @tflyte/plugin-hive.

export type { HiveAuth, HiveServerConfig, HiveTransport } from './backend/connection.ts';
export type { HiveHandle } from './backend/hive-backend.ts';
export { DEFAULT_HIVE_POLL } from './backend/hive-backend.ts';
export type { OperationReport } from './backend/operation-state.ts';
export { operationStatus } from './backend/operation-state.ts';
export type { HiveTaskConfig } from './hive-config.ts';
// Serialization and safe values
export { DEFAULT_CLUSTER_LABEL, HIVE_TASK_TYPE, HIVE_TASK_TYPE_VERSION, hiveConfig } from './hive-config.ts';
export { hiveDialect, hiveLiteral, hiveString, MAX_HIVE_QUERY_LENGTH } from './hive-dialect.ts';
export type { HivePluginOptions } from './hive-plugin.ts';
// The plugin and its backend
export { HIVE_BACKEND_NAME, HivePluginOptionError, hive, hivePlugin } from './hive-plugin.ts';
export type { HiveTaskOptions } from './hive-task.ts';
// Authoring
export { hiveTask } from './hive-task.ts';
export { HIVE_URL_ENV, HiveUrlError, hiveServerFromEnv, parseHiveUrl } from './hive-url.ts';
