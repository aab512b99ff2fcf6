/**
 * The task object every task kind shares. `task()` (function tasks) and plugin factories
 * (`athenaTask()`, `containerTask()`) all end here: they supply a task type, custom config and a
 * target; this module supplies naming, interface, options, keyword-call checking and the call path.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { LiteralMap } from '@tflyte/idl/core/literals';
import type { TaskTemplate } from '@tflyte/idl/core/tasks';
import { describeValue, InvalidInputError, InvalidOptionError, TflyteError, TypeMismatchError } from '../errors.ts';
import type { CompiledWorkflow, WorkflowSerializeOptions } from '../serialize/workflow-template.ts';
import { isFlyteType } from '../types/base.ts';
import type { AnyType, InferInputs, JsonObject, TypeRecord } from '../types/flyte-type.ts';
import { fromLiteralMap, toLiteralMap } from '../types/literal-map.ts';
import { type DefinitionSite, findDefinitionSite, markTaskFactoryModule } from './caller-module.ts';
import { rememberTask } from './loaded-tasks.ts';
import { type NormalizedOptions, normalizeOptions } from './options.ts';
import { type InferOutput, type NormalizedOutputs, normalizeOutputs, type OutputSpec, unpackOutputs } from './outputs.ts';
import { currentRunner } from './run-context.ts';

markTaskFactoryModule(import.meta.url);

const TASK = Symbol.for('tflyte.task');

/** What serialization knows when it builds a target: the default image for tasks that set none. */
export interface TargetContext {
  readonly image: string | undefined;
}

export type TaskTarget = TaskTemplate['target'];

/** Everything a task kind contributes. */
export interface TaskKind {
  readonly taskType: string;
  readonly taskTypeVersion: number;
  readonly custom?: JsonObject | undefined;
  readonly templateConfig?: Readonly<Record<string, string>>;
  /** Builds TaskTemplate.target (container, k8sPod or sql). */
  readonly target: (task: TaskDefinition, ctx: TargetContext) => TaskTarget;
  /** In-process implementation, for kinds that have one (function tasks). */
  readonly execute?: (inputs: LiteralMap) => Promise<LiteralMap>;
  /** How a direct call outside any run executes a task without an in-process implementation (its plugin's default backend). */
  readonly direct?: (task: TaskDefinition, inputs: LiteralMap) => Promise<LiteralMap>;
  /**
   * Composites (workflows, map tasks) run `execute` in the caller, not through the runner: their
   * body only schedules other tasks, and those calls go through the runner one by one.
   */
  readonly composite?: boolean;
  /**
   * Workflows: the body compiled into a flyteidl WorkflowSpec with its default launch plan and the
   * tasks its nodes run (serialize/workflow-template.ts). Async because an async body is awaited.
   */
  readonly workflow?: (options: WorkflowSerializeOptions) => Promise<CompiledWorkflow>;
  /** Map tasks: what a workflow's ArrayNode for this task holds. */
  readonly array?: ArrayKind;
}

/** A map task as an ArrayNode needs it: the task run per element and the array's limits. */
export interface ArrayKind {
  readonly task: TaskDefinition;
  /** Flyte's parallelism. */
  readonly concurrency: number;
  readonly minSuccessRatio: number;
  /** Inputs fixed for every element, as literals. */
  readonly bound: LiteralMap;
}

/**
 * While a workflow body is compiled, task calls bind instead of running: `bind` records a node and
 * returns the promise of its outputs, which later calls take as inputs (flytekit's Promise).
 */
export interface CallBinder {
  bind(task: TaskDefinition, args: readonly unknown[]): PromiseLike<unknown>;
}

const binders = new AsyncLocalStorage<CallBinder>();

/** Runs `fn` (a workflow body, and what it awaits) with every task call going to `binder`. */
export function withCallBinder<T>(binder: CallBinder, fn: () => T): T {
  return binders.run(binder, fn);
}

/** The data half of a task: what serialization, the executor and the CLI read. */
export interface TaskDefinition<I extends TypeRecord = TypeRecord, O extends OutputSpec = OutputSpec> {
  /** Flyte name: `<module>.<shortName>`, e.g. `examples.basics.mean`. */
  readonly name: string;
  readonly shortName: string;
  readonly site: DefinitionSite;
  readonly inputs: I;
  readonly outputSpec: O;
  readonly outputs: NormalizedOutputs;
  readonly options: NormalizedOptions;
  readonly kind: TaskKind;
}

/**
 * A call's inputs: each value may also be a promise of one, so tasks compose by passing one call's
 * pending result straight into the next; independent calls then run in parallel.
 */
export type Bindable<T> = { [K in keyof T]: T[K] | PromiseLike<T[K]> };

/**
 * A task: call it with one keyword object; it also carries its definition. Plain `Task` (no type
 * arguments) is any task: its call takes `never`, so every specific task is assignable to it.
 */
export type Task<I extends TypeRecord = TypeRecord, O extends OutputSpec = OutputSpec> = ((
  inputs: string extends keyof I ? never : Bindable<InferInputs<I>>,
) => Promise<InferOutput<O>>) &
  TaskDefinition<I, O> & { readonly [TASK]: true };

export interface DefineTaskInit<I extends TypeRecord, O extends OutputSpec> {
  readonly name: string | undefined;
  readonly inputs: I | undefined;
  readonly outputs: O;
  /** The raw options object, validated here; `ownOptions` are the kind's extra option names. */
  readonly options: Readonly<Record<string, unknown>>;
  readonly ownOptions: readonly string[];
  readonly kind: TaskKind | ((definition: Omit<TaskDefinition<I, O>, 'kind'>) => TaskKind);
}

