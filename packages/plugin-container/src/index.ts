// The public API of @tflyte/plugin-container.

// Authoring
export { containerTask } from './container-task.ts';
export { RAW_CONTAINER_TASK_TYPE, NETWORK_CONFIG_KEY } from './task-type.ts';
export type { ContainerTaskOptions, ContainerValueType, ContainerTypeRecord, MetadataFormat, IoStrategy } from './container-task.ts';

// Running
export { containerPlugin, containerTasks, PACKAGE_NAME, CORE_RANGE } from './container-plugin.ts';
export { containerConfig } from './container-config.ts';
export type { ContainerConfig } from './container-config.ts';
export { containerBackend, ATTEMPT_LABEL } from './container-backend.ts';
export type { ContainerBackend, ContainerBackendOptions, ContainerHandle } from './container-backend.ts';

// The container runtime layer
export {
  ContainerRuntime,
  DEFAULT_TAIL_BYTES,
  MANAGED_LABEL,
  detectContainerRuntime,
  RUNTIME_ENV_VAR,
  ContainerCommandError,
  ContainerRunCancelledError,
  ContainerRuntimeUnavailableError,
  ContainerSpecError,
  probeContainerRuntime,
  REQUIRE_RUNTIME_ENV_VAR,
  runtimeOf,
  ensureBusyboxImage,
  ensureNodeImage,
  TEST_IMAGE_REPOSITORY,
} from './runtime/index.ts';
export type {
  ContainerSummary,
  ImageConfig,
  RunOptions,
  RunResult,
  ContainerLimits,
  ContainerMount,
  ContainerSpec,
  DetectedRuntime,
  DetectOptions,
  RuntimeKind,
  RuntimeProbe,
} from './runtime/index.ts';
