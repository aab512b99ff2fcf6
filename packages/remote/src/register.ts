/**
 * Registration: an entity under a version is immutable on FlyteAdmin. Registering the same body
 * again answers AlreadyExists, which is success here (a no-op); another body under the same
 * version is refused by FlyteAdmin as "different structure", which becomes a VersionConflictError.
 */
import { create } from '@bufbuild/protobuf';
import { Code, ConnectError } from '@connectrpc/connect';
import type { DescriptionEntity } from '@tflyte/idl/admin/description_entity';
import type { LaunchPlan } from '@tflyte/idl/admin/launch_plan';
import { type TaskSpec, TaskSpecSchema } from '@tflyte/idl/admin/task';
import type { WorkflowSpec } from '@tflyte/idl/admin/workflow';
import type { TaskTemplate } from '@tflyte/idl/core/tasks';
import type { FlyteRemote } from './client.ts';
import { assertWorkflowCompiles } from './compiler-rules.ts';
import { RemoteError, VersionConflictError } from './errors.ts';

export type RegistrationResult = 'created' | 'exists';

export async function registerTask(
  remote: FlyteRemote,
  template: TaskTemplate,
  description?: DescriptionEntity,
): Promise<RegistrationResult> {
  const id = template.id;
  if (id === undefined) throw new RemoteError('REMOTE_REQUEST', 'registerTask: the TaskTemplate has no id');
  const spec: TaskSpec = create(TaskSpecSchema, { template, ...(description ? { description } : {}) });
  try {
    await remote.admin.createTask({ id, spec });
    return 'created';
  } catch (error) {
    return settle(error, 'task', id.name, id.version);
  }
}

/** Registers a workflow (its template and sub-workflows) after checking propeller's compiler rules on it. */
export async function registerWorkflow(
  remote: FlyteRemote,
  spec: WorkflowSpec,
  tasks: readonly TaskTemplate[],
): Promise<RegistrationResult> {
  const template = spec.template;
  const id = template?.id;
  if (template === undefined || id === undefined)
    throw new RemoteError('REMOTE_REQUEST', 'registerWorkflow: the WorkflowSpec has no template id');
  const byKey = new Map(tasks.map((t) => [entityKey(t.id!), t.interface]));
  for (const workflow of [template, ...spec.subWorkflows]) {
    assertWorkflowCompiles(workflow, { taskInterface: (ref) => byKey.get(entityKey(ref)), subWorkflows: spec.subWorkflows });
  }
  try {
    await remote.admin.createWorkflow({ id, spec });
    return 'created';
  } catch (error) {
    return settle(error, 'workflow', id.name, id.version);
  }
}

/** Registers a launch plan (a workflow's default one: same name and version). */
export async function registerLaunchPlan(remote: FlyteRemote, launchPlan: LaunchPlan): Promise<RegistrationResult> {
  const id = launchPlan.id;
  if (id === undefined || launchPlan.spec === undefined)
    throw new RemoteError('REMOTE_REQUEST', 'registerLaunchPlan: the launch plan has no id or spec');
  try {
    await remote.admin.createLaunchPlan({ id, spec: launchPlan.spec });
    return 'created';
  } catch (error) {
    return settle(error, 'launch plan', id.name, id.version);
  }
}

const entityKey = (id: { project: string; domain: string; name: string; version: string }) =>
  `${id.project}/${id.domain}/${id.name}/${id.version}`;

export function settle(error: unknown, kind: string, name: string, version: string): RegistrationResult {
  if (error instanceof ConnectError) {
    // A token that could not be obtained surfaces here wrapped by the transport; it is an auth failure, as it was thrown.
    if (error.cause instanceof RemoteError) throw error.cause;
    if (error.code === Code.AlreadyExists) return 'exists';
    if (error.code === Code.InvalidArgument && /different structure/i.test(error.rawMessage))
      throw new VersionConflictError(kind, name, version);
    throw new RemoteError(
      error.code === Code.Unauthenticated || error.code === Code.PermissionDenied ? 'REMOTE_AUTH' : 'REMOTE_REQUEST',
      `registering ${kind} '${name}' version '${version}': FlyteAdmin answered ${Code[error.code]}: ${error.rawMessage}`,
      { cause: error },
    );
  }
  throw error;
}
