export type { ContainerSummary, ImageConfig, RunOptions, RunResult } from './container-runtime.ts';
export { ContainerRuntime, DEFAULT_TAIL_BYTES } from './container-runtime.ts';
export type { ContainerLimits, ContainerMount, ContainerSpec } from './create-args.ts';
export { MANAGED_LABEL } from './create-args.ts';
export type { DetectedRuntime, DetectOptions, RuntimeKind } from './detect.ts';
export { detectContainerRuntime, RUNTIME_ENV_VAR } from './detect.ts';
export {
  ContainerCommandError,
  ContainerRunCancelledError,
  ContainerRuntimeUnavailableError,
  ContainerSpecError,
  ImageUnavailableError,
} from './errors.ts';
export type { RuntimeProbe } from './runtime-availability.ts';
export { probeContainerRuntime, REQUIRE_RUNTIME_ENV_VAR, runtimeOf } from './runtime-availability.ts';
export { ensureBusyboxImage, ensureNodeImage, TEST_IMAGE_REPOSITORY } from './test-images.ts';
