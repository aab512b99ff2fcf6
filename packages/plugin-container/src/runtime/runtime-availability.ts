import { ContainerRuntime } from './container-runtime.ts';
import type { DetectOptions } from './detect.ts';

export const REQUIRE_RUNTIME_ENV_VAR = 'TFLYTE_REQUIRE_CONTAINER_RUNTIME';

export type RuntimeProbe = { available: true; runtime: ContainerRuntime } | { available: false; reason: string };

/**
 * For test files: finds a container runtime, or explains (console.warn) why container tests will be
 * skipped. Use with `describe.skipIf(!probe.available)`. Setting TFLYTE_REQUIRE_CONTAINER_RUNTIME=1
 * (e.g. in CI) turns a missing runtime into a failure instead of a silent skip.
 */
export async function probeContainerRuntime(options?: DetectOptions): Promise<RuntimeProbe> {
  try {
    return { available: true, runtime: await ContainerRuntime.detect(options) };
  } catch (error) {
    if (process.env[REQUIRE_RUNTIME_ENV_VAR] === '1') throw error;
    const reason = error instanceof Error ? error.message : String(error);
    console.warn(`skipping container-runtime tests: ${reason}`);
    return { available: false, reason };
  }
}

/** The probed runtime inside a `describe.skipIf(!probe.available)` block, where it is known to exist. */
export function runtimeOf(probe: RuntimeProbe): ContainerRuntime {
  if (!probe.available) throw new Error(`no container runtime: ${probe.reason}`);
  return probe.runtime;
}
