/**
 * `definePlugin`: the single source of a task type. Type, version, the config codec (TaskTemplate
 * `custom` and `config`), the target kind and the default backend are stated once; the plugin's authoring factory
 * (`definition.task`) and its registrable plugin (`definition.plugin(options)`) are both derived
 * from it, so a serialized task and the backend that runs it cannot disagree.
 */
import { create } from '@bufbuild/protobuf';
import type { LiteralMap } from '@tflyte/idl/core/literals';
import { type K8sPod, Sql_Dialect, SqlSchema, type TaskTemplate } from '@tflyte/idl/core/tasks';
import { InvalidOptionError, PluginInvalidError } from '../errors.ts';
import { type ContainerParts, containerTarget } from '../serialize/container.ts';
import { entrypointArgs } from '../serialize/function-target.ts';
import { markTaskFactoryModule } from '../task/caller-module.ts';
import { defineTask, type TargetContext, type Task, type TaskDefinition, type TaskKind } from '../task/define-task.ts';
import type { OutputSpec } from '../task/outputs.ts';
import { runBody } from '../task/run-body.ts';
import type { JsonObject, JsonValue, TypeRecord } from '../types/flyte-type.ts';
import { type ConfigCodec, noConfig } from './config-codec.ts';
import type { Backend, TargetKind } from './contract.ts';
import { runAlone } from './run-alone.ts';

markTaskFactoryModule(import.meta.url);

export interface PluginSpec<Config, Options, Handle extends JsonValue, Init = Config> {
  /** `TaskTemplate.type`, e.g. `presto`, `spark`, `raw-container`. */
  readonly taskType: string;
  /** `TaskTemplate.task_type_version` of the tasks this plugin writes. */
  readonly taskTypeVersion: number;
  /** Older versions whose templates the codec still reads and the backend still runs (e.g. pytorch v0). */
  readonly alsoReads?: readonly number[];
  /** npm package that provides the plugin, named in "install …" hints. */
  readonly packageName: string;
  /** Semver range of @tflyte/core this plugin works with, e.g. `^0.1.0`. */
  readonly coreVersion: string;
  readonly target: TargetKind;
  /** The task config ⇄ TaskTemplate.custom and .config; see `protoCustom`. Default: no config. */
  readonly config?: ConfigCodec<Config, Init>;
  /** The backend that runs this task type when the executor configuration names no other. */
  readonly backend: (options: Options) => Backend<Handle>;
}

/** What the registry holds: one task type (and version) and the backend that runs it. */
export interface Plugin<Config = unknown, Handle extends JsonValue = JsonValue, Init = never> {
  readonly taskType: string;
  readonly taskTypeVersion: number;
  /** Older task type versions the plugin also runs; the registry resolves them to it. */
  readonly alsoReads: readonly number[];
  readonly packageName: string;
  readonly coreVersion: string;
  readonly target: TargetKind;
  readonly config: ConfigCodec<Config, Init>;
  readonly backend: Backend<Handle>;
}

/** The validated task, before its kind is attached: what a config or body may look at. */
export type DefinedTask = Omit<TaskDefinition, 'kind'>;

/** How a task of the plugin's type runs: its target, and for function tasks the function. */
export type TaskBody<Config> =
  /** A TypeScript function, run in-process locally and by `tflyte execute` in a container. */
  | { readonly kind: 'function'; readonly fn: (inputs: never) => unknown }
  /** A query: the statement goes in the `sql` target. */
  | { readonly kind: 'sql'; readonly statement: (config: Config, task: DefinedTask) => string; readonly dialect?: Sql_Dialect }
  /** A container (or pod, with a pod template) that runs a program of the user's. */
  | { readonly kind: 'container'; readonly container: (config: Config, task: DefinedTask) => ContainerParts }
  /** A pod spec of the plugin's own making. */
  | { readonly kind: 'k8sPod'; readonly pod: (config: Config, task: DefinedTask, ctx: TargetContext) => K8sPod };

export interface PluginTaskInit<I extends TypeRecord, O extends OutputSpec, Config, Init = Config> {
  readonly name: string | undefined;
  readonly inputs: I | undefined;
  readonly outputs: O;
  /** The common task options (retries, timeout, cache, …) as the user wrote them; validated here. */
  readonly options: Readonly<Record<string, unknown>>;
  /** Option names of the plugin's own, allowed beside the common ones. */
  readonly ownOptions?: readonly string[];
  /**
   * The task's config, or a function of the validated task that builds it (and throws
   * InvalidOptionError). The body sees it as the backend will: encoded, then decoded.
   */
  readonly config: Init | ((task: DefinedTask) => Init);
  readonly body: TaskBody<Config>;
}

