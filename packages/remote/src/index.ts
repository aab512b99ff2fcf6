// The public API of @tflyte/remote: talk to a Flyte cluster's FlyteAdmin.
export { RemoteError, RemoteConfigError, VersionConflictError } from './errors.ts';
export type { RemoteErrorCode } from './errors.ts';
export { loadRemoteConfig, toBaseUrl } from './config.ts';
export type { AuthType, RemoteConfig, LoadRemoteConfigOptions } from './config.ts';
export { tokenSource } from './auth.ts';
export type { TokenSource, AuthDiscovery } from './auth.ts';
export { connectRemote } from './client.ts';
export type { FlyteRemote } from './client.ts';
export { registerTask } from './register.ts';
export type { RegistrationResult } from './register.ts';
export { createExecution, executionId, getExecution, listNodeExecutions, waitForExecution, executionOutputs, terminateExecution, consoleLink, isTerminal } from './executions.ts';
export type { CreateExecutionRequest, WaitOptions } from './executions.ts';
export { uploadThroughDataProxy } from './upload.ts';
export type { UploadRequest } from './upload.ts';
export { packSources, unpackSources, moduleClosure } from './fast-package.ts';
export type { CodeBundle } from './fast-package.ts';
