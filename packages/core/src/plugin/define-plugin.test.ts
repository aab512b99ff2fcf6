import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { TaskTemplateSchema } from '@tflyte/idl/core/tasks';
import { PrestoQuerySchema } from '@tflyte/idl/plugins/presto';
import { describe, expect, it } from 'vitest';
import { InvalidOptionError, InvalidSchemaError, PluginInvalidError } from '../errors.ts';
import { createExecutor } from '../executor/executor.ts';
import { taskTemplateToJson, toTaskTemplate } from '../serialize/task-template.ts';
import { executorRunner } from '../session/executor-runner.ts';
import { openStateStore } from '../store/index.ts';
import { loadedTask } from '../task/loaded-tasks.ts';
import { withRunner } from '../task/run-context.ts';
import { t } from '../types/t.ts';
import { protoCustom } from './config-codec.ts';
import type { AttemptContext, SyncBackend } from './contract.ts';
import { definePlugin } from './define-plugin.ts';
import { createRegistry } from './registry.ts';
import { failure, succeeded } from './status.ts';

// A plugin as an author writes one: its config is flyteidl's PrestoQuery, its backend sees what the
// tasks carry. The same definition yields the authoring factory and the registered plugin.
const seen: AttemptContext[] = [];
const presto = protoCustom(PrestoQuerySchema);
const acme = definePlugin({
  taskType: 'presto',
  taskTypeVersion: 0,
  packageName: '@acme/plugin-presto',
  coreVersion: '^0.1.0',
  target: 'sql',
  // PrestoQuery in `custom`, and a setting it has no field for in `config`.
  config: {
    encode: (init: { readonly query: MessageInitShape<typeof PrestoQuerySchema>; readonly routing?: string }) => ({
      custom: presto.encode(init.query).custom,
      config: { 'acme.routing': init.routing ?? 'adhoc' },
    }),
    decode: (encoded, version) => ({ query: presto.decode(encoded, version), routing: encoded.config?.['acme.routing'] ?? 'adhoc' }),
  },
  backend: (options: { readonly answer?: number } = {}): SyncBackend => ({
    name: 'presto-test',
    async do(ctx) {
      seen.push(ctx);
      const config = acme.configOf(ctx.template);
      if (config.query.schema === 'missing')
        return failure('user', false, 'SCHEMA_NOT_FOUND', `schema ${config.query.schema} does not exist`);
      return succeeded(undefined, { message: `${config.query.statement} on ${config.routing} → ${options.answer ?? 0}` });
    },
  }),
});

const count = acme.task({
  name: 'count',
  inputs: { day: t.string() },
  outputs: {},
  options: { retries: 1 },
  config: { query: { statement: 'SELECT count(*) FROM t WHERE day = {{ .inputs.day }}', schema: 'sales' } },
  body: { kind: 'sql', statement: (config) => config.query.statement },
});

describe('definePlugin', () => {
  it('derives the task: type, version, custom (proto3 JSON as flytekit writes it), config and target from one definition', () => {
    const json = taskTemplateToJson(toTaskTemplate(count, { version: 'v1' })) as Record<string, unknown>;
    expect(json).toMatchObject({
      type: 'presto',
      custom: { statement: 'SELECT count(*) FROM t WHERE day = {{ .inputs.day }}', schema: 'sales' },
      config: { 'acme.routing': 'adhoc' },
      sql: { statement: 'SELECT count(*) FROM t WHERE day = {{ .inputs.day }}', dialect: 'ANSI' },
    });
    // Empty proto3 fields are omitted, as MessageToDict omits them.
    expect(json['custom']).not.toHaveProperty('routingGroup');
  });

  it('reads the config back from a serialized task, and refuses a template of another task type', () => {
    const template = toTaskTemplate(count, { version: 'v1' });
    expect(acme.configOf(template)).toMatchObject({
      query: { statement: expect.stringContaining('SELECT count'), schema: 'sales' },
      routing: 'adhoc',
    });
    expect(() => acme.configOf(create(TaskTemplateSchema, { type: 'spark' }))).toThrow(PluginInvalidError);
    expect(() => acme.configOf(create(TaskTemplateSchema, { type: 'presto', custom: { schema: 7 } as never }))).toThrow(InvalidSchemaError);
  });

  it('makes the registrable plugin with the backend built from its options', () => {
    const plugin = acme.plugin({ answer: 42 });
    expect(plugin).toMatchObject({ taskType: 'presto', taskTypeVersion: 0, target: 'sql', packageName: '@acme/plugin-presto' });
    expect(createRegistry({ plugins: [plugin] }).resolve('presto', 0)).toBe(plugin);
  });

  it('runs a direct call of a body-less task through the executor on the plugin’s default backend', async () => {
    seen.length = 0;
    await count({ day: '2026-12-01' });
    expect(seen).toHaveLength(1);
    expect(seen[0]!.template.type).toBe('presto');
    const missing = acme.task({
      name: 'missing',
      inputs: {},
      outputs: {},
      options: { retries: 3 },
      config: { query: { statement: 'SELECT 1', schema: 'missing' } },
      body: { kind: 'sql', statement: (config) => config.query.statement },
    });
    // A permanent failure is not retried, as in any run.
    await expect(missing({})).rejects.toMatchObject({ code: 'TFLYTE_TASK_FAILED', attempts: 1, failure: { code: 'SCHEMA_NOT_FOUND' } });
  });

  it('refuses a body that cannot make the plugin’s target', () => {
    expect(() =>
      acme.task({
        name: 'wrong',
        inputs: {},
        outputs: {},
        options: {},
        config: { query: {} },
        body: { kind: 'container', container: () => ({ command: ['x'], args: [] }) },
      }),
    ).toThrow(InvalidOptionError);
  });

  it('lets a plugin offer a TypeScript function that carries its config', async () => {
    const tagged = definePlugin({
      taskType: 'tagged',
      taskTypeVersion: 2,
      alsoReads: [1],
      packageName: '@acme/plugin-tagged',
      coreVersion: '^0.1.0',
      target: 'container',
      config: presto,
      backend: (): SyncBackend => ({
        name: 'tagged-in-process',
        inProcess: true,
        async do(ctx) {
          const task = loadedTask(ctx.template.id?.name ?? '');
          return succeeded(await task!.kind.execute!(ctx.inputs));
        },
      }),
    });
    const double = tagged.task({
      name: 'double',
      inputs: { x: t.int() },
      outputs: t.int(),
      options: {},
      config: { schema: 'tags' },
      body: { kind: 'function', fn: ({ x }: { x: number }) => x * 2 },
    });
    const json = taskTemplateToJson(toTaskTemplate(double, { version: 'v1', image: 'acme:1' }));
    expect(json).toMatchObject({
      type: 'tagged',
      taskTypeVersion: 2,
      custom: { schema: 'tags' },
      container: { image: 'acme:1', args: expect.arrayContaining(['execute', 'task-name', 'double']) },
    });

    const dir = await mkdtemp(join(tmpdir(), 'tflyte-define-plugin-'));
    const store = openStateStore(dir);
    try {
      const plugin = tagged.plugin();
      const registry = createRegistry({ plugins: [plugin] });
      // The older version resolves to the same plugin.
      expect(registry.resolve('tagged', 1)).toBe(plugin);
      const executor = createExecutor({ registry, store, stateDir: dir });
      expect(await withRunner(executorRunner(executor), () => double({ x: 21 }))).toBe(42);
    } finally {
      store.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
