/**
 * Propeller's part of the FlyteAdmin test server: an execution run as propeller runs it. A single
 * task is node n0; a launch plan's workflow runs node by node in dependency order (task nodes,
 * sub-workflow nodes, array nodes element by element), each task as a container: inputs.pb
 * written to the metadata store, the command rendered and launched, outputs.pb or error.pb read,
 * a recoverable failure retried within the task's retries.
 */
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { timestampNow } from '@bufbuild/protobuf/wkt';
import { joinUri, renderTemplate } from '@tflyte/core';
import { NodeExecutionSchema } from '@tflyte/idl/admin/node_execution';
import { TaskExecutionSchema } from '@tflyte/idl/admin/task_execution';
import type { WorkflowSpec } from '@tflyte/idl/admin/workflow';
import { ContainerError_Kind, ErrorDocumentSchema } from '@tflyte/idl/core/errors';
import {
  type ExecutionError,
  ExecutionError_ErrorKind,
  ExecutionErrorSchema,
  NodeExecution_Phase,
  TaskExecution_Phase,
  WorkflowExecution_Phase,
} from '@tflyte/idl/core/execution';
import type { Identifier } from '@tflyte/idl/core/identifier';
import {
  type BindingData,
  type Literal,
  LiteralCollectionSchema,
  type LiteralMap,
  LiteralMapSchema,
  LiteralSchema,
} from '@tflyte/idl/core/literals';
import type { TaskTemplate } from '@tflyte/idl/core/tasks';
import type { Node, WorkflowTemplate } from '@tflyte/idl/core/workflow';
import type { FlyteAdminTestServerOptions, StoredExecution } from './admin-server.ts';

export type ExecutionPlan =
  | { readonly kind: 'task'; readonly template: TaskTemplate }
  | { readonly kind: 'workflow'; readonly spec: WorkflowSpec };
type NodeResult = { readonly ok: true; readonly outputs: LiteralMap } | { readonly ok: false; readonly error: ExecutionError };
export type TaskLookup = (id: Identifier) => TaskTemplate | undefined;

const executionError = (code: string, message: string, kind = ExecutionError_ErrorKind.SYSTEM): ExecutionError =>
  create(ExecutionErrorSchema, { code, message, kind });

/** Propeller's part: a single task run as node n0, or a workflow's nodes in dependency order; outputs or the error into the closure. */
export async function runExecution(
  stored: StoredExecution,
  plan: ExecutionPlan,
  taskTemplate: TaskLookup,
  options: FlyteAdminTestServerOptions,
): Promise<void> {
  const closure = stored.execution.closure!;
  let result: NodeResult;
  try {
    if (closure.phase === WorkflowExecution_Phase.ABORTED) return;
    closure.phase = WorkflowExecution_Phase.RUNNING;
    closure.startedAt = timestampNow();
    result =
      plan.kind === 'task'
        ? await runTaskNode(stored, 'n0', plan.template, stored.inputs, options)
        : await runWorkflow(stored, plan.spec.template!, plan.spec.subWorkflows, stored.inputs, '', taskTemplate, options);
  } catch (error) {
    result = { ok: false, error: executionError('LaunchFailed', error instanceof Error ? error.message : String(error)) };
  }
  // Terminated while it ran: the abort stands, whatever the containers left behind.
  if ((closure.phase as WorkflowExecution_Phase) === WorkflowExecution_Phase.ABORTED) return;
  if (result.ok) {
    stored.outputs = result.outputs;
    closure.phase = WorkflowExecution_Phase.SUCCEEDED;
    closure.outputResult = { case: 'outputData', value: result.outputs };
  } else {
    closure.phase = WorkflowExecution_Phase.FAILED;
    closure.outputResult = { case: 'error', value: result.error };
  }
}

