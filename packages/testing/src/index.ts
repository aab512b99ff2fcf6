// @tflyte/testing: the kit for testing tasks and plugins without sleeping or a cloud.
// The wire-level servers are separate entry points (`@tflyte/testing/emulator`, `/kubernetes`, `/s3`, `/gcs`) and the backend
// conformance suite is `@tflyte/testing/conformance`,
// so importing the kit does not load DuckDB or the Kubernetes client.

export type { TestAttemptOverrides } from './kit/attempt-context.ts';
export { testAttemptContext } from './kit/attempt-context.ts';
export type { FakeClock, FakeClockOptions } from './kit/fake-clock.ts';
export { createFakeClock } from './kit/fake-clock.ts';
export type {
  HttpJob,
  HttpJobBackendOptions,
  HttpJobHandle,
  HttpJobService,
  HttpJobServiceOptions,
  HttpJobServiceStats,
  JobServiceOperation,
} from './kit/http-job-service.ts';
export { createHttpJobService, httpJobBackend, JOB_SERVICE_OPERATIONS } from './kit/http-job-service.ts';
export type {
  BackendCall,
  InMemoryBackend,
  InMemoryBackendOptions,
  InMemoryHandle,
  InMemorySyncBackend,
  InMemorySyncBackendOptions,
} from './kit/in-memory-backend.ts';
export { createInMemoryBackend, createInMemorySyncBackend } from './kit/in-memory-backend.ts';
export type {
  InMemoryJob,
  JobAdvance,
  JobModel,
  JobModelOptions,
  JobRequest,
  JobScript,
  PhaseName,
  ScriptSource,
  ScriptStep,
} from './kit/job-model.ts';
export { createJobModel, UnknownJobError } from './kit/job-model.ts';
export type { PrimitiveValue, SimpleTypeName, TestTaskOptions } from './kit/task-template.ts';
export { primitiveValues, testLiteralMap, testTaskTemplate } from './kit/task-template.ts';
export type { TestExecutor, TestExecutorOptions } from './kit/test-executor.ts';
export { createTestExecutor } from './kit/test-executor.ts';
