/**
 * What a connector serves: one entry per task category (task type, version), from the plugins of
 * tflyte.config.ts — with the config's `backends` overrides, as the executor resolves them — and
 * the `Agent` records ListAgents reports (one per plugin package and mode).
 */
import { create } from '@bufbuild/protobuf';
import { type Backend, isSyncBackend, type Plugin } from '@tflyte/core';
import { type Agent, AgentSchema, TaskCategorySchema } from '@tflyte/idl/admin/agent';
import { ConnectorConfigError, ConnectorNotFoundError } from '../errors.ts';
import { Limiter } from './limiter.ts';

export interface ServedCategory {
  readonly taskType: string;
  readonly version: number;
  readonly plugin: Plugin;
  readonly backend: Backend;
  readonly sync: boolean;
  /** Bounds the plugin's concurrent creates; shared by all its categories. */
  readonly creates: Limiter;
}

export interface Catalog {
  resolve(taskType: string, version: number): ServedCategory;
  readonly agents: readonly Agent[];
  readonly categories: readonly ServedCategory[];
}

export function buildCatalog(
  plugins: readonly Plugin[],
  backends: { readonly [taskType: string]: Backend } | undefined,
  maxConcurrentCreates: number,
): Catalog {
  if (plugins.length === 0) throw new ConnectorConfigError('plugins', 'is empty: register at least one plugin in tflyte.config.ts');
  if (!(Number.isInteger(maxConcurrentCreates) && maxConcurrentCreates > 0)) {
    throw new ConnectorConfigError('maxConcurrentCreates', `must be a positive integer, got ${maxConcurrentCreates}`);
  }
  const byKey = new Map<string, ServedCategory>();
  for (const plugin of plugins) {
    const backend = backends?.[plugin.taskType] ?? plugin.backend;
    const creates = new Limiter(maxConcurrentCreates);
    for (const version of [plugin.taskTypeVersion, ...plugin.alsoReads]) {
      const key = `${plugin.taskType}\u0000${version}`;
      const existing = byKey.get(key);
      if (existing !== undefined && existing.plugin !== plugin) {
        throw new ConnectorConfigError(
          'plugins',
          `registers task category ${plugin.taskType}_v${version} twice (${existing.plugin.packageName} and ${plugin.packageName})`,
        );
      }
      byKey.set(key, { taskType: plugin.taskType, version, plugin, backend, sync: isSyncBackend(backend), creates });
    }
  }
  const categories = [...byKey.values()].sort((a, b) =>
    a.taskType === b.taskType ? a.version - b.version : a.taskType < b.taskType ? -1 : 1,
  );
  const groups = new Map<string, ServedCategory[]>();
  for (const c of categories) {
    const name = c.sync ? `${c.plugin.packageName} (sync)` : c.plugin.packageName;
    groups.set(name, [...(groups.get(name) ?? []), c]);
  }
  const agents = [...groups].map(([name, cs]) =>
    create(AgentSchema, {
      name,
      isSync: cs[0]?.sync ?? false,
      supportedTaskTypes: [...new Set(cs.map((c) => c.taskType))],
      supportedTaskCategories: cs.map((c) => create(TaskCategorySchema, { name: c.taskType, version: c.version })),
    }),
  );
  const served = categories.map((c) => `${c.taskType}_v${c.version}`);
  return {
    agents,
    categories,
    resolve(taskType, version) {
      const category = byKey.get(`${taskType}\u0000${version}`);
      if (category === undefined) throw new ConnectorNotFoundError(taskType, version, served);
      return category;
    },
  };
}
