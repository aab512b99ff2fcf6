/**
 * `mapTask(task, options)`: run one task over lists, Flyte's map task (ArrayNode). Each unbound input
 * becomes a list; element i of every list makes the i-th call. `bound` inputs are fixed for all
 * calls. The current runner runs the elements as one array (`runMap`) with at most `concurrency` in
 * flight; with `minSuccessRatio` below 1, failed elements become null as long as enough succeed.
 */
import { create } from '@bufbuild/protobuf';
import { type Literal, LiteralCollectionSchema, type LiteralMap, LiteralMapSchema, LiteralSchema } from '@tflyte/idl/core/literals';
import { InvalidInputError, InvalidOptionError, TflyteError } from '../errors.ts';
import type { ArrayElements, ElementResult } from '../executor/run-elements.ts';
import { markTaskFactoryModule } from '../task/caller-module.ts';
import { checkCall, defineTask, type Task } from '../task/define-task.ts';
import { currentRunner, runMapByTask } from '../task/run-context.ts';
import type { AnyType, FlyteType, Infer, InferInputs, TypeRecord } from '../types/flyte-type.ts';
import { toLiteralMap } from '../types/literal-map.ts';
import { t } from '../types/t.ts';

markTaskFactoryModule(import.meta.url);

export const DEFAULT_MAP_CONCURRENCY = 256;

export interface MapTaskOptions<B> {
  readonly name?: string;
  /** Calls in flight at once (Flyte's parallelism). */
  readonly concurrency?: number;
  /** Fraction of elements that must succeed, in (0, 1]; below 1, failed elements become null. */
  readonly minSuccessRatio?: number;
  /** Inputs fixed for every call (Flyte's partial / bound inputs). */
  readonly bound?: B;
}

/** The map task's inputs: every unbound input of the task, as a list. */
export type MappedInputs<I extends TypeRecord, Bound extends PropertyKey> = {
  readonly [K in Exclude<keyof I, Bound>]: FlyteType<Infer<I[K]>[]>;
};

/** A map task's failure when fewer elements succeeded than `minSuccessRatio` requires. */
export class MapTaskFailedError extends TflyteError {
  readonly failedIndices: readonly number[];
  constructor(task: string, failed: ReadonlyMap<number, unknown>, total: number, required: number) {
    const indices = [...failed.keys()].sort((a, b) => a - b);
    const shown = indices.slice(0, 20).join(', ') + (indices.length > 20 ? `, … (${indices.length} in all)` : '');
    const [first] = failed.values();
    super(
      'TFLYTE_MAP_FAILED',
      `map over '${task}' failed: ${indices.length} of ${total} elements failed (indices ${shown}); ` +
        `${required} had to succeed. First error: ${first instanceof Error ? first.message : String(first)}`,
      { cause: first },
    );
    this.failedIndices = indices;
  }
}

