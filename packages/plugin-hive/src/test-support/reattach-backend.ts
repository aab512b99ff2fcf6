/** How a fresh process builds the Hive backend for the conformance suite's re-attach check: from the plugin's options alone. */
import type { Backend } from '@tflyte/core';
import { type HivePluginOptions, hivePlugin } from '../hive-plugin.ts';

export function hiveBackendFor(options: HivePluginOptions): Backend {
  return hivePlugin(options).backend;
}
