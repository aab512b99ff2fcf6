/**
 * The stand-ins a workflow body receives while it is compiled: each workflow input and each task
 * call's outputs is a reference to a node's output, which binds where it is passed and refuses
 * being used as a value (arithmetic, conversion, property reads) with a WorkflowCompileError.
 */
import { inspect } from 'node:util';
import type { PromiseAttribute } from '@tflyte/idl/core/types';
import type { Node } from '@tflyte/idl/core/workflow';
import type { TaskDefinition } from '../task/define-task.ts';
import type { AnyType } from '../types/flyte-type.ts';
import { STATIC_HINT, WorkflowCompileError, type WorkflowConstruct } from './compile-error.ts';

export interface NodeRecord {
  readonly id: string;
  readonly task: TaskDefinition;
  readonly node: Node;
  /** Awaited without its value being bound or returned (checked at the end). */
  awaited: boolean;
  used: boolean;
}

export const REF = Symbol('tflyte.workflowRef');
export const NODE_PROMISE = Symbol('tflyte.nodePromise');

/** One output of a node (or a workflow input, on the start node). */
export interface OutputRef {
  readonly nodeId: string;
  readonly variable: string;
  readonly type: AnyType;
  readonly record: NodeRecord | undefined;
  readonly label: string;
  /** An element of a list output (`xs[0]`) or a value of a map output (`m.key`): propeller resolves the path. */
  readonly attrPath: readonly PromiseAttribute[];
}

export function refOf(value: unknown): OutputRef | undefined {
  return typeof value === 'object' && value !== null ? ((value as Record<symbol, OutputRef | undefined>)[REF] ?? undefined) : undefined;
}
export function nodeOf(value: unknown): NodeRecord | undefined {
  return typeof value === 'object' && value !== null
    ? ((value as Record<symbol, NodeRecord | undefined>)[NODE_PROMISE] ?? undefined)
    : undefined;
}

/**
 * A stand-in that refuses being used as a value: arithmetic, string conversion and property reads
 * throw a WorkflowCompileError naming the construct. `then` (a call's promise only) resolves to the
 * node's output references, so `await` works for passing values on but not for computing with them.
 */
export function standIn(
  workflow: string,
  label: string,
  slots: Record<symbol, unknown>,
  then?: (resolve: (v: unknown) => void) => void,
  /** A reference to an element or map value (flytekit's `p[0]`, `p["k"]`), or undefined when the key cannot be one. */
  attribute?: (key: string) => object | undefined,
): object {
  const refuse = (construct: WorkflowConstruct, what: string): never => {
    throw new WorkflowCompileError(workflow, construct, `${what} ${label}: ${STATIC_HINT}`);
  };
  return new Proxy(Object.create(null) as object, {
    get(_, key) {
      if (typeof key === 'symbol' && key in slots) return slots[key];
      if (key === 'then' && then) return (resolve: (v: unknown) => void) => then(resolve);
      if (key === inspect.custom || key === 'toJSON') return () => `Promise(${label})`;
      if (key === Symbol.toStringTag) return 'WorkflowPromise';
      if (key === Symbol.toPrimitive || key === 'valueOf' || key === 'toString')
        return () => refuse('arithmetic', 'computes with (arithmetic, comparison or string conversion)');
      if (typeof key === 'symbol') return undefined;
      if (key === 'then') return undefined;
      const element = attribute?.(key);
      if (element !== undefined) return element;
      return refuse('property', `reads '${key}' of`);
    },
    has: (_, key) => typeof key === 'symbol' && key in slots,
  });
}

export function holdsPromise(value: unknown): boolean {
  if (refOf(value) || nodeOf(value)) return true;
  if (Array.isArray(value)) return value.some(holdsPromise);
  if (isPlainObject(value)) return Object.values(value).some(holdsPromise);
  return false;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  if (refOf(value) || nodeOf(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
