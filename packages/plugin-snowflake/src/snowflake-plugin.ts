/**
 * The `snowflake` task type, defined once: flytekit's SnowflakeTask serialization (no custom, the
 * connection in TaskTemplate.config, a `sql` target) and the snowflake-sdk backend that runs it.
 * `snowflakePlugin(options)` is what tflyte.config.ts registers.
 */
import { type Plugin, definePlugin } from '@tflyte/core';
import type { WebApiHandle } from '@tflyte/warehouse';
import packageJson from '../package.json' with { type: 'json' };
import { type SnowflakeBackendOptions, type SnowflakeHandle, snowflakeBackend } from './backend/snowflake-backend.ts';
import { SNOWFLAKE_TASK_TYPE, SNOWFLAKE_TASK_TYPE_VERSION, type SnowflakeConfig, templateConfig } from './snowflake-template.ts';

let pending: SnowflakeConfig | undefined;
const NO_CUSTOM: SnowflakeConfig = { account: '', user: '', database: '', schema: '', warehouse: '', role: '' };

export type SnowflakePluginOptions = SnowflakeBackendOptions;

export const snowflake = definePlugin<SnowflakeConfig, SnowflakePluginOptions, WebApiHandle<SnowflakeHandle>>({
  taskType: SNOWFLAKE_TASK_TYPE,
  taskTypeVersion: SNOWFLAKE_TASK_TYPE_VERSION,
  packageName: packageJson.name,
  coreVersion: `^${packageJson.dependencies['@tflyte/core']}`,
  target: 'sql',
  // flytekit writes no custom for Snowflake; the config travels in TaskTemplate.config. definePlugin
  // hands templateConfig the config decoded from custom, so the codec carries the config it just
  // encoded across that synchronous round trip (to be replaced when core lets templateConfig see the
  // init config). The backend reads TaskTemplate.config with readTemplate().
  custom: {
    encode: (config) => {
      pending = config;
      return undefined;
    },
    decode: () => {
      const config = pending ?? NO_CUSTOM;
      pending = undefined;
      return config;
    },
  },
  templateConfig,
  backend: (options) => snowflakeBackend(options),
});

export type SnowflakePlugin = Plugin<SnowflakeConfig, WebApiHandle<SnowflakeHandle>>;

/** Registers the `snowflake` task type; see SnowflakePluginOptions for authentication and endpoints. */
export function snowflakePlugin(options: SnowflakePluginOptions = {}): SnowflakePlugin {
  return snowflake.plugin(options);
}
