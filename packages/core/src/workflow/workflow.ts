/**
 * `workflow(options, body)`: tasks composed in TypeScript. The body receives typed inputs and calls
 * tasks; each call returns a promise at once and may be passed, unawaited, into the next call, so
 * independent tasks run in parallel and dependent ones wait for exactly what they need. Inside a
 * run, every task call goes through the run's executor (cache, retries, backends).
 *
 * To register or serialize it, `kind.workflow()` compiles the body once into a flyteidl
 * WorkflowTemplate (serialize/workflow-template.ts): calls become nodes and promises become
 * bindings. A body that needs a task's value at that point is refused, not run eagerly.
 */
import type { LiteralMap } from '@tflyte/idl/core/literals';
import { TflyteError } from '../errors.ts';
import { compileWorkflow } from '../serialize/workflow-template.ts';
import { markTaskFactoryModule } from '../task/caller-module.ts';
import { defineTask, type Task } from '../task/define-task.ts';
import type { OutputSpec } from '../task/outputs.ts';
import { runBody } from '../task/run-body.ts';
import type { AnyType, FlyteType, Infer, TypeRecord } from '../types/flyte-type.ts';

markTaskFactoryModule(import.meta.url);

export const WORKFLOW_TYPE = 'workflow';

export interface WorkflowOptions<I extends TypeRecord> {
  readonly name?: string;
  readonly inputs?: I;
  readonly docs?: string;
}

type Awaitable<T> = T | PromiseLike<T>;
type WorkflowInputs<I extends TypeRecord> = { [K in keyof I]: Infer<I[K]> };
type TupleOutput<O extends readonly AnyType[]> = { -readonly [K in keyof O]: Awaitable<Infer<O[K]>> };
type RecordOutput<O extends TypeRecord> = { -readonly [K in keyof O]: Awaitable<Infer<O[K]>> };
type NoInputs = Record<never, never>;

// Overloads per output shape, as for task(): plain mapped return types keep contextual typing exact.
export function workflow<const I extends TypeRecord = NoInputs, const O extends readonly [AnyType, AnyType, ...AnyType[]] = never>(
  options: WorkflowOptions<I> & { readonly outputs: O },
  body: (inputs: WorkflowInputs<I>) => Awaitable<TupleOutput<O>>,
): Task<I, O>;
export function workflow<const I extends TypeRecord = NoInputs, T = never>(
  options: WorkflowOptions<I> & { readonly outputs: FlyteType<T> },
  body: (inputs: WorkflowInputs<I>) => Awaitable<T>,
): Task<I, FlyteType<T>>;
export function workflow<const I extends TypeRecord = NoInputs, const O extends TypeRecord = never>(
  options: WorkflowOptions<I> & { readonly outputs: O },
  body: (inputs: WorkflowInputs<I>) => Awaitable<RecordOutput<O>>,
): Task<I, O>;
export function workflow<const I extends TypeRecord = NoInputs>(
  options: WorkflowOptions<I> & { readonly outputs?: undefined },
  body: (inputs: WorkflowInputs<I>) => Awaitable<void>,
): Task<I, undefined>;
export function workflow(options: WorkflowOptions<TypeRecord> & { readonly outputs?: OutputSpec }, body: (inputs: never) => unknown): Task {
  if (typeof body !== 'function') {
    throw new TflyteError('TFLYTE_INVALID_OPTION', 'workflow(options, body): the second argument must be the workflow body');
  }
  const { name, inputs, outputs, ...rest } = options;
  return defineTask({
    name: name ?? (body.name || undefined),
    inputs,
    outputs,
    options: rest,
    ownOptions: [],
    kind: (definition) => ({
      taskType: WORKFLOW_TYPE,
      taskTypeVersion: 0,
      composite: true,
      target: () => {
        throw new TflyteError(
          'TFLYTE_INVALID_OPTION',
          `workflow '${definition.name}' is a WorkflowTemplate, not a TaskTemplate: serialize it with its kind.workflow()`,
        );
      },
      workflow: (serializeOptions) => compileWorkflow(definition, body as (inputs: unknown) => unknown, serializeOptions),
      execute: (literals: LiteralMap) =>
        runBody(definition.name, definition.inputs, definition.outputs, body as (inputs: unknown) => unknown, literals),
    }),
  });
}