/** A workflow's nodes, each once its upstream nodes and the nodes its bindings read have succeeded; the first failure stops it. */
async function runWorkflow(
  stored: StoredExecution,
  template: WorkflowTemplate,
  subWorkflows: readonly WorkflowTemplate[],
  inputs: LiteralMap,
  prefix: string,
  taskTemplate: TaskLookup,
  options: FlyteAdminTestServerOptions,
): Promise<NodeResult> {
  const outputs = new Map<string, LiteralMap>([['start-node', inputs]]);
  const pending = new Map(template.nodes.map((n) => [n.id, n]));
  const dependencies = (node: Node): string[] => [
    ...node.upstreamNodeIds,
    ...node.inputs.flatMap((b) => (b.binding ? promisedNodes(b.binding) : [])).filter((id) => id !== 'start-node'),
  ];
  while (pending.size > 0) {
    const ready = [...pending.values()].filter((n) => dependencies(n).every((d) => outputs.has(d)));
    if (ready.length === 0)
      return { ok: false, error: executionError('Deadlock', `nodes ${[...pending.keys()].join(', ')} wait on each other`) };
    const results = await Promise.all(
      ready.map(async (node) => {
        pending.delete(node.id);
        const nodeInputs = create(LiteralMapSchema, {
          literals: Object.fromEntries(node.inputs.map((b) => [b.var, literalOf(b.binding!, outputs)])),
        });
        const result = await runNode(stored, node, nodeInputs, subWorkflows, prefix, taskTemplate, options);
        if (result.ok) outputs.set(node.id, result.outputs);
        return result;
      }),
    );
    const failed = results.find((r) => !r.ok);
    if (failed) return failed;
  }
  return {
    ok: true,
    outputs: create(LiteralMapSchema, {
      literals: Object.fromEntries(template.outputs.map((b) => [b.var, literalOf(b.binding!, outputs)])),
    }),
  };
}

async function runNode(
  stored: StoredExecution,
  node: Node,
  inputs: LiteralMap,
  subWorkflows: readonly WorkflowTemplate[],
  prefix: string,
  taskTemplate: TaskLookup,
  options: FlyteAdminTestServerOptions,
): Promise<NodeResult> {
  const target = node.target;
  const nodeId = `${prefix}${node.id}`;
  const task = (inner: Node): TaskTemplate | undefined =>
    inner.target.case === 'taskNode' && inner.target.value.reference.case === 'referenceId'
      ? taskTemplate(inner.target.value.reference.value)
      : undefined;
  switch (target.case) {
    case 'taskNode': {
      const template = task(node);
      if (template === undefined) return { ok: false, error: executionError('TaskNotFound', `node ${nodeId}: its task is not registered`) };
      return runTaskNode(stored, nodeId, template, inputs, options);
    }
    case 'workflowNode': {
      const ref = target.value.reference.value;
      const sub = subWorkflows.find((w) => w.id?.name === ref?.name && w.id?.version === ref?.version);
      if (sub === undefined)
        return { ok: false, error: executionError('WorkflowNotFound', `node ${nodeId}: its sub-workflow was not shipped`) };
      return runWorkflow(stored, sub, subWorkflows, inputs, `${nodeId}-`, taskTemplate, options);
    }
    case 'arrayNode': {
      const array = target.value;
      const template = array.node ? task(array.node) : undefined;
      if (template === undefined)
        return { ok: false, error: executionError('TaskNotFound', `node ${nodeId}: its sub-node's task is not registered`) };
      const bound = new Set(array.boundInputs);
      const mapped = Object.keys(inputs.literals).filter((k) => !bound.has(k));
      const lists = mapped.map((k) => {
        const literal = inputs.literals[k]!;
        return [k, literal.value.case === 'collection' ? literal.value.value.literals : []] as const;
      });
      const n = lists[0]?.[1].length ?? 0;
      const required =
        array.successCriteria.case === 'minSuccesses'
          ? array.successCriteria.value
          : Math.ceil(n * (array.successCriteria.case === 'minSuccessRatio' ? array.successCriteria.value : 1) - 1e-6);
      const parallelism =
        array.parallelismOption.case === 'parallelism' && array.parallelismOption.value > 0 ? array.parallelismOption.value : n;
      const results: NodeResult[] = new Array(n);
      let next = 0;
      const worker = async () => {
        while (next < n) {
          const i = next++;
          const element: Record<string, Literal> = {};
          for (const [k, v] of Object.entries(inputs.literals)) if (bound.has(k)) element[k] = v;
          for (const [k, items] of lists) element[k] = items[i]!;
          results[i] = await runTaskNode(stored, `${nodeId}-${i}`, template, create(LiteralMapSchema, { literals: element }), options);
        }
      };
      await Promise.all(Array.from({ length: Math.min(parallelism, n) }, worker));
      const succeeded = results.filter((r) => r.ok).length;
      if (succeeded < required) {
        const first = results.find((r) => !r.ok) as { error: ExecutionError } | undefined;
        return {
          ok: false,
          error: executionError(
            'ArrayNodeFailed',
            `node ${nodeId}: ${n - succeeded} of ${n} elements failed; ${required} had to succeed. First: ${first?.error.message ?? ''}`,
          ),
        };
      }
      const names = Object.keys(template.interface?.outputs?.variables ?? {});
      const gathered = Object.fromEntries(
        names.map((name) => [
          name,
          create(LiteralSchema, {
            value: {
              case: 'collection',
              value: create(LiteralCollectionSchema, { literals: results.map((r) => (r.ok ? r.outputs.literals[name]! : NONE)) }),
            },
          }),
        ]),
      );
      return { ok: true, outputs: create(LiteralMapSchema, { literals: gathered }) };
    }
    default:
      return {
        ok: false,
        error: executionError('UnsupportedNode', `node ${nodeId}: ${target.case ?? 'empty'} nodes are not run by this test server`),
      };
  }
}

