/**
 * Remote executions: create one for a registered task (FlyteAdmin's single-task execution, whose
 * launch plan id is the task's id), follow it to a terminal phase, read its outputs, terminate it.
 */
import { create } from '@bufbuild/protobuf';
import { Code, ConnectError } from '@connectrpc/connect';
import type { Execution } from '@tflyte/idl/admin/execution';
import type { NodeExecution } from '@tflyte/idl/admin/node_execution';
import type { TaskExecution } from '@tflyte/idl/admin/task_execution';
import { NodeExecution_Phase, WorkflowExecution_Phase } from '@tflyte/idl/core/execution';
import {
  type Identifier,
  type NodeExecutionIdentifier,
  ResourceType,
  type WorkflowExecutionIdentifier,
  WorkflowExecutionIdentifierSchema,
} from '@tflyte/idl/core/identifier';
import type { Variable } from '@tflyte/idl/core/interface';
import type { LiteralMap } from '@tflyte/idl/core/literals';
import type { FlyteRemote } from './client.ts';
import { RemoteError } from './errors.ts';

export interface CreateExecutionRequest {
  readonly project: string;
  readonly domain: string;
  /** The registered task or launch plan to run. */
  readonly entity: Identifier;
  readonly inputs: LiteralMap;
  /** The execution's name; FlyteAdmin picks one when omitted. */
  readonly name?: string;
}

export async function createExecution(remote: FlyteRemote, request: CreateExecutionRequest): Promise<WorkflowExecutionIdentifier> {
  const response = await call('creating the execution', () =>
    remote.admin.createExecution({
      project: request.project,
      domain: request.domain,
      name: request.name ?? '',
      spec: { launchPlan: request.entity, metadata: { mode: 0, principal: 'tflyte' } },
      inputs: request.inputs,
    }),
  );
  if (response.id === undefined) throw new RemoteError('REMOTE_REQUEST', 'FlyteAdmin created an execution but returned no id');
  return response.id;
}

export function executionId(project: string, domain: string, name: string): WorkflowExecutionIdentifier {
  return create(WorkflowExecutionIdentifierSchema, { project, domain, name });
}

export const isTerminal = (phase: WorkflowExecution_Phase): boolean =>
  [
    WorkflowExecution_Phase.SUCCEEDED,
    WorkflowExecution_Phase.FAILED,
    WorkflowExecution_Phase.ABORTED,
    WorkflowExecution_Phase.TIMED_OUT,
  ].includes(phase);

export const getExecution = (remote: FlyteRemote, id: WorkflowExecutionIdentifier): Promise<Execution> =>
  call(`reading execution ${id.name}`, () => remote.admin.getExecution({ id }));

export async function listNodeExecutions(remote: FlyteRemote, id: WorkflowExecutionIdentifier): Promise<NodeExecution[]> {
  const list = await call(`listing the nodes of ${id.name}`, () =>
    remote.admin.listNodeExecutions({ workflowExecutionId: id, limit: 100 }),
  );
  return list.nodeExecutions;
}

export interface ListExecutionsOptions {
  /** At most this many, newest first (FlyteAdmin's default order). */
  readonly limit?: number;
}

/** The project's and domain's executions, newest first, following FlyteAdmin's page tokens up to `limit`. */
export async function listExecutions(
  remote: FlyteRemote,
  project: string,
  domain: string,
  options: ListExecutionsOptions = {},
): Promise<Execution[]> {
  const limit = options.limit ?? 50;
  const found: Execution[] = [];
  let token = '';
  do {
    const page = await call(`listing the executions of ${project}/${domain}`, () =>
      remote.admin.listExecutions({
        id: { project, domain },
        limit: Math.min(100, limit - found.length),
        token,
        sortBy: { key: 'created_at', direction: 0 },
      }),
    );
    found.push(...page.executions);
    token = page.token;
  } while (token !== '' && found.length < limit);
  return found.slice(0, limit);
}

