// @tflyte/testing/emulator: the core of the wire-level service servers. A service's server is a
// thin protocol adapter on startEmulatorServer, with jobs on JobMachine and SQL on DuckDbEngine.

export { LOOPBACK_HOST } from '../shared/loopback-server.ts';
export type { AuthRejection, SigV4Credentials, SigV4Identity, SigV4Options, SigV4Request } from '../shared/sigv4.ts';
export { checkSigV4, credentialList, isAuthRejection } from '../shared/sigv4.ts';
export type { RecordedCall } from './call-log.ts';
export { CallLog } from './call-log.ts';
export { DuckDbEngine } from './duckdb-engine.ts';
export type { EmulatorRequest, EmulatorServer, Identified, Reply, ServiceAdapter } from './emulator-server.ts';
export { startEmulatorServer } from './emulator-server.ts';
export type { FaultKind, FaultOptions, FaultRule, FaultStep, InjectedFault } from './fault-model.ts';
export { FAULT_KINDS, FaultModel } from './fault-model.ts';
export type { Job, JobMachineOptions, JobPlan, JobState, WorkOutcome } from './job-machine.ts';
export { isTerminalJobState, JobMachine } from './job-machine.ts';
