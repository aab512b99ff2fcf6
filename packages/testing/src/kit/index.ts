export { createFakeClock } from './fake-clock.ts';
export type { FakeClock, FakeClockOptions } from './fake-clock.ts';
export { createInMemoryBackend } from './in-memory-backend.ts';
export type {
  BackendCall,
  InMemoryBackend,
  InMemoryBackendOptions,
  InMemoryHandle,
  InMemoryJob,
  JobScript,
  PhaseName,
  ScriptSource,
  ScriptStep,
} from './in-memory-backend.ts';
export { primitiveValues, testLiteralMap, testTaskTemplate } from './task-template.ts';
export type { PrimitiveValue, SimpleTypeName, TestTaskOptions } from './task-template.ts';
export { createHttpJobService, httpJobBackend } from './http-job-service.ts';
export type { HttpJob, HttpJobBackendOptions, HttpJobHandle, HttpJobService, HttpJobServiceStats } from './http-job-service.ts';
export { createTestExecutor } from './test-executor.ts';
export type { TestExecutor, TestExecutorOptions } from './test-executor.ts';
