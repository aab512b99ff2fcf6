// @tflyte/plugin-hive/testing: a wire-level HiveServer2 on DuckDB for testing Hive tasks.
export { startHiveServer, HTTP_PATH, HIVE_METHODS } from './hive-server.ts';
export type { HiveServerOptions, HiveTestServer, HiveCall, HiveMethod, HiveTransportMode, HiveAuthMode } from './hive-server.ts';
export type { OperationRecord, SessionRecord, OperationStateName, HiveError } from './operations.ts';
