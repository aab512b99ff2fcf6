// @tflyte/plugin-hive/testing: a wire-level HiveServer2 on DuckDB for testing Hive tasks.
export { startHiveServer, HTTP_PATH } from './hive-server.ts';
export type { HiveServerOptions, HiveTestServer, HiveCall, HiveTransportMode, HiveAuthMode } from './hive-server.ts';
export type { OperationRecord, SessionRecord, OperationStateName, HiveError } from './operations.ts';
export { HiveFaults, HIVE_FAULT_KINDS } from './faults.ts';
export type { FaultKind, FaultRule, FaultOptions } from './faults.ts';