const NAME = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

export function defineTask<I extends TypeRecord, O extends OutputSpec>(init: DefineTaskInit<I, O>): Task<I, O> {
  const site = findDefinitionSite();
  const shortName = init.name;
  if (shortName === undefined || shortName === '') {
    throw new InvalidOptionError('(unnamed)', 'name', 'is required: pass { name: "…" } or define the task with a named function');
  }
  if (!NAME.test(shortName)) {
    throw new InvalidOptionError(
      shortName,
      'name',
      'must be an identifier (letters, digits, _ or $), as it is looked up as an export of its module',
    );
  }
  const module = site?.module ?? 'main';
  const name = `${module}.${shortName}`;
  const inputs = (init.inputs ?? {}) as I;
  for (const [key, type] of Object.entries(inputs)) {
    if (!isFlyteType(type)) throw new InvalidOptionError(name, `inputs.${key}`, 'is not a tflyte type (use t.int(), t.float(), …)');
  }
  let outputs: NormalizedOutputs;
  try {
    outputs = normalizeOutputs(init.outputs);
  } catch (error) {
    throw new InvalidOptionError(name, 'outputs', (error as Error).message);
  }
  const options = normalizeOptions(name, init.options, init.ownOptions, Object.keys(inputs));
  const partial = {
    name,
    shortName,
    site: site ?? { file: '', root: process.cwd(), module },
    inputs,
    outputSpec: init.outputs,
    outputs,
    options,
  };
  const kind = typeof init.kind === 'function' ? init.kind(partial) : init.kind;
  const definition: TaskDefinition<I, O> = { ...partial, kind };
  if (kind.execute && !kind.composite) rememberTask(definition as unknown as TaskDefinition);

  const run = async (args: readonly unknown[]): Promise<InferOutput<O>> => {
    const values = checkCall(definition, await resolveBindings(args));
    const literals = toLiteralMap(inputs, values);
    const result =
      kind.composite && kind.execute
        ? await kind.execute(literals)
        : await currentRunner().runTask(definition as unknown as TaskDefinition, literals);
    return unpackOutputs(outputs, fromLiteralMap(outputs.types, result)) as InferOutput<O>;
  };
  // Not async: while compiling, the binder's promise must reach the body as it is, not wrapped in a Promise that would await it.
  const call = (...args: unknown[]): PromiseLike<InferOutput<O>> => {
    const binder = binders.getStore();
    return binder ? (binder.bind(definition as unknown as TaskDefinition, args) as PromiseLike<InferOutput<O>>) : run(args);
  };
  // A function's own `name` is read-only to assignment; define it as the task's Flyte name.
  const { name: _, ...rest } = definition;
  Object.defineProperty(call, 'name', { value: name, enumerable: true });
  return Object.assign(call, rest, { [TASK]: true as const }) as unknown as Task<I, O>;
}

/** Awaits promise-valued inputs of a keyword call; anything else passes through to checkCall. */
async function resolveBindings(args: readonly unknown[]): Promise<readonly unknown[]> {
  const [arg] = args;
  if (args.length !== 1 || typeof arg !== 'object' || arg === null || Array.isArray(arg) || arg instanceof Date) return args;
  const entries = await Promise.all(Object.entries(arg).map(async ([k, v]) => [k, await v] as const));
  return [Object.fromEntries(entries)];
}

export function isTask(value: unknown): value is Task {
  return typeof value === 'function' && (value as unknown as Record<symbol, unknown>)[TASK] === true;
}

/**
 * Checks a call's arguments against the inputs: exactly one keyword object, no unknown keys, every
 * required input present and well-typed. Fills defaults. Errors name the task and the field.
 */
export function checkCall(task: Pick<TaskDefinition, 'name' | 'inputs'>, args: readonly unknown[]): Record<string, unknown> {
  const names = Object.keys(task.inputs);
  const [arg] = args;
  const isKeywordObject = args.length === 1 && typeof arg === 'object' && arg !== null && !Array.isArray(arg) && !(arg instanceof Date);
  if (!isKeywordObject && !(args.length === 0 && names.length === 0)) {
    throw new InvalidInputError(
      task.name,
      undefined,
      `takes one keyword object, e.g. ${task.name.split('.').pop()}({ ${names.map((n) => `${n}: …`).join(', ')} }); ` +
        `got ${args.length === 1 ? describeValue(arg) : `${args.length} arguments`}`,
    );
  }
  const given = (arg ?? {}) as Record<string, unknown>;
  const values: Record<string, unknown> = {};
  for (const key of Object.keys(given)) {
    if (!(key in task.inputs)) {
      throw new InvalidInputError(task.name, key, `is not an input of this task; inputs are: ${names.join(', ') || '(none)'}`);
    }
  }
  for (const [key, type] of Object.entries(task.inputs) as [string, AnyType][]) {
    if (given[key] === undefined) {
      if (type.defaultValue === undefined) {
        throw new InvalidInputError(task.name, key, `is required (${type.display}) but was not given`);
      }
      values[key] = type.defaultValue.value;
      continue;
    }
    try {
      values[key] = type.check(given[key], key);
    } catch (error) {
      if (error instanceof TypeMismatchError) {
        const problem = error.path === key ? error.message.slice(key.length + 2) : error.message;
        throw new InvalidInputError(task.name, key, problem, { cause: error });
      }
      throw error;
    }
  }
  return values;
}

/** A failure inside a task's own code, with the task named. */
export class TaskExecutionError extends TflyteError {
  readonly task: string;
  constructor(task: string, cause: unknown) {
    super('TFLYTE_TASK_FAILED', `task '${task}' failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.task = task;
  }
}
