// The public API of @tflyte/remote: talk to a Flyte cluster's FlyteAdmin.

export type { AuthDiscovery, BrowserLogin, TokenSource } from './auth.ts';
export { tokenSource } from './auth.ts';
export type { ConnectOptions, FlyteRemote } from './client.ts';
export { connectRemote } from './client.ts';
export type { CompileContext } from './compiler-rules.ts';
export { assertWorkflowCompiles, workflowProblems } from './compiler-rules.ts';
export type { AuthType, LoadRemoteConfigOptions, RemoteConfig } from './config.ts';
export { loadRemoteConfig, toBaseUrl } from './config.ts';
export type { RemoteErrorCode } from './errors.ts';
export { RemoteConfigError, RemoteError, VersionConflictError } from './errors.ts';
export type { CreateExecutionRequest, ListExecutionsOptions, WaitOptions } from './executions.ts';
export {
  consoleLink,
  createExecution,
  executionId,
  executionOutputs,
  getExecution,
  isTerminal,
  launchedOutputs,
  listExecutions,
  listNodeExecutions,
  listTaskExecutions,
  terminateExecution,
  waitForExecution,
} from './executions.ts';
export type { CodeBundle } from './fast-package.ts';
export { moduleClosure, packSources, unpackSources } from './fast-package.ts';
export type { PkceEndpoints } from './pkce.ts';
export { defaultTokenCacheDir } from './pkce.ts';
export type { RegistrationResult } from './register.ts';
export { registerLaunchPlan, registerTask, registerWorkflow } from './register.ts';
export type { UploadRequest } from './upload.ts';
export { uploadThroughDataProxy } from './upload.ts';
