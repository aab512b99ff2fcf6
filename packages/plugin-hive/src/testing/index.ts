// @tflyte/plugin-hive/testing: a wire-level HiveServer2 on DuckDB for testing Hive tasks.

export type { HiveAuthMode, HiveCall, HiveMethod, HiveServerOptions, HiveTestServer, HiveTransportMode } from './hive-server.ts';
export { HIVE_METHODS, HTTP_PATH, startHiveServer } from './hive-server.ts';
export type { HiveError, OperationRecord, OperationStateName, SessionRecord } from './operations.ts';
