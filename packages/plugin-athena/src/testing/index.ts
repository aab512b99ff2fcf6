// @tflyte/plugin-athena/testing: a wire-level Athena server on the emulator core of @tflyte/testing,
// for testing Athena tasks without AWS. Needs @tflyte/testing (an optional peer dependency).

export type { FaultKind, FaultOptions, FaultRule, InjectedFault, SigV4Credentials } from '@tflyte/testing/emulator';
export { FAULT_KINDS } from '@tflyte/testing/emulator';
export type { AthenaServerOptions, AthenaTestServer, ExecutionSnapshot, RecordedRequest } from './athena-server.ts';
export { startAthenaServer } from './athena-server.ts';
export type { Execution, QueryInfo, QueryPlan, QueryState } from './executions.ts';
export type { AthenaOperation, WorkGroupConfig } from './operations.ts';
export { ATHENA_OPERATIONS } from './operations.ts';
export type { QueryResult } from './query-engine.ts';
export type { AthenaErrorShape, ErrorCategoryCode } from './query-errors.ts';
export { ErrorCategory } from './query-errors.ts';
export type { AthenaColumnInfo } from './result-format.ts';
