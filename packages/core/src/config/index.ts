export type { TflyteConfig } from './define-config.ts';
export { defineConfig, validateConfig } from './define-config.ts';
export type { LoadedConfig } from './load-config.ts';
export { CONFIG_FILES, DEFAULT_STATE_DIR, findConfigFile, loadConfig } from './load-config.ts';
