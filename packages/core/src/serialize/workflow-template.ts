/**
 * A workflow body → flyteidl WorkflowTemplate, compiled as flytekit compiles `@workflow`: the body
 * runs once with promises for its inputs, and every task call inside it records a node and returns
 * the promise of that node's outputs. Passing a promise into another call binds one node's output
 * to another's input; plain values become literal bindings. What the body returns becomes the
 * workflow's output bindings.
 *
 * Decision (issue 19): a body that needs a task's value to decide what to do (branching on it,
 * arithmetic, reading its fields, awaiting it in ordinary code) cannot be a static graph, and it is
 * refused with a WorkflowCompileError naming the construct, not registered as an eager workflow.
 * Such logic belongs in a task. Local runs (`tflyte run`) still call the body directly.
 */
import { create } from '@bufbuild/protobuf';
import { DurationSchema } from '@bufbuild/protobuf/wkt';
import type { LaunchPlan } from '@tflyte/idl/admin/launch_plan';
import { type WorkflowSpec, WorkflowSpecSchema } from '@tflyte/idl/admin/workflow';
import { IdentifierSchema, ResourceType } from '@tflyte/idl/core/identifier';
import { TypedInterfaceSchema } from '@tflyte/idl/core/interface';
import {
  type Binding,
  type BindingData,
  BindingDataCollectionSchema,
  BindingDataMapSchema,
  BindingDataSchema,
  BindingSchema,
  type Literal,
  RetryStrategySchema,
} from '@tflyte/idl/core/literals';
import { OutputReferenceSchema, type PromiseAttribute, PromiseAttributeSchema } from '@tflyte/idl/core/types';
import {
  ArrayNode_ExecutionMode,
  ArrayNodeSchema,
  type Node,
  NodeMetadataSchema,
  NodeSchema,
  TaskNodeSchema,
  WorkflowMetadataDefaultsSchema,
  WorkflowMetadataSchema,
  WorkflowNodeSchema,
  type WorkflowTemplate,
  WorkflowTemplateSchema,
} from '@tflyte/idl/core/workflow';
import { TypeMismatchError } from '../errors.ts';
import { type CallBinder, type TaskDefinition, withCallBinder } from '../task/define-task.ts';
import type { AnyType } from '../types/flyte-type.ts';
import { describeLiteralType, typeFromLiteralType } from '../types/from-literal-type.ts';
import { castable, literalBinding } from './bindings.ts';
import { STATIC_HINT, WorkflowCompileError } from './compile-error.ts';
import { defaultLaunchPlan } from './launch-plan.ts';
import { type SerializeOptions, variableMap } from './task-template.ts';
import { defaultVersion } from './version.ts';
import {
  holdsPromise,
  isPlainObject,
  NODE_PROMISE,
  type NodeRecord,
  nodeOf,
  type OutputRef,
  REF,
  refOf,
  standIn,
} from './workflow-promise.ts';

/** Propeller's ids for the workflow's inputs and outputs. */
export const START_NODE = 'start-node';
export const END_NODE = 'end-node';

export type WorkflowSerializeOptions = Omit<SerializeOptions, 'image'>;

/** What registering a workflow needs. */
export interface CompiledWorkflow {
  /** admin.WorkflowSpec: the template and the templates of the workflows it calls. */
  readonly spec: WorkflowSpec;
  /** The workflow's default launch plan (same name and version), as flytekit creates one per workflow. */
  readonly launchPlan: LaunchPlan;
  /** Every task a node runs (map tasks: the task mapped), each once, in node order. */
  readonly tasks: readonly TaskDefinition[];
}

