import corePackage from '../../package.json' with { type: 'json' };
import { PluginDuplicateError, PluginNotFoundError, PluginVersionMismatchError } from '../errors.ts';
import type { Plugin } from './define-plugin.ts';
import { knownPluginPackage } from './known-plugins.ts';
import { satisfies } from './semver.ts';
import { validatePlugin } from './validate-plugin.ts';

/** The version of this @tflyte/core, which plugins' `coreVersion` ranges are checked against. */
export const CORE_VERSION: string = corePackage.version;

export interface RegisterOptions {
  /** Replace a plugin already registered for the same (taskType, taskTypeVersion) instead of throwing. */
  readonly override?: boolean;
}

/** Plugins keyed by (taskType, taskTypeVersion), the pair a TaskTemplate carries. */
export interface PluginRegistry {
  /**
   * Validates and adds a plugin. Throws PluginInvalidError for a malformed plugin,
   * PluginVersionMismatchError when its `coreVersion` excludes this core, and PluginDuplicateError
   * when the pair is taken (unless `override`).
   */
  register(plugin: Plugin, options?: RegisterOptions): void;
  /** The plugin for a task type; PluginNotFoundError (naming the package to install) when there is none. */
  resolve(taskType: string, taskTypeVersion?: number): Plugin;
  has(taskType: string, taskTypeVersion?: number): boolean;
  /** Registered plugins, sorted by task type then version. */
  list(): readonly Plugin[];
}

export interface CreateRegistryOptions {
  /** Plugins to register right away, in order. */
  readonly plugins?: readonly Plugin[];
  /** The core version to check `coreVersion` ranges against; defaults to this package's version. */
  readonly coreVersion?: string;
}

export function createRegistry(options: CreateRegistryOptions = {}): PluginRegistry {
  const coreVersion = options.coreVersion ?? CORE_VERSION;
  const plugins = new Map<string, Plugin>();
  const keyOf = (taskType: string, taskTypeVersion: number): string => `${taskType}\u0000${taskTypeVersion}`;

  const registry: PluginRegistry = {
    register(plugin, { override = false } = {}) {
      validatePlugin(plugin);
      if (!satisfies(coreVersion, plugin.coreVersion)) {
        throw new PluginVersionMismatchError(plugin.packageName, plugin.coreVersion, coreVersion);
      }
      const versions = [plugin.taskTypeVersion, ...(plugin.alsoReads ?? [])];
      for (const version of versions) {
        const existing = plugins.get(keyOf(plugin.taskType, version));
        if (existing !== undefined && existing !== plugin && !override) {
          throw new PluginDuplicateError(plugin.taskType, version, existing.packageName, plugin.packageName);
        }
      }
      for (const version of versions) plugins.set(keyOf(plugin.taskType, version), plugin);
    },
    resolve(taskType, taskTypeVersion = 0) {
      const plugin = plugins.get(keyOf(taskType, taskTypeVersion));
      if (plugin !== undefined) return plugin;
      const otherVersions = [...plugins.keys()].filter((k) => k.startsWith(`${taskType}\u0000`)).map((k) => Number(k.split('\u0000')[1]));
      throw new PluginNotFoundError(
        taskType,
        taskTypeVersion,
        knownPluginPackage(taskType),
        otherVersions.sort((a, b) => a - b),
      );
    },
    has(taskType, taskTypeVersion = 0) {
      return plugins.has(keyOf(taskType, taskTypeVersion));
    },
    list() {
      return [...new Set(plugins.values())].sort((a, b) =>
        a.taskType === b.taskType ? a.taskTypeVersion - b.taskTypeVersion : a.taskType < b.taskType ? -1 : 1,
      );
    },
  };
  for (const plugin of options.plugins ?? []) registry.register(plugin);
  return registry;
}