export interface PluginDefinition<Config, Options, Handle extends JsonValue, Init = Config> {
  readonly taskType: string;
  readonly taskTypeVersion: number;
  readonly alsoReads: readonly number[];
  readonly packageName: string;
  readonly coreVersion: string;
  readonly target: TargetKind;
  readonly config: ConfigCodec<Config, Init>;
  /** The registrable plugin for tflyte.config.ts, its backend built with `options`. */
  plugin(...options: {} extends Options ? [options?: Options] : [options: Options]): Plugin<Config, Handle, Init>;
  /** A task of this type; plugin authoring factories (`athenaTask`, `sparkTask`) end here. */
  task<I extends TypeRecord, O extends OutputSpec>(init: PluginTaskInit<I, O, Config, Init>): Task<I, O>;
  /** A serialized task's config, as its backend reads it; throws PluginInvalidError for another task type. */
  configOf(template: TaskTemplate): Config;
}

const TARGET_OF_BODY = { function: ['container', 'k8sPod'], container: ['container', 'k8sPod'], k8sPod: ['k8sPod'], sql: ['sql'] } as const;

export function definePlugin<Config = undefined, Options = Record<never, never>, Handle extends JsonValue = JsonValue, Init = Config>(
  spec: PluginSpec<Config, Options, Handle, Init>,
): PluginDefinition<Config, Options, Handle, Init> {
  const codec = spec.config ?? (noConfig as unknown as ConfigCodec<Config, Init>);
  const alsoReads: readonly number[] = [...(spec.alsoReads ?? [])];
  const versions = new Set([spec.taskTypeVersion, ...alsoReads]);
  const identity = {
    taskType: spec.taskType,
    taskTypeVersion: spec.taskTypeVersion,
    packageName: spec.packageName,
    coreVersion: spec.coreVersion,
    target: spec.target,
    config: codec,
    alsoReads,
  };

  let defaultBackend: Backend<Handle> | undefined;
  const direct = (task: TaskDefinition, literals: LiteralMap): Promise<LiteralMap> =>
    runAlone(task, literals, (defaultBackend ??= spec.backend({} as Options)));

  const kindOf = (task: DefinedTask, init: Init, body: TaskBody<Config>): TaskKind => {
    const allowed: readonly string[] = TARGET_OF_BODY[body.kind];
    if (!allowed.includes(spec.target)) {
      throw new InvalidOptionError(
        task.name,
        'body',
        `a ${body.kind} body cannot make a '${spec.target}' target, which task type '${spec.taskType}' uses`,
      );
    }
    const encoded = codec.encode(init);
    const config = codec.decode(encoded, spec.taskTypeVersion);
    const base = {
      taskType: spec.taskType,
      taskTypeVersion: spec.taskTypeVersion,
      ...(encoded.custom === undefined ? {} : { custom: encoded.custom }),
      ...(encoded.config === undefined ? {} : { templateConfig: encoded.config }),
      ...(body.kind === 'function' ? {} : { direct }),
    };
    switch (body.kind) {
      case 'function':
        return {
          ...base,
          target: (definition, ctx) => containerTarget(definition, ctx, { command: [], args: entrypointArgs(definition) }),
          execute: (literals: LiteralMap) =>
            runBody(task.name, task.inputs, task.outputs, body.fn as (inputs: unknown) => unknown, literals),
        };
      case 'container':
        return { ...base, target: (definition, ctx) => containerTarget(definition, ctx, body.container(config, task)) };
      case 'k8sPod':
        return { ...base, target: (_definition, ctx) => ({ case: 'k8sPod', value: body.pod(config, task, ctx) }) };
      case 'sql': {
        const statement = body.statement(config, task);
        return {
          ...base,
          target: () => ({ case: 'sql', value: create(SqlSchema, { statement, dialect: body.dialect ?? Sql_Dialect.ANSI }) }),
        };
      }
    }
  };

  return {
    ...identity,
    plugin: (...args) => ({ ...identity, backend: spec.backend((args[0] ?? {}) as Options) }),
    task: (init) =>
      defineTask({
        name: init.name,
        inputs: init.inputs,
        outputs: init.outputs,
        options: init.options,
        ownOptions: init.ownOptions ?? [],
        kind: (task) =>
          kindOf(task, typeof init.config === 'function' ? (init.config as (task: DefinedTask) => Init)(task) : init.config, init.body),
      }),
    configOf(template) {
      if (template.type !== spec.taskType || !versions.has(template.taskTypeVersion)) {
        throw new PluginInvalidError(
          spec.packageName,
          'template',
          `is task type '${template.type}' version ${template.taskTypeVersion}; this plugin runs '${spec.taskType}' version ${[...versions].join(', ')}`,
        );
      }
      return codec.decode({ custom: template.custom as JsonObject | undefined, config: template.config }, template.taskTypeVersion);
    },
  };
}
