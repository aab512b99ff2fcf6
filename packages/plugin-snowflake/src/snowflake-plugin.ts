/**
 * The `snowflake` task type, defined once: flytekit's SnowflakeTask serialization (no custom, the
 * connection in TaskTemplate.config, a `sql` target) and the snowflake-sdk backend that runs it.
 * `snowflakePlugin(options)` is what tflyte.config.ts registers.
 */
import { definePlugin, type Plugin } from '@tflyte/core';
import type { WebApiHandle } from '@tflyte/warehouse';
import packageJson from '../package.json' with { type: 'json' };
import { type SnowflakeBackendOptions, type SnowflakeHandle, snowflakeBackend } from './backend/snowflake-backend.ts';
import { SNOWFLAKE_TASK_TYPE, SNOWFLAKE_TASK_TYPE_VERSION, type SnowflakeConfig, snowflakeConfig } from './snowflake-template.ts';

export type SnowflakePluginOptions = SnowflakeBackendOptions;

export const snowflake = definePlugin<SnowflakeConfig, SnowflakePluginOptions, WebApiHandle<SnowflakeHandle>>({
  taskType: SNOWFLAKE_TASK_TYPE,
  taskTypeVersion: SNOWFLAKE_TASK_TYPE_VERSION,
  packageName: packageJson.name,
  coreVersion: `^${packageJson.dependencies['@tflyte/core']}`,
  target: 'sql',
  config: snowflakeConfig,
  backend: (options) => snowflakeBackend(options),
});

export type SnowflakePlugin = Plugin<SnowflakeConfig, WebApiHandle<SnowflakeHandle>>;

/** Registers the `snowflake` task type; see SnowflakePluginOptions for authentication and endpoints. */
export function snowflakePlugin(options: SnowflakePluginOptions = {}): SnowflakePlugin {
  return snowflake.plugin(options);
}
