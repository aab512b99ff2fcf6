/**
 * Registration: an entity under a version is immutable on FlyteAdmin. Registering the same body
 * again answers AlreadyExists, which is success here (a no-op); another body under the same
 * version is refused by FlyteAdmin as "different structure", which becomes a VersionConflictError.
 */
import { create } from '@bufbuild/protobuf';
import { Code, ConnectError } from '@connectrpc/connect';
import type { DescriptionEntity } from '@tflyte/idl/admin/description_entity';
import { type TaskSpec, TaskSpecSchema } from '@tflyte/idl/admin/task';
import type { TaskTemplate } from '@tflyte/idl/core/tasks';
import type { FlyteRemote } from './client.ts';
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

export function settle(error: unknown, kind: string, name: string, version: string): RegistrationResult {
  if (error instanceof ConnectError) {
    if (error.code === Code.AlreadyExists) return 'exists';
    if (error.code === Code.InvalidArgument && /different structure/i.test(error.rawMessage))
      throw new VersionConflictError(kind, name, version);
    throw new RemoteError(
      'REMOTE_REQUEST',
      `registering ${kind} '${name}' version '${version}': FlyteAdmin answered ${Code[error.code]}: ${error.rawMessage}`,
      { cause: error },
    );
  }
  throw error;
}