const NONE: Literal = create(LiteralSchema, { value: { case: 'scalar', value: { value: { case: 'noneType', value: {} } } } });

function promisedNodes(data: BindingData): string[] {
  const v = data.value;
  if (v.case === 'promise') return [v.value.nodeId];
  if (v.case === 'collection') return v.value.bindings.flatMap(promisedNodes);
  if (v.case === 'map') return Object.values(v.value.bindings).flatMap(promisedNodes);
  return [];
}

/** A binding resolved against the outputs produced so far (start-node: the workflow's inputs). */
function literalOf(data: BindingData, outputs: ReadonlyMap<string, LiteralMap>): Literal {
  const v = data.value;
  switch (v.case) {
    case 'scalar':
      return create(LiteralSchema, { value: { case: 'scalar', value: v.value } });
    case 'collection':
      return create(LiteralSchema, {
        value: {
          case: 'collection',
          value: create(LiteralCollectionSchema, { literals: v.value.bindings.map((b) => literalOf(b, outputs)) }),
        },
      });
    case 'map':
      return create(LiteralSchema, {
        value: {
          case: 'map',
          value: create(LiteralMapSchema, {
            literals: Object.fromEntries(Object.entries(v.value.bindings).map(([k, b]) => [k, literalOf(b, outputs)])),
          }),
        },
      });
    case 'promise': {
      let literal = outputs.get(v.value.nodeId)?.literals[v.value.var];
      if (literal === undefined) throw new Error(`binding refers to ${v.value.nodeId}.${v.value.var}, which was not produced`);
      // Propeller resolves an attribute path: a list's element by index, a map's value by key.
      for (const step of v.value.attrPath) {
        const inner: Literal | undefined =
          literal.value.case === 'collection' && step.value.case === 'intValue'
            ? literal.value.value.literals[step.value.value]
            : literal.value.case === 'map' && step.value.case === 'stringValue'
              ? literal.value.value.literals[step.value.value]
              : undefined;
        if (inner === undefined) throw new Error(`${v.value.nodeId}.${v.value.var} has nothing at ${String(step.value.value)}`);
        literal = inner;
      }
      return literal;
    }
    default:
      throw new Error(`a ${v.case ?? 'empty'} binding is not supported by this test server`);
  }
}

