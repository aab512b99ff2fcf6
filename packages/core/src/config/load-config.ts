import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError } from '../errors.ts';
import { type TflyteConfig, validateConfig } from './define-config.ts';

/** Config file names, in the order they are looked for in each directory. */
export const CONFIG_FILES = ['tflyte.config.ts', 'tflyte.config.mts', 'tflyte.config.js', 'tflyte.config.mjs'] as const;

/** The default state directory, relative to the project directory. */
export const DEFAULT_STATE_DIR = '.tflyte';

export interface LoadedConfig {
  readonly config: TflyteConfig;
  /** The config file, or undefined when none was found and defaults apply. */
  readonly path: string | undefined;
  /** The config file's directory, or the starting directory when there is none. */
  readonly projectDir: string;
  /** Absolute state directory (`stateDir` resolved from projectDir). */
  readonly stateDir: string;
}

/** The nearest config file at or above `cwd`, or undefined. */
export function findConfigFile(cwd: string): string | undefined {
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    for (const name of CONFIG_FILES) {
      const candidate = join(dir, name);
      if (existsSync(candidate)) return candidate;
    }
    if (dirname(dir) === dir) return undefined;
  }
}

/**
 * Finds tflyte.config.{ts,mts,js,mjs} walking up from `cwd` and imports it (Node 24 runs .ts
 * natively by stripping types). Without a config file, defaults apply: no plugins, `.tflyte` in cwd.
 */
export async function loadConfig(cwd: string = process.cwd()): Promise<LoadedConfig> {
  const path = findConfigFile(cwd);
  if (path === undefined) {
    const projectDir = resolve(cwd);
    return { config: { plugins: [] }, path, projectDir, stateDir: join(projectDir, DEFAULT_STATE_DIR) };
  }
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (error) {
    throw new ConfigError(path, undefined, `cannot be imported: ${(error as Error).message}`, { cause: error });
  }
  const config = mod['default'];
  validateConfig(config, path);
  const projectDir = dirname(path);
  return { config, path, projectDir, stateDir: resolve(projectDir, config.stateDir ?? DEFAULT_STATE_DIR) };
}
