/**
 * Remote executions: create one for a registered task (FlyteAdmin's single-task execution, whose
 * launch plan id is the task's id), follow it to a terminal phase, read its outputs, terminate it.
 */
import { create } from '@bufbuild/protobuf';
import { Code, ConnectError } from '@connectrpc/connect';
import type { Execution } from '@tflyte/idl/admin/execution';
import type { NodeExecution } from '@tflyte/idl/admin/node_execution';
import { WorkflowExecution_Phase } from '@tflyte/idl/core/execution';
import {
  type Identifier,
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

export interface WaitOptions {
  readonly pollMs?: number;
  readonly signal?: AbortSignal;
  /** Called with each new state of the execution and its nodes. */
  readonly onUpdate?: (execution: Execution, nodes: readonly NodeExecution[]) => void;
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** Polls until the execution is terminal (FlyteAdmin has no watch call for executions). */
export async function waitForExecution(
  remote: FlyteRemote,
  id: WorkflowExecutionIdentifier,
  options: WaitOptions = {},
): Promise<Execution> {
  const sleep = options.sleep ?? defaultSleep;
  for (;;) {
    options.signal?.throwIfAborted();
    const execution = await getExecution(remote, id);
    const phase = execution.closure?.phase ?? WorkflowExecution_Phase.UNDEFINED;
    if (options.onUpdate) options.onUpdate(execution, await listNodeExecutions(remote, id).catch(() => []));
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
