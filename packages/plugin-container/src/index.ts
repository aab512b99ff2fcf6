// The public API of @tflyte/plugin-container.

export type { ContainerBackend, ContainerBackendOptions, ContainerHandle } from './container-backend.ts';
export { ATTEMPT_LABEL, containerBackend } from './container-backend.ts';
export type { ContainerConfig } from './container-config.ts';
export { containerConfig } from './container-config.ts';
// Running
export { CORE_RANGE, containerPlugin, containerTasks, PACKAGE_NAME } from './container-plugin.ts';
export type { ContainerTaskOptions, ContainerTypeRecord, ContainerValueType, IoStrategy, MetadataFormat } from './container-task.ts';
// Authoring
export { containerTask } from './container-task.ts';
export type {
  ContainerLimits,
  ContainerMount,
  ContainerSpec,
  ContainerSummary,
  DetectedRuntime,
  DetectOptions,
  ImageConfig,
  RunOptions,
  RunResult,
  RuntimeKind,
  RuntimeProbe,
} from './runtime/index.ts';

// The container runtime layer
export {
  ContainerCommandError,
  ContainerRunCancelledError,
  ContainerRuntime,
  ContainerRuntimeUnavailableError,
  ContainerSpecError,
  DEFAULT_TAIL_BYTES,
  detectContainerRuntime,
  ensureBusyboxImage,
  ensureNodeImage,
  ImageUnavailableError,
  MANAGED_LABEL,
  probeContainerRuntime,
  REQUIRE_RUNTIME_ENV_VAR,
  RUNTIME_ENV_VAR,
  runtimeOf,
  TEST_IMAGE_REPOSITORY,
} from './runtime/index.ts';
export { NETWORK_CONFIG_KEY, RAW_CONTAINER_TASK_TYPE } from './task-type.ts';
