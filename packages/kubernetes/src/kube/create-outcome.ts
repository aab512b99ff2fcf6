/**
 * Flyte's create-error table (k8s plugin_manager): what a failed create of a job's object means for
 * the attempt. Transient failures were already retried by the client; what is left is decided here.
 */
import { BackendError, parseQuantity } from '@tflyte/core';
import { type ApiFailure, apiFailure, isAlreadyExists, KUBERNETES_API_ERROR } from './api-errors.ts';
import type { KubeClient } from './kube-client.ts';
import type { KubeObject } from './kube-object.ts';
import type { ResourceKind } from './resource-kind.ts';

export type CreateOutcome<T extends KubeObject> =
  | { readonly type: 'created'; readonly object: T }
  /** An object of that name exists: an earlier create of the same attempt got through. */
  | { readonly type: 'exists' }
  /** A resource quota is full for now; try again later. */
  | { readonly type: 'waiting'; readonly message: string };

/** Creates the object; throws BackendError for failures the table makes final or retryable. */
export async function createResource<T extends KubeObject>(
  client: Pick<KubeClient, 'create'>,
  kind: ResourceKind,
  object: T,
): Promise<CreateOutcome<T>> {
  try {
    return { type: 'created', object: await client.create(kind, object) };
  } catch (error) {
    const failure = apiFailure(error);
    if (isAlreadyExists(failure)) return { type: 'exists' };
    const what = `${object.kind ?? 'object'} ${object.metadata?.namespace ?? ''}/${object.metadata?.name ?? ''}`;
    if (failure.code === 403 && /exceeded quota/i.test(failure.message)) {
      if (requestExceedsQuota(failure.message)) {
        throw fail(
          'user',
          false,
          'ResourceRequestsExceedLimits',
          `${what} asks for more than its namespace's resource quota allows at all: ${failure.message}; lower the task's requests/limits or raise the quota`,
          error,
        );
      }
      return { type: 'waiting', message: `Exceeded resourcequota: ${failure.message}` };
    }
    throw tableError(failure, what, error);
  }
}

function tableError(failure: ApiFailure, what: string, cause: unknown): BackendError {
  switch (failure.code) {
    case 403:
      return fail(
        'user',
        true,
        'RuntimeFailure',
        `creating ${what} was forbidden: ${failure.message}; check the RBAC permissions of the kubeconfig's user in that namespace`,
        cause,
      );
    case 400:
    case 422:
      return fail('user', false, 'BadTaskFormat', `the API server rejected ${what}: ${failure.message}`, cause);
    case 413:
      return fail(
        'user',
        false,
        'EntityTooLarge',
        `${what} is larger than the API server accepts: ${failure.message}; make the task's inputs or pod spec smaller`,
        cause,
      );
    default:
      return fail(
        'system',
        true,
        KUBERNETES_API_ERROR,
        `creating ${what} failed${failure.code === undefined ? '' : ` with HTTP ${failure.code}`}: ${failure.message}`,
        cause,
      );
  }
}

function fail(kind: 'user' | 'system', retryable: boolean, code: string, message: string, cause: unknown): BackendError {
  return new BackendError({ kind, retryable, code, message }, { cause });
}

/**
 * The quota admission message lists `requested: a=1,b=2, used: …, limited: a=1`: the request alone
 * exceeding a limit can never be admitted, however much of the quota is freed.
 */
export function requestExceedsQuota(message: string): boolean {
  const section = (label: string): Map<string, number> => {
    const match = new RegExp(`${label}: ([^ ]+?)(?:, [a-z]+:|$)`).exec(message);
    const entries = new Map<string, number>();
    for (const pair of (match?.[1] ?? '').split(',')) {
      const [name, value] = pair.split('=');
      const quantity = value === undefined ? undefined : parseQuantity(value);
      if (name && quantity !== undefined) entries.set(name, quantity);
    }
    return entries;
  };
  const requested = section('requested');
  const limited = section('limited');
  return [...requested].some(([name, value]) => {
    const limit = limited.get(name);
    return limit !== undefined && value > limit;
  });
}
