/** The raw-container plugin: flytekit's ContainerTask type, run locally in podman or docker. */
import { definePlugin } from '@tflyte/core';
import containerPackage from '../package.json' with { type: 'json' };
import { type ContainerBackendOptions, type ContainerHandle, containerBackend } from './container-backend.ts';
import { type ContainerConfig, containerConfig } from './container-config.ts';
import { RAW_CONTAINER_TASK_TYPE } from './task-type.ts';

export const PACKAGE_NAME = containerPackage.name;
/** The @tflyte/core versions this plugin is built for: from its own dependency, so a release that versions both keeps them in step. */
export const CORE_RANGE = `^${containerPackage.dependencies['@tflyte/core']}`;

/** The single definition of raw-container tasks; `containerTask` and `containerPlugin` derive from it. */
export const containerTasks = definePlugin<ContainerConfig, ContainerBackendOptions, ContainerHandle>({
  taskType: RAW_CONTAINER_TASK_TYPE,
  taskTypeVersion: 0,
  packageName: PACKAGE_NAME,
  coreVersion: CORE_RANGE,
  target: 'container',
  config: containerConfig,
  backend: (options) => containerBackend(options),
});

/** Register it in tflyte.config.ts: `plugins: [containerPlugin()]`. */
export const containerPlugin = (options: ContainerBackendOptions = {}) => containerTasks.plugin(options);
