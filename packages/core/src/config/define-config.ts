import { ConfigError, PluginInvalidError } from '../errors.ts';
import type { Backend } from '../plugin/contract.ts';
import type { Plugin } from '../plugin/define-plugin.ts';
import { validateBackend } from '../plugin/validate-plugin.ts';
import type { ObjectStore } from '../storage/object-store.ts';

/** What `tflyte.config.ts` exports (through defineConfig). */
export interface TflyteConfig {
  /** Plugins to register, e.g. `[athena(), container()]`. */
  readonly plugins: readonly Plugin[];
  /** Run these task types on another backend than their plugin's own, keyed by TaskTemplate.type. */
  readonly backends?: { readonly [taskType: string]: Backend };
  /** Where the state store and per-attempt files live; relative paths are resolved from the config's directory. Default `.tflyte`. */
  readonly stateDir?: string;
  /** How many SYSTEM failures a task may retry (Flyte's max-node-retries-system-failures). Default 3. */
  readonly systemRetries?: number;
  readonly storage?: {
    /** Object stores for more URI schemes (s3://, gs://); `file://` is built in. */
    readonly stores?: readonly ObjectStore[];
    /** Prefix for raw output data (query results, files); default `<stateDir>/runs/...`. */
    readonly rawOutputPrefix?: string;
  };
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Identity helper for tflyte.config.ts: gives editors the types and checks the shape once. */
export function defineConfig<const C extends TflyteConfig>(config: C): C {
  validateConfig(config);
  return config;
}

/** Throws ConfigError naming the field that is wrong; `path` is the config file, when known. */
export function validateConfig(value: unknown, path?: string): asserts value is TflyteConfig {
  const fail = (field: string | undefined, problem: string, cause?: unknown): never => {
    throw new ConfigError(path, field, problem, cause === undefined ? undefined : { cause });
  };
  if (!isObject(value)) fail(undefined, 'must export (as default) an object built with defineConfig({ plugins: [...] })');
  const config = value as Record<string, unknown>;
  const known = new Set(['plugins', 'backends', 'stateDir', 'systemRetries', 'storage']);
  for (const key of Object.keys(config)) if (!known.has(key)) fail(key, `is not a config field (known: ${[...known].join(', ')})`);
  if (!Array.isArray(config['plugins'])) fail('plugins', 'must be an array of plugins, e.g. plugins: [athena()]');
  (config['plugins'] as unknown[]).forEach((plugin, i) => {
    if (!isObject(plugin) || typeof plugin['taskType'] !== 'string') fail(`plugins[${i}]`, 'must be a plugin built with definePlugin()');
  });
  const backends = config['backends'];
  if (backends !== undefined) {
    if (!isObject(backends)) fail('backends', 'must map task types to backends, e.g. { spark: kubernetesPod() }');
    for (const [taskType, backend] of Object.entries(backends as Record<string, unknown>)) {
      try {
        validateBackend(backend, 'config', `backends.${taskType}`);
      } catch (error) {
        if (error instanceof PluginInvalidError) fail(error.field, error.message.replace(/^plugin config: '[^']*' /, ''), error);
        throw error;
      }
    }
  }
  if (config['stateDir'] !== undefined && (typeof config['stateDir'] !== 'string' || config['stateDir'] === '')) {
    fail('stateDir', 'must be a non-empty path');
  }
  const systemRetries = config['systemRetries'];
  if (systemRetries !== undefined && (typeof systemRetries !== 'number' || !Number.isInteger(systemRetries) || systemRetries < 0)) {
    fail('systemRetries', 'must be a non-negative integer');
  }
  const storage = config['storage'];
  if (storage !== undefined) {
    if (!isObject(storage)) fail('storage', 'must be { stores?, rawOutputPrefix? }');
    const s = storage as Record<string, unknown>;
    if (s['stores'] !== undefined) {
      if (!Array.isArray(s['stores'])) fail('storage.stores', 'must be an array of object stores');
      (s['stores'] as unknown[]).forEach((store, i) => {
        const ok =
          isObject(store) && Array.isArray(store['schemes']) && typeof store['get'] === 'function' && typeof store['put'] === 'function';
        if (!ok) fail(`storage.stores[${i}]`, 'must be an object store with schemes, get and put');
      });
    }
    if (s['rawOutputPrefix'] !== undefined && (typeof s['rawOutputPrefix'] !== 'string' || s['rawOutputPrefix'] === '')) {
      fail('storage.rawOutputPrefix', 'must be a non-empty URI or path');
    }
  }
}
