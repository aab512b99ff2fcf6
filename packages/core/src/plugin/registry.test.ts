import { TaskExecution_Phase } from '@tflyte/idl/core/execution';
import { describe, expect, it } from 'vitest';
import { PluginDuplicateError, PluginInvalidError, PluginNotFoundError, PluginVersionMismatchError, TflyteError } from '../errors.ts';
import type { AsyncBackend } from './contract.ts';
import { definePlugin, type Plugin } from './define-plugin.ts';
import { CORE_VERSION, createRegistry } from './registry.ts';

const backend: AsyncBackend<{ id: string }> = {
  name: 'noop',
  handleVersion: 1,
  create: async (ctx) => ({ id: ctx.generatedName }),
  get: async () => ({ phase: TaskExecution_Phase.SUCCEEDED }),
  delete: async () => {},
};

function plugin(overrides: Partial<Plugin<{ query: string }, { id: string }>> = {}): Plugin<{ query: string }, { id: string }> {
  const defined = definePlugin({
    taskType: 'presto',
    taskTypeVersion: 0,
    packageName: '@tflyte/plugin-athena',
    coreVersion: '^0.1.0',
    target: 'sql',
    config: {
      encode: (config: { query: string }) => ({ custom: { query: config.query } }),
      decode: ({ custom }) => ({ query: String(custom?.['query'] ?? '') }),
    },
    backend: () => backend,
  });
  return { ...defined.plugin(), ...overrides };
}

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('createRegistry', () => {
  it('resolves a registered plugin by (taskType, taskTypeVersion), version 0 by default', () => {
    const registry = createRegistry();
    const p = plugin();
    registry.register(p);
    expect(registry.resolve('presto')).toBe(p);
    expect(registry.resolve('presto', 0)).toBe(p);
    expect(registry.has('presto', 1)).toBe(false);
  });

  it('keeps several versions of one task type apart', () => {
    const v0 = plugin();
    const v1 = plugin({ taskTypeVersion: 1 });
    const registry = createRegistry({ plugins: [v1, v0] });
    expect(registry.resolve('presto', 1)).toBe(v1);
    expect(registry.list()).toEqual([v0, v1]);
  });

  it('rejects a second plugin for the same pair with PluginDuplicateError', () => {
    const registry = createRegistry({ plugins: [plugin()] });
    const error = catchError(() => registry.register(plugin({ packageName: '@acme/presto' })));
    expect(error).toBeInstanceOf(PluginDuplicateError);
    expect(error).toMatchObject({ code: 'TFLYTE_PLUGIN_DUPLICATE', taskType: 'presto', taskTypeVersion: 0 });
    expect((error as Error).message).toContain('@tflyte/plugin-athena');
    expect((error as Error).message).toContain('override: true');
  });

  it('replaces the plugin when registered with { override: true }', () => {
    const registry = createRegistry({ plugins: [plugin()] });
    const replacement = plugin({ packageName: '@acme/presto' });
    registry.register(replacement, { override: true });
    expect(registry.resolve('presto')).toBe(replacement);
    expect(registry.list()).toHaveLength(1);
  });

  it("checks the plugin's coreVersion range against this core's package version", () => {
    expect(CORE_VERSION).toMatch(/^\d+\.\d+\.\d+/);
    const registry = createRegistry();
    registry.register(plugin({ coreVersion: `>=${CORE_VERSION}` }));
    expect(() => registry.register(plugin({ taskType: 'spark', coreVersion: '^99.0.0' }))).toThrow(PluginVersionMismatchError);
    const error = catchError(() => createRegistry({ coreVersion: '2.0.0' }).register(plugin({ coreVersion: '^1.2.0' })));
    expect(error).toMatchObject({ code: 'TFLYTE_PLUGIN_VERSION_MISMATCH', range: '^1.2.0', coreVersion: '2.0.0' });
    expect((error as Error).message).toContain('@tflyte/plugin-athena requires @tflyte/core ^1.2.0, but 2.0.0 is installed');
  });

  it('names the npm package to install for a known task type that is not registered', () => {
    const expectations: Record<string, string> = {
      presto: '@tflyte/plugin-athena',
      bigquery_query_job_task: '@tflyte/plugin-bigquery',
      snowflake: '@tflyte/plugin-snowflake',
      hive: '@tflyte/plugin-hive',
      spark: '@tflyte/plugin-spark',
      pytorch: '@tflyte/plugin-pytorch',
      'raw-container': '@tflyte/plugin-container',
    };
    const registry = createRegistry();
    for (const [taskType, packageName] of Object.entries(expectations)) {
      const error = catchError(() => registry.resolve(taskType));
      expect(error).toBeInstanceOf(PluginNotFoundError);
      expect(error).toMatchObject({ code: 'TFLYTE_PLUGIN_NOT_FOUND', taskType, packageName });
      expect((error as Error).message).toContain(`install ${packageName}`);
    }
  });

  it('says which versions exist when only the version is missing, and stays generic for unknown types', () => {
    const registry = createRegistry({ plugins: [plugin()] });
    expect(() => registry.resolve('presto', 3)).toThrow(/registered versions of 'presto': 0/);
    expect(() => registry.resolve('my-type')).toThrow(/no plugin for task type 'my-type' version 0: register a plugin/);
    const error = catchError(() => registry.resolve('my-type'));
    expect(error).toBeInstanceOf(TflyteError);
    expect((error as PluginNotFoundError).packageName).toBeUndefined();
  });

  it('validates the shape of a plugin at registration, naming the field', () => {
    const registry = createRegistry();
    const cases: ReadonlyArray<readonly [Record<string, unknown>, string]> = [
      [{ taskType: '' }, 'taskType'],
      [{ taskTypeVersion: -1 }, 'taskTypeVersion'],
      [{ taskTypeVersion: 1.5 }, 'taskTypeVersion'],
      [{ packageName: undefined }, 'packageName'],
      [{ coreVersion: undefined }, 'coreVersion'],
      [{ coreVersion: 'not a range' }, 'coreVersion'],
      [{ target: 'pod' }, 'target'],
      [{ config: { encode: 'x' } }, 'config'],
      [{ alsoReads: [-1] }, 'alsoReads'],
      [{ backend: { ...backend, statusChecks: { maxFailures: -1 } } }, 'backend.statusChecks.maxFailures'],
      [{ backend: undefined }, 'backend'],
      [{ backend: { ...backend, name: '' } }, 'backend.name'],
      [{ backend: { ...backend, handleVersion: '1' } }, 'backend.handleVersion'],
      [{ backend: { ...backend, get: undefined } }, 'backend.get'],
      [{ backend: { ...backend, watch: 1 } }, 'backend.watch'],
      [{ backend: { ...backend, poll: { initialMs: 0, multiplier: 2, maxMs: 10 } } }, 'backend.poll.initialMs'],
      [{ backend: { ...backend, poll: { initialMs: 10, multiplier: 0.5, maxMs: 10 } } }, 'backend.poll.multiplier'],
      [{ backend: { ...backend, poll: { initialMs: 10, multiplier: 2, maxMs: 5 } } }, 'backend.poll.maxMs'],
    ];
    for (const [overrides, field] of cases) {
      const error = catchError(() => registry.register({ ...plugin(), ...overrides } as unknown as Plugin));
      expect(error, field).toBeInstanceOf(PluginInvalidError);
      expect(error, field).toMatchObject({ code: 'TFLYTE_PLUGIN_INVALID', field });
    }
    expect(() => registry.register(null as unknown as Plugin)).toThrow(PluginInvalidError);
    expect(registry.list()).toEqual([]);
  });
});