export function mapTask<I extends TypeRecord, T, const B extends Partial<InferInputs<I>> = Record<never, never>>(
  task: Task<I, FlyteType<T>>,
  options: MapTaskOptions<B> & { readonly minSuccessRatio: number },
): Task<MappedInputs<I, keyof B>, FlyteType<(T | null)[]>>;
export function mapTask<I extends TypeRecord, T, const B extends Partial<InferInputs<I>> = Record<never, never>>(
  task: Task<I, FlyteType<T>>,
  options?: MapTaskOptions<B>,
): Task<MappedInputs<I, keyof B>, FlyteType<T[]>>;
export function mapTask(task: Task, options: MapTaskOptions<Record<string, unknown>> = {}): Task {
  const where = `map over '${task.name}'`;
  const fail = (option: string, problem: string): never => {
    throw new InvalidOptionError(where, option, problem);
  };
  const output = task.outputs.types.o0;
  if (task.outputs.shape !== 'single' || output === undefined) {
    fail('task', 'must have exactly one output (declare it as `outputs: t.…()`), as Flyte map tasks do');
  }
  const concurrency = options.concurrency ?? DEFAULT_MAP_CONCURRENCY;
  if (!Number.isInteger(concurrency) || concurrency < 1)
    fail('concurrency', `must be a positive integer, got ${String(options.concurrency)}`);
  const ratio = options.minSuccessRatio ?? 1;
  if (typeof ratio !== 'number' || !(ratio > 0 && ratio <= 1))
    fail('minSuccessRatio', `must be in (0, 1], got ${String(options.minSuccessRatio)}`);

  const bound = options.bound ?? {};
  const boundTypes: Record<string, AnyType> = {};
  for (const key of Object.keys(bound)) {
    const type = task.inputs[key];
    if (type === undefined) fail(`bound.${key}`, `is not an input of '${task.name}'; inputs are: ${Object.keys(task.inputs).join(', ')}`);
    boundTypes[key] = type!;
  }
  const boundValues = checkCall({ name: where, inputs: boundTypes }, [bound]);
  const boundLiterals = toLiteralMap(boundTypes, boundValues).literals;

  const mapped: Record<string, AnyType> = {};
  for (const [key, type] of Object.entries(task.inputs)) if (!(key in bound)) mapped[key] = t.list(type);
  const element = ratio < 1 ? t.optional(output!) : output!;
  const outputs = t.list(element);

  return defineTask({
    name: options.name ?? `map_${task.shortName}`,
    inputs: mapped,
    outputs,
    options: {},
    ownOptions: [],
    kind: (definition) => ({
      taskType: task.kind.taskType,
      taskTypeVersion: 1,
      composite: true,
      array: { task, concurrency, minSuccessRatio: ratio, bound: create(LiteralMapSchema, { literals: boundLiterals }) },
      target: () => {
        throw new TflyteError(
          'TFLYTE_INVALID_OPTION',
          `map task '${definition.name}' is serialized as part of a workflow, not as a TaskTemplate`,
        );
      },
      execute: async (literals: LiteralMap) => {
        const lists = Object.keys(mapped).map((key) => [key, collection(literals.literals[key])] as const);
        const n = lists[0]?.[1].length ?? 0;
        for (const [key, items] of lists) {
          if (items.length !== n) {
            throw new InvalidInputError(
              definition.name,
              key,
              `has ${items.length} elements but '${lists[0]![0]}' has ${n}; mapped lists must be the same length`,
            );
          }
        }
        const required = Math.ceil(n * ratio);
        // Element i's inputs are made from the collections only when it starts, and only its output
        // literal is kept once it ends: memory grows with the outputs, not with per-element state.
        const elements: ArrayElements = {
          length: n,
          at: (i) => {
            const elementLiterals: Record<string, Literal> = { ...boundLiterals };
            for (const [key, items] of lists) elementLiterals[key] = items[i]!;
            return { $typeName: 'flyteidl.core.LiteralMap', literals: elementLiterals };
          },
        };
        // Gathered as Flyte's ArrayNode does: each element's output literal as it is, a none literal for a failed one.
        const gathered = new Array<Literal>(n);
        const failed = new Map<number, unknown>();
        const onResult = (i: number, result: ElementResult): void => {
          if (!result.ok) {
            if (!result.skipped) failed.set(i, result.error);
            gathered[i] = NONE;
            return;
          }
          try {
            const literal = result.outputs.literals.o0 ?? missingOutput(task.name);
            // Decoded only to check it: an output that does not read as the declared type fails its element.
            output!.fromLiteral(literal, `[${i}]`);
            gathered[i] = literal;
          } catch (error) {
            failed.set(i, error);
            gathered[i] = NONE;
          }
        };
        const runner = currentRunner();
        const limits = { concurrency, minSuccesses: required, onResult };
        const returned = await (runner.runMap?.(task, elements, limits) ?? runMapByTask(runner, task, elements, limits));
        // A runner that ignores the sink returns the results instead.
        for (const [i, result] of returned.entries()) onResult(i, result);
        if (n - failed.size < required) throw new MapTaskFailedError(task.name, failed, n, required);
        // Assigned, not passed to create, which would copy the n literals once more.
        const list = create(LiteralCollectionSchema);
        list.literals = gathered;
        return create(LiteralMapSchema, { literals: { o0: create(LiteralSchema, { value: { case: 'collection', value: list } }) } });
      },
    }),
  });
}

function collection(literal: Literal | undefined): readonly Literal[] {
  return literal?.value.case === 'collection' ? literal.value.value.literals : [];
}

/** Shared by every failed element: literals are never mutated once made. */
const NONE: Literal = create(LiteralSchema, { value: { case: 'scalar', value: { value: { case: 'noneType', value: {} } } } });

function missingOutput(task: string): never {
  throw new TflyteError('TFLYTE_INVALID_OUTPUT', `task '${task}' returned no output o0`);
}
