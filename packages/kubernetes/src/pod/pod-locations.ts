/**
 * Where an attempt's pod reads `inputs.pb` and writes `outputs.pb` / `error.pb`. By default that is
 * the executor's own attempt directory (file://, for a node on the same machine); with an object
 * store prefix (s3://, gs://, or another file:// path) the inputs are copied there before the pod is
 * created and the results copied back when it ends, under `<prefix>/<run>/<node>/<attempt>/`.
 */
import { type AttemptContext, BackendError, joinUri, type Storage } from '@tflyte/core';
import type { PodLocations } from './build-pod.ts';
import type { HostDataLayout } from './host-data.ts';

const CHECKPOINTS = '_flytecheckpoints';

/** The same prefix for the previous attempt, when the attempt number is one of its path segments. */
function previousAttemptPrefix(prefix: string, attempt: number): string {
  if (attempt === 0) return '';
  const segments = prefix.split('/');
  const at = segments.lastIndexOf(String(attempt));
  if (at < 0) return '';
  segments[at] = String(attempt - 1);
  return segments.join('/');
}

export function podLocations(
  ctx: AttemptContext,
  target: { readonly namespace: string; readonly name: string },
  objectStore: string | undefined,
  data: HostDataLayout | undefined,
): PodLocations {
  // The last three segments of the attempt directory are <run>/<node>/<attempt>.
  const outputPrefix = objectStore === undefined ? ctx.outputPrefix : joinUri(objectStore, ...ctx.outputPrefix.split('/').slice(-3));
  const checkpoints = joinUri(ctx.rawOutputPrefix, CHECKPOINTS);
  const previous = previousAttemptPrefix(ctx.rawOutputPrefix, ctx.attempt);
  return {
    ...target,
    inputUri: objectStore === undefined ? ctx.inputsUri : joinUri(outputPrefix, 'inputs.pb'),
    outputPrefix,
    checkpointOutputPrefix: checkpoints,
    prevCheckpointPrefix: previous === '' ? '' : joinUri(previous, CHECKPOINTS),
    data,
  };
}

async function copy(storage: Storage, from: string, to: string): Promise<boolean> {
  let bytes: Uint8Array | undefined;
  try {
    bytes = await storage.get(from);
    if (bytes !== undefined) await storage.put(to, bytes);
  } catch (error) {
    throw new BackendError(
      {
        kind: 'system',
        retryable: true,
        code: 'ObjectStoreError',
        message: `copying ${from} to ${to} failed: ${(error as Error).message}`,
      },
      { cause: error },
    );
  }
  return bytes !== undefined;
}

export async function uploadInputs(storage: Storage, ctx: AttemptContext, where: PodLocations): Promise<void> {
  if (where.inputUri === ctx.inputsUri) return;
  if (!(await copy(storage, ctx.inputsUri, where.inputUri))) {
    throw new BackendError({
      kind: 'system',
      retryable: true,
      code: 'ObjectStoreError',
      message: `the attempt's inputs are missing at ${ctx.inputsUri}`,
    });
  }
}

/** Copies outputs.pb and error.pb back beside the attempt; true when the task wrote an error document. */
export async function downloadResults(storage: Storage, ctx: AttemptContext, where: PodLocations): Promise<boolean> {
  if (where.outputPrefix === ctx.outputPrefix) {
    return (await storage.get(joinUri(ctx.outputPrefix, 'error.pb'))) !== undefined;
  }
  await copy(storage, joinUri(where.outputPrefix, 'outputs.pb'), joinUri(ctx.outputPrefix, 'outputs.pb'));
  return copy(storage, joinUri(where.outputPrefix, 'error.pb'), joinUri(ctx.outputPrefix, 'error.pb'));
}