/** The output variables of what an execution launched: a task's interface, or the launch plan's workflow's. */
export async function launchedOutputs(remote: FlyteRemote, execution: Execution): Promise<Record<string, Variable>> {
  const entity = execution.spec?.launchPlan;
  if (entity === undefined) return {};
  if (entity.resourceType === ResourceType.LAUNCH_PLAN) {
    const plan = await call(`reading launch plan ${entity.name}`, () => remote.admin.getLaunchPlan({ id: entity }));
    const workflowId = plan.spec?.workflowId;
    if (workflowId === undefined) return {};
    const workflow = await call(`reading workflow ${workflowId.name}`, () => remote.admin.getWorkflow({ id: workflowId }));
    return workflow.closure?.compiledWorkflow?.primary?.template?.interface?.outputs?.variables ?? {};
  }
  const task = await call(`reading task ${entity.name}`, () => remote.admin.getTask({ id: entity }));
  return task.closure?.compiledTask?.template?.interface?.outputs?.variables ?? {};
}

/** A node's task executions, one per attempt. */
export async function listTaskExecutions(remote: FlyteRemote, node: NodeExecutionIdentifier): Promise<TaskExecution[]> {
  const list = await call(`listing the attempts of node ${node.nodeId}`, () =>
    remote.admin.listTaskExecutions({ nodeExecutionId: node, limit: 100 }),
  );
  return list.taskExecutions;
}

export interface WaitOptions {
  readonly pollMs?: number;
  readonly signal?: AbortSignal;
  /**
   * Called with each new state of the execution, its nodes and, for nodes running or just changed,
   * their task executions (attempts, log links) by node id.
   */
  readonly onUpdate?: (
    execution: Execution,
    nodes: readonly NodeExecution[],
    attempts: ReadonlyMap<string, readonly TaskExecution[]>,
  ) => void;
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** Polls until the execution is terminal (FlyteAdmin has no watch call for executions). */
export async function waitForExecution(
  remote: FlyteRemote,
  id: WorkflowExecutionIdentifier,
  options: WaitOptions = {},
): Promise<Execution> {
  const sleep = options.sleep ?? defaultSleep;
  const last = new Map<string, NodeExecution_Phase>();
  for (;;) {
    options.signal?.throwIfAborted();
    const execution = await getExecution(remote, id);
    const phase = execution.closure?.phase ?? WorkflowExecution_Phase.UNDEFINED;
    if (options.onUpdate) {
      const nodes = await listNodeExecutions(remote, id).catch(() => []);
      // Attempts are read for nodes that run (a retry keeps the node running) or changed since the last poll.
      const watched = nodes.filter((n) => {
        const p = n.closure?.phase ?? NodeExecution_Phase.UNDEFINED;
        const changed = last.get(n.id?.nodeId ?? '') !== p;
        last.set(n.id?.nodeId ?? '', p);
        return n.id !== undefined && (changed || p === NodeExecution_Phase.RUNNING);
      });
      const attempts = new Map(
        await Promise.all(watched.map(async (n) => [n.id!.nodeId, await listTaskExecutions(remote, n.id!).catch(() => [])] as const)),
      );
      options.onUpdate(execution, nodes, attempts);
    }
    if (isTerminal(phase)) return execution;
    await sleep(options.pollMs ?? 1000, options.signal);
  }
}

export async function executionOutputs(remote: FlyteRemote, id: WorkflowExecutionIdentifier): Promise<LiteralMap | undefined> {
  const data = await call(`reading the outputs of ${id.name}`, () => remote.admin.getExecutionData({ id }));
  return data.fullOutputs;
}

export async function terminateExecution(remote: FlyteRemote, id: WorkflowExecutionIdentifier, cause: string): Promise<void> {
  await call(`terminating ${id.name}`, () => remote.admin.terminateExecution({ id, cause }));
}

/** Where a person follows the execution in the Flyte console. */
export function consoleLink(remote: FlyteRemote, id: WorkflowExecutionIdentifier): string {
  return `${remote.config.consoleUrl}/console/projects/${id.project}/domains/${id.domain}/executions/${id.name}`;
}

async function call<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof ConnectError) {
      if (error.cause instanceof RemoteError) throw error.cause;
      const code = error.code === Code.Unauthenticated || error.code === Code.PermissionDenied ? 'REMOTE_AUTH' : 'REMOTE_REQUEST';
      throw new RemoteError(code, `${what}: FlyteAdmin answered ${Code[error.code]}: ${error.rawMessage}`, { cause: error });
    }
    throw error;
  }
}

function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(signal.reason as Error);
      },
      { once: true },
    );
  });
}
