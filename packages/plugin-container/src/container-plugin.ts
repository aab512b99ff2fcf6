/** The raw-container plugin: flytekit's ContainerTask type, run locally in podman or docker. */
import { type Plugin, definePlugin } from '@tflyte/core';
import { type ContainerBackendOptions, type ContainerHandle, containerBackend } from './container-backend.ts';
import { RAW_CONTAINER_TASK_TYPE } from './task-type.ts';

export const PACKAGE_NAME = '@tflyte/plugin-container';
/** The @tflyte/core versions this plugin is built for. */
export const CORE_RANGE = '^0.1.0';

/** Register it in tflyte.config.ts: `plugins: [containerPlugin()]`. Container tasks have no custom config. */
export function containerPlugin(options: ContainerBackendOptions = {}): Plugin<undefined, ContainerHandle> {
  return definePlugin({
    taskType: RAW_CONTAINER_TASK_TYPE,
    taskTypeVersion: 0,
    packageName: PACKAGE_NAME,
    coreVersion: CORE_RANGE,
    target: 'container',
    backend: containerBackend(options),
  });
}