/** One task as propeller runs a container task: inputs.pb written, the command rendered and launched, outputs.pb or error.pb read. */
async function runTaskNode(
  stored: StoredExecution,
  nodeId: string,
  template: TaskTemplate,
  inputs: LiteralMap,
  options: FlyteAdminTestServerOptions,
): Promise<NodeResult> {
  const id = stored.execution.id!;
  const node = create(NodeExecutionSchema, { id: { nodeId, executionId: id }, closure: { phase: NodeExecution_Phase.QUEUED } });
  stored.nodes.push(node);
  const prefix = joinUri(options.metadataPrefix, `${id.project}/${id.domain}/${id.name}/${nodeId}/data`);
  const inputUri = joinUri(prefix, 'inputs.pb');
  const fail = (code: string, message: string, kind = ExecutionError_ErrorKind.SYSTEM): NodeResult => {
    const error = executionError(code, message, kind);
    node.closure!.phase = NodeExecution_Phase.FAILED;
    node.closure!.outputResult = { case: 'error', value: error };
    return { ok: false, error };
  };
  try {
    await options.storage.put(inputUri, toBinary(LiteralMapSchema, inputs));
    node.inputUri = inputUri;
    if (template.target.case !== 'container')
      return fail(
        'UnsupportedTarget',
        `this test server runs container tasks; '${template.type}' has a ${template.target.case ?? 'missing'} target`,
      );
    const container = template.target.value;
    const tid = template.id!;
    // Propeller retries a recoverable failure up to the task's retries, each attempt under its own output prefix.
    const retries = template.metadata?.retries?.retries ?? 0;
    for (let attempt = 0; ; attempt++) {
      const outputPrefix = joinUri(prefix, String(attempt));
      const values = {
        input: inputUri,
        inputPrefix: prefix,
        outputPrefix,
        rawOutputDataPrefix: joinUri(options.metadataPrefix, `raw/${id.name}/${nodeId}/${attempt}`),
        checkpointOutputPrefix: joinUri(outputPrefix, '_flytecheckpoints'),
        prevCheckpointPrefix: attempt === 0 ? '""' : joinUri(joinUri(prefix, String(attempt - 1)), '_flytecheckpoints'),
        inputs,
      };
      const argv = [...container.command, ...container.args].map((arg) => renderTemplate(arg, values));
      const env: Record<string, string> = {
        ...Object.fromEntries(container.env.map((kv) => [kv.key, kv.value])),
        FLYTE_INTERNAL_EXECUTION_PROJECT: id.project,
        FLYTE_INTERNAL_EXECUTION_DOMAIN: id.domain,
        FLYTE_INTERNAL_EXECUTION_ID: id.name,
        FLYTE_INTERNAL_TASK_PROJECT: tid.project,
        FLYTE_INTERNAL_TASK_DOMAIN: tid.domain,
        FLYTE_INTERNAL_TASK_NAME: tid.name,
        FLYTE_INTERNAL_TASK_VERSION: tid.version,
        FLYTE_ATTEMPT_NUMBER: String(attempt),
      };
      if (stored.execution.closure!.phase === WorkflowExecution_Phase.ABORTED) return fail('Aborted', 'the execution was terminated');
      node.closure!.phase = NodeExecution_Phase.RUNNING;
      const fill = (uri: string) =>
        uri
          .replaceAll('{{.executionName}}', id.name)
          .replaceAll('{{.nodeId}}', nodeId)
          .replaceAll('{{.attempt}}', String(attempt))
          .replaceAll('{{.taskName}}', tid.name);
      const taskExecution = create(TaskExecutionSchema, {
        id: { taskId: tid, nodeExecutionId: { nodeId, executionId: id }, retryAttempt: attempt },
        inputUri,
        closure: {
          phase: TaskExecution_Phase.RUNNING,
          logs: (options.logTemplates ?? []).map((t) => ({ name: t.name, uri: fill(t.uri) })),
          startedAt: timestampNow(),
          taskType: template.type,
        },
      });
      stored.taskExecutions.set(nodeId, [...(stored.taskExecutions.get(nodeId) ?? []), taskExecution]);
      await options.launcher({ execution: id, nodeId, attempt, template, argv, env });
      const outputs = await options.storage.get(joinUri(outputPrefix, 'outputs.pb'));
      taskExecution.closure!.phase = outputs !== undefined ? TaskExecution_Phase.SUCCEEDED : TaskExecution_Phase.FAILED;
      if (outputs !== undefined) {
        node.closure!.phase = NodeExecution_Phase.SUCCEEDED;
        node.closure!.outputResult = { case: 'outputUri', value: joinUri(outputPrefix, 'outputs.pb') };
        return { ok: true, outputs: fromBinary(LiteralMapSchema, outputs) };
      }
      const errorBytes = await options.storage.get(joinUri(outputPrefix, 'error.pb'));
      if (errorBytes === undefined) return fail('OutputsNotFound', `the task wrote neither outputs.pb nor error.pb under ${outputPrefix}`);
      const document = fromBinary(ErrorDocumentSchema, errorBytes).error;
      taskExecution.closure!.outputResult = {
        case: 'error',
        value: executionError(
          document?.code ?? 'USER',
          document?.message ?? '',
          document?.origin === ExecutionError_ErrorKind.SYSTEM ? ExecutionError_ErrorKind.SYSTEM : ExecutionError_ErrorKind.USER,
        ),
      };
      if (document?.kind === ContainerError_Kind.RECOVERABLE && attempt < retries) continue;
      return fail(
        document?.code ?? 'USER',
        document?.message ?? '',
        document?.origin === ExecutionError_ErrorKind.SYSTEM ? ExecutionError_ErrorKind.SYSTEM : ExecutionError_ErrorKind.USER,
      );
    }
  } catch (error) {
    return fail('LaunchFailed', error instanceof Error ? error.message : String(error));
  }
}
