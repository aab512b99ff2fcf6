// @tflyte/testing/emulator: the core of the wire-level service servers. A service's server is a
// thin protocol adapter on startEmulatorServer, with jobs on JobMachine and SQL on DuckDbEngine.
export { startEmulatorServer } from './emulator-server.ts';
export type { ServiceAdapter, EmulatorServer, EmulatorRequest, Identified, Reply } from './emulator-server.ts';
export { FaultModel, FAULT_KINDS } from './fault-model.ts';
export type { FaultKind, FaultRule, FaultOptions, FaultStep, InjectedFault } from './fault-model.ts';
export { CallLog } from './call-log.ts';
export type { RecordedCall } from './call-log.ts';
export { JobMachine, isTerminalJobState } from './job-machine.ts';
export type { Job, JobState, JobPlan, JobMachineOptions, WorkOutcome } from './job-machine.ts';
export { DuckDbEngine } from './duckdb-engine.ts';
export { LOOPBACK_HOST } from '../shared/loopback-server.ts';
export { checkSigV4, credentialList, isAuthRejection } from '../shared/sigv4.ts';
export type { SigV4Credentials, SigV4Options, SigV4Request, SigV4Identity, AuthRejection } from '../shared/sigv4.ts';
