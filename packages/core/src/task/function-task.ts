/**
 * `task(options, fn)`: a TypeScript function as a Flyte task. Its TaskTemplate has a container
 * target whose args run our entrypoint, and its in-process implementation runs the function on
 * values decoded from Literals, so a local call serializes exactly as a remote run does.
 */
import { TflyteError } from '../errors.ts';
import type { AnyType, FlyteType, Infer, TypeRecord } from '../types/flyte-type.ts';
import { markTaskFactoryModule } from './caller-module.ts';
import type { Task } from './define-task.ts';
import { functionTasks } from './function-plugin.ts';
import type { CommonTaskOptions } from './options.ts';
import type { OutputSpec } from './outputs.ts';

markTaskFactoryModule(import.meta.url);

export { FUNCTION_TASK_TYPE } from './function-plugin.ts';

export interface TaskOptions<I extends TypeRecord> extends CommonTaskOptions {
  /** Defaults to the function's name. */
  readonly name?: string;
  readonly inputs?: I;
}

/** The function receives every input, defaults filled in. */
export type TaskFunctionInputs<I extends TypeRecord> = { [K in keyof I]: Infer<I[K]> };

type Awaitable<T> = T | Promise<T>;
type TupleOutput<O extends readonly AnyType[]> = { -readonly [K in keyof O]: Infer<O[K]> };
type RecordOutput<O extends TypeRecord> = { -readonly [K in keyof O]: Infer<O[K]> };
type NoInputs = Record<never, never>;

// One overload per output shape: each states the function's return type as a plain mapped type,
// which TypeScript can use to type the function's `return [a, b]` as a tuple and keep literal types.

/** A tuple of outputs, named `o0`, `o1`, …; the function returns a tuple. */
export function task<const I extends TypeRecord = NoInputs, const O extends readonly [AnyType, AnyType, ...AnyType[]] = never>(
  options: TaskOptions<I> & { readonly outputs: O },
  fn: (inputs: TaskFunctionInputs<I>) => Awaitable<TupleOutput<O>>,
): Task<I, O>;
/** One output, named `o0`; the function returns it. */
export function task<const I extends TypeRecord = NoInputs, T = never>(
  options: TaskOptions<I> & { readonly outputs: FlyteType<T> },
  fn: (inputs: TaskFunctionInputs<I>) => Awaitable<T>,
): Task<I, FlyteType<T>>;
/** Named outputs; the function returns an object with those names. */
export function task<const I extends TypeRecord = NoInputs, const O extends TypeRecord = never>(
  options: TaskOptions<I> & { readonly outputs: O },
  fn: (inputs: TaskFunctionInputs<I>) => Awaitable<RecordOutput<O>>,
): Task<I, O>;
/** No outputs. */
export function task<const I extends TypeRecord = NoInputs>(
  options: TaskOptions<I> & { readonly outputs?: undefined },
  fn: (inputs: TaskFunctionInputs<I>) => Awaitable<void>,
): Task<I, undefined>;
export function task(options: TaskOptions<TypeRecord> & { readonly outputs?: OutputSpec }, fn: (inputs: never) => unknown): Task {
  if (typeof fn !== 'function') {
    throw new TflyteError('TFLYTE_INVALID_OPTION', 'task(options, fn): the second argument must be the task function');
  }
  const { name, inputs, outputs, ...rest } = options;
  return functionTasks.task({
    name: name ?? (fn.name || undefined),
    inputs,
    outputs,
    options: rest,
    config: undefined,
    body: { kind: 'function', fn },
  });
}
