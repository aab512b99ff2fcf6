/**
 * Intra-task checkpoints: a long task saves its progress, and the next attempt of the same node (after
 * a failure, a preemption) resumes from it instead of starting over. Flyte gives every attempt two
 * prefixes: where this attempt writes its checkpoint (`--checkpoint-path`) and where the previous
 * attempt wrote its own (`--prev-checkpoint`, empty on a first attempt). `currentCheckpoint()` inside
 * a task body is flytekit's `current_context().checkpoint`.
 *
 * The layout is flytekit's SyncCheckpoint, so a tflyte attempt can resume from a flytekit one and back:
 * `write(bytes)` puts one object named `_dst_cp` under this attempt's prefix, and `read()` returns the
 * previous attempt's.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { TflyteError } from '../errors.ts';
import { joinUri, type Storage } from '../storage/index.ts';

/** The object flytekit's SyncCheckpoint.write uploads under the checkpoint prefix. */
export const CHECKPOINT_OBJECT = '_dst_cp';

export interface Checkpoint {
  /** True when Flyte gave this attempt a previous attempt's checkpoint prefix (it may still hold nothing). */
  prevExists(): boolean;
  /** The previous attempt's checkpoint, or undefined on a first attempt or when it saved none. */
  read(): Promise<Uint8Array | undefined>;
  /** Replaces this attempt's checkpoint; a later attempt reads it back with `read()`. */
  write(bytes: Uint8Array): Promise<void>;
}

export interface CheckpointLocations {
  /** Where this attempt's checkpoint goes. */
  readonly checkpointPath: string;
  /** The previous attempt's checkpoint prefix; undefined on a first attempt. */
  readonly prevCheckpoint?: string | undefined;
}

/** A checkpoint read and written through `storage` (file://, s3://, gs://), at Flyte's prefixes. */
export function storageCheckpoint(storage: Storage, locations: CheckpointLocations): Checkpoint {
  const { checkpointPath, prevCheckpoint } = locations;
  if (checkpointPath.trim() === '')
    throw new TflyteError('TFLYTE_USAGE', 'checkpointPath is empty; give the prefix Flyte renders from {{.checkpointOutputPrefix}}');
  const prev = prevCheckpoint === undefined || prevCheckpoint.trim() === '' ? undefined : prevCheckpoint;
  return {
    prevExists: () => prev !== undefined,
    read: async () => (prev === undefined ? undefined : storage.get(joinUri(prev, CHECKPOINT_OBJECT))),
    write: (bytes) => storage.put(joinUri(checkpointPath, CHECKPOINT_OBJECT), bytes),
  };
}

/**
 * Outside a run that gives checkpoint prefixes (a direct call in a script) there is no previous
 * attempt and no next one to read what is written, as with flytekit's local runs without a sandbox.
 */
const NO_ATTEMPTS: Checkpoint = {
  prevExists: () => false,
  read: async () => undefined,
  write: async () => {},
};

const scope = new AsyncLocalStorage<Checkpoint>();

/** This attempt's checkpoint, inside a task body. */
export function currentCheckpoint(): Checkpoint {
  return scope.getStore() ?? NO_ATTEMPTS;
}

/** Runs `fn` (a task body) with `checkpoint` as what `currentCheckpoint()` returns inside it. */
export function withCheckpoint<T>(checkpoint: Checkpoint, fn: () => T): T {
  return scope.run(checkpoint, fn);
}