/** Compiles a workflow: its template, the templates of workflows it calls, launch plan and tasks. */
export async function compileWorkflow(
  workflow: Omit<TaskDefinition, 'kind'>,
  body: (inputs: unknown) => unknown,
  options: WorkflowSerializeOptions = {},
): Promise<CompiledWorkflow> {
  const name = workflow.name;
  const nodes: NodeRecord[] = [];
  const tasks: TaskDefinition[] = [];
  const subWorkflows = new Map<string, WorkflowTemplate>();
  // Tasks without outputs that the body awaited: later nodes run after them (ordering without data, flytekit's >>).
  const barriers: string[] = [];
  const id = (task: Pick<TaskDefinition, 'name' | 'site' | 'options'>, type: ResourceType) =>
    create(IdentifierSchema, {
      resourceType: type,
      project: options.project ?? '',
      domain: options.domain ?? '',
      name: task.name,
      version: options.version ?? defaultVersion(task),
    });

  const outputRef = (
    record: NodeRecord | undefined,
    nodeId: string,
    variable: string,
    type: AnyType,
    label: string,
    attrPath: readonly PromiseAttribute[] = [],
  ): object => {
    const ref: OutputRef = { nodeId, variable, type, record, label, attrPath };
    // A list's element by index, a map's value by key, as flytekit's attribute access on promises.
    const attribute = (key: string): object | undefined => {
      const lt = type.literalType().type;
      if (lt.case === 'collectionType' && /^(0|[1-9][0-9]*)$/.test(key)) {
        const step = create(PromiseAttributeSchema, { value: { case: 'intValue', value: Number(key) } });
        return outputRef(record, nodeId, variable, typeFromLiteralType(lt.value), `${label}[${key}]`, [...attrPath, step]);
      }
      if (lt.case === 'mapValueType') {
        const step = create(PromiseAttributeSchema, { value: { case: 'stringValue', value: key } });
        return outputRef(record, nodeId, variable, typeFromLiteralType(lt.value), `${label}.${key}`, [...attrPath, step]);
      }
      return undefined;
    };
    return standIn(name, label, { [REF]: ref }, undefined, attribute);
  };

  /** Binds `value` to a variable of `type`: a promise, a literal, or a list/map holding promises. */
  const bind = (value: unknown, type: AnyType, where: string, upstream: Set<string>): BindingData => {
    const promised = nodeOf(value);
    if (promised) {
      const outputs = Object.keys(promised.task.outputs.types);
      if (outputs.length !== 1) {
        throw new WorkflowCompileError(
          name,
          'multiple-outputs',
          `${where} is given the call of ${promised.task.shortName} (node ${promised.id}), which has ${outputs.length === 0 ? 'no outputs' : `outputs ${outputs.join(', ')}`}; await the call and pass one of them`,
        );
      }
      promised.used = true;
      value = outputRef(promised, promised.id, outputs[0]!, promised.task.outputs.types[outputs[0]!]!, `${promised.id}.${outputs[0]}`);
    }
    const ref = refOf(value);
    if (ref) {
      if (ref.record) ref.record.used = true;
      const source = ref.type.literalType();
      const target = type.literalType();
      if (!castable(source, target)) {
        throw new WorkflowCompileError(
          name,
          'type',
          `${where} is ${describeLiteralType(target)} but is bound to ${ref.label}, which is ${describeLiteralType(source)}`,
        );
      }
      if (ref.nodeId !== START_NODE) upstream.add(ref.nodeId);
      return create(BindingDataSchema, {
        value: {
          case: 'promise',
          value: create(OutputReferenceSchema, { nodeId: ref.nodeId, var: ref.variable, attrPath: [...ref.attrPath] }),
        },
      });
    }
    const lt = type.literalType();
    if (Array.isArray(value) && lt.type.case === 'collectionType' && value.some(holdsPromise)) {
      const element = typeFromLiteralType(lt.type.value);
      return create(BindingDataSchema, {
        value: {
          case: 'collection',
          value: create(BindingDataCollectionSchema, { bindings: value.map((v, i) => bind(v, element, `${where}[${i}]`, upstream)) }),
        },
      });
    }
    if (isPlainObject(value) && lt.type.case === 'mapValueType' && Object.values(value).some(holdsPromise)) {
      const element = typeFromLiteralType(lt.type.value);
      const bindings: Record<string, BindingData> = {};
      for (const [k, v] of Object.entries(value)) bindings[k] = bind(v, element, `${where}.${k}`, upstream);
      return create(BindingDataSchema, { value: { case: 'map', value: create(BindingDataMapSchema, { bindings }) } });
    }
    if (holdsPromise(value)) {
      throw new WorkflowCompileError(
        name,
        'type',
        `${where} (${type.display}) is given a value holding promises inside it; only lists and maps may hold promises`,
      );
    }
    let literal: Literal;
    try {
      literal = type.toLiteral(type.check(value, where), where);
    } catch (error) {
      if (error instanceof TypeMismatchError) throw new WorkflowCompileError(name, 'type', error.message, { cause: error });
      throw error;
    }
    return literalBinding(literal);
  };

  const bindAll = (
    target: string,
    variables: Readonly<Record<string, AnyType>>,
    given: Record<string, unknown>,
    upstream: Set<string>,
    forNode: boolean,
  ): Binding[] => {
    for (const key of Object.keys(given)) {
      if (!(key in variables))
        throw new WorkflowCompileError(
          name,
          'call',
          `${target}: '${key}' is not an input; inputs are: ${Object.keys(variables).join(', ') || '(none)'}`,
        );
    }
    const bindings: Binding[] = [];
    // A node's inputs sorted by name, as flytekit's create_and_link_node writes them; the workflow's outputs in declared order.
    const keys = forNode ? Object.keys(variables).sort() : Object.keys(variables);
    for (const key of keys) {
      const type = variables[key]!;
      let value = given[key];
      if (value === undefined) {
        if (!forNode || type.defaultValue === undefined)
          throw new WorkflowCompileError(name, 'unbound-input', `${target}: input '${key}' (${type.display}) is not bound`);
        value = type.defaultValue.value;
      }
      bindings.push(create(BindingSchema, { var: key, binding: bind(value, type, `${target} input '${key}'`, upstream) }));
    }
    return bindings;
  };

  const binder: CallBinder = {
    bind(task, args) {
      const [arg] = args;
      if (args.length > 1 || (args.length === 1 && !isPlainObject(arg))) {
        throw new WorkflowCompileError(name, 'call', `${task.shortName} takes one keyword object, e.g. ${task.shortName}({ … })`);
      }
      const nodeId = `n${nodes.length}`;
      const upstream = new Set<string>(barriers);
      const array = task.kind.array;
      const inner = array?.task ?? task;
      const given = { ...((arg ?? {}) as Record<string, unknown>) };
      const inputs = bindAll(`node ${nodeId} (${task.shortName})`, task.inputs, given, upstream, true);
      const metadata = create(NodeMetadataSchema, {
        name: task.shortName,
        retries: create(RetryStrategySchema, { retries: inner.options.retries }),
        ...(inner.options.timeout
          ? { timeout: create(DurationSchema, { seconds: BigInt(inner.options.timeout.seconds), nanos: inner.options.timeout.nanos }) }
          : {}),
        ...(inner.options.interruptible === undefined
          ? {}
          : { interruptibleValue: { case: 'interruptible' as const, value: inner.options.interruptible } }),
      });
      let target: Node['target'];
      if (array) {
        if (!tasks.includes(inner)) tasks.push(inner);
        const boundNames = Object.keys(array.bound.literals).sort();
        for (const key of boundNames) inputs.push(create(BindingSchema, { var: key, binding: literalBinding(array.bound.literals[key]!) }));
        inputs.sort((a, b) => (a.var < b.var ? -1 : a.var > b.var ? 1 : 0));
        target = {
          case: 'arrayNode',
          value: create(ArrayNodeSchema, {
            node: create(NodeSchema, {
              id: `${nodeId}-n0`,
              metadata: create(NodeMetadataSchema, { name: inner.shortName, retries: metadata.retries }),
              target: {
                case: 'taskNode',
                value: create(TaskNodeSchema, { reference: { case: 'referenceId', value: id(inner, ResourceType.TASK) } }),
              },
            }),
            parallelismOption: { case: 'parallelism', value: array.concurrency },
            successCriteria: { case: 'minSuccessRatio', value: array.minSuccessRatio },
            executionMode: ArrayNode_ExecutionMode.MINIMAL_STATE,
            isOriginalSubNodeInterface: false,
            boundInputs: boundNames,
          }),
        };
      } else if (task.kind.workflow) {
        target = {
          case: 'workflowNode',
          value: create(WorkflowNodeSchema, { reference: { case: 'subWorkflowRef', value: id(task, ResourceType.WORKFLOW) } }),
        };
        pendingSubs.push(task);
      } else if (task.kind.composite) {
        throw new WorkflowCompileError(
          name,
          'not-a-task',
          `calls ${task.shortName}, a composite (such as a map task) that does not describe the node it becomes ` +
            '(kind.array for an ArrayNode); a workflow can run it locally but cannot be registered with it yet',
        );
      } else {
        if (!tasks.includes(task)) tasks.push(task);
        target = {
          case: 'taskNode',
          value: create(TaskNodeSchema, { reference: { case: 'referenceId', value: id(task, ResourceType.TASK) } }),
        };
      }
      const node = create(NodeSchema, { id: nodeId, metadata, inputs, upstreamNodeIds: [...upstream].sort(byNodeOrder), target });
      const record: NodeRecord = { id: nodeId, task, node, awaited: false, used: false };
      nodes.push(record);
      const outputTypes = task.outputs.types;
      const resolved = (): unknown => {
        const refs = Object.fromEntries(
          Object.entries(outputTypes).map(([v, type]) => [
            v,
            outputRef(record, nodeId, v, type, `${nodeId}.${v} (output of ${task.shortName})`),
          ]),
        );
        switch (task.outputs.shape) {
          case 'none':
            return undefined;
          case 'single':
            return refs.o0;
          case 'tuple':
            return Object.keys(outputTypes).map((v) => refs[v]);
          default:
            return refs;
        }
      };
      return standIn(name, `the result of ${task.shortName} (node ${nodeId})`, { [NODE_PROMISE]: record }, (resolve) => {
        record.awaited = true;
        if (task.outputs.shape === 'none') barriers.push(nodeId);
        resolve(resolved());
      }) as PromiseLike<unknown>;
    },
  };
  const pendingSubs: TaskDefinition[] = [];

  const inputRefs = Object.fromEntries(
    Object.entries(workflow.inputs).map(([k, type]) => [k, outputRef(undefined, START_NODE, k, type, `workflow input '${k}'`)]),
  );
  let result: unknown;
  try {
    result = await withCallBinder(binder, () => body(inputRefs));
  } catch (error) {
    if (error instanceof WorkflowCompileError) throw error;
    throw new WorkflowCompileError(
      name,
      'body-error',
      `the body threw while compiling (${error instanceof Error ? error.message : String(error)}); ${STATIC_HINT}`,
      { cause: error },
    );
  }

  const outputs = bindOutputs(workflow, result, (values) => {
    const upstream = new Set<string>();
    return bindAll('workflow outputs', workflow.outputs.types, values, upstream, false);
  });
  for (const record of nodes) {
    if (record.awaited && !record.used && record.task.outputs.shape !== 'none') {
      throw new WorkflowCompileError(
        name,
        'await',
        `awaits the result of ${record.task.shortName} (node ${record.id}) and uses it in ordinary code (a condition, a loop, a computation) instead of passing it to a task or returning it; ${STATIC_HINT}`,
      );
    }
  }

  for (const sub of pendingSubs) {
    const compiled = await sub.kind.workflow!(options);
    subWorkflows.set(sub.name, compiled.spec.template!);
    for (const t of compiled.spec.subWorkflows) subWorkflows.set(t.id!.name, t);
    for (const t of compiled.tasks) if (!tasks.includes(t)) tasks.push(t);
  }

  const template = create(WorkflowTemplateSchema, {
    id: id(workflow, ResourceType.WORKFLOW),
    metadata: create(WorkflowMetadataSchema, {}),
    metadataDefaults: create(WorkflowMetadataDefaultsSchema, { interruptible: false }),
    interface: create(TypedInterfaceSchema, { inputs: variableMap(workflow.inputs), outputs: variableMap(workflow.outputs.types) }),
    nodes: nodes.map((r) => r.node),
    outputs,
  });
  const spec = create(WorkflowSpecSchema, {
    template,
    subWorkflows: [...subWorkflows.values()],
    ...(workflow.options.docs ? { description: { shortDescription: workflow.options.docs } } : {}),
  });
  return { spec, launchPlan: defaultLaunchPlan(workflow, template), tasks };
}

/** The body's result as keyword values for the workflow's outputs, by its output shape. */
function bindOutputs(
  workflow: Omit<TaskDefinition, 'kind'>,
  result: unknown,
  bindAll: (values: Record<string, unknown>) => Binding[],
): Binding[] {
  const keys = Object.keys(workflow.outputs.types);
  switch (workflow.outputs.shape) {
    case 'none':
      return [];
    case 'single':
      return bindAll({ o0: result });
    case 'tuple': {
      if (!Array.isArray(result))
        throw new WorkflowCompileError(
          workflow.name,
          'type',
          `declares ${keys.length} outputs but the body does not return an array of them`,
        );
      return bindAll(Object.fromEntries(keys.map((k, i) => [k, result[i]])));
    }
    default: {
      if (!isPlainObject(result))
        throw new WorkflowCompileError(
          workflow.name,
          'type',
          `declares outputs ${keys.join(', ')} but the body does not return an object of them`,
        );
      return bindAll(result);
    }
  }
}

const byNodeOrder = (a: string, b: string): number => Number(a.slice(1)) - Number(b.slice(1));
