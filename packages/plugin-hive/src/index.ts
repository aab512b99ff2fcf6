// The public API of @tflyte/plugin-hive.

// Authoring
export { hiveTask } from './hive-task.ts';
export type { HiveTaskOptions } from './hive-task.ts';

// The plugin and its backend
export { hive, hivePlugin, HivePluginOptionError, HIVE_BACKEND_NAME } from './hive-plugin.ts';
export type { HivePluginOptions } from './hive-plugin.ts';
export { HIVE_URL_ENV, HiveUrlError, hiveServerFromEnv, parseHiveUrl } from './hive-url.ts';
export { DEFAULT_HIVE_POLL } from './backend/hive-backend.ts';
export type { HiveHandle } from './backend/hive-backend.ts';
export type { HiveServerConfig, HiveTransport, HiveAuth } from './backend/connection.ts';
export { operationStatus } from './backend/operation-state.ts';
export type { OperationReport } from './backend/operation-state.ts';

// Serialization and safe values
export { HIVE_TASK_TYPE, HIVE_TASK_TYPE_VERSION, DEFAULT_CLUSTER_LABEL, hiveConfig } from './hive-config.ts';
export type { HiveTaskConfig } from './hive-config.ts';
export { hiveDialect, hiveLiteral, hiveString, MAX_HIVE_QUERY_LENGTH } from './hive-dialect.ts';
