/**
 * The local backend of raw-container tasks: each attempt runs in a real container (podman or
 * docker) with its inputs copied into a fresh host directory mounted at `inputDataDir` and an empty
 * one mounted at `outputDataDir`, read back when the container exits.
 *
 * The process that created a container follows it through its `start --attach` client. A container
 * outlives that process (a killed `tflyte run`), so another process re-attaches by the handle: it
 * finds the container by its label, reads its state until it exits, and collects its outputs from
 * the attempt's host directory, which the handle names. Only a container that is gone is lost.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, isAbsolute, join } from 'node:path';
import {
  type AsyncBackend,
  type AttemptContext,
  aborted,
  BackendError,
  classifyError,
  createDataDirs,
  failed,
  failure,
  isTerminalPhase,
  materializeInputs,
  readOutputs,
  running,
  succeeded,
  type TaskStatus,
} from '@tflyte/core';
import { type RawContainerSpec, rawContainerSpec } from './raw-container-spec.ts';
import { renderCommand } from './render-command.ts';
import { ContainerRuntime, type ContainerSpec, type DetectOptions, type RunResult } from './runtime/index.ts';

export interface ContainerBackendOptions {
  /** The runtime to run containers in; default: detected on first use (podman, then docker; TFLYTE_CONTAINER_RUNTIME). */
  readonly runtime?: ContainerRuntime;
  /** How to detect the runtime when none is given. */
  readonly detect?: DetectOptions;
  /** When to pull images. Default 'missing'. */
  readonly pull?: ContainerSpec['pull'];
  /** Parent of the per-attempt work directories. Default: the OS temp directory. */
  readonly workDir?: string;
  /** Grace period between SIGTERM and SIGKILL when an attempt is stopped. Default 2 s. */
  readonly stopTimeoutSeconds?: number;
}

/** The persisted handle: the container's label value and the attempt's host directory. */
export type ContainerHandle = {
  /** Value of the `tflyte.attempt` label of the container. */
  readonly attempt: string;
  /** Readable prefix of the container name (`tflyte-<prefix>-<random>`). */
  readonly name: string;
  /** Host directory holding `inputs/` and `outputs/`; removed when the attempt ends. */
  readonly workDir: string;
};

/** The backend, with `watch` (it always has one). */
export type ContainerBackend = AsyncBackend<ContainerHandle> & { readonly watch: NonNullable<AsyncBackend<ContainerHandle>['watch']> };

/** Label that ties a container to its attempt (the executor's idempotency token). */
export const ATTEMPT_LABEL = 'tflyte.attempt';
const WORK_DIR_PREFIX = 'tflyte-container-attempt-';
const STDERR_TAIL_CHARS = 2000;

interface Job {
  readonly handle: ContainerHandle;
  status: TaskStatus;
  readonly listeners: Set<(status: TaskStatus) => void>;
  readonly stop: AbortController;
  done: Promise<void>;
}

export function containerBackend(options: ContainerBackendOptions = {}): ContainerBackend {
  const jobs = new Map<string, Job>();
  let detecting: Promise<ContainerRuntime> | undefined;

  const runtime = async (): Promise<ContainerRuntime> => {
    if (options.runtime) return options.runtime;
    detecting ??= ContainerRuntime.detect(options.detect);
    try {
      return await detecting;
    } catch (error) {
      detecting = undefined;
      throw new BackendError(
        { kind: 'system', retryable: false, code: 'ContainerRuntimeUnavailable', message: (error as Error).message },
        { cause: error },
      );
    }
  };

  const settle = (job: Job, status: TaskStatus): void => {
    job.status = status;
    for (const listener of job.listeners) listener(status);
    if (isTerminalPhase(status.phase)) job.listeners.clear();
  };

  const removeContainers = async (attempt: string): Promise<void> => {
    const rt = await runtime();
    for (const container of await rt.listContainers({ labels: { [ATTEMPT_LABEL]: attempt } })) {
      await rt.removeContainer(container.name);
    }
  };

  return {
    name: 'local-container',
    handleVersion: 1,
    async create(ctx) {
      const attempt = ctx.idempotencyToken;
      const existing = jobs.get(attempt);
      if (existing) return existing.handle;

      const spec = rawContainerSpec(ctx.template);
      const rt = await runtime();
      // A create repeated after a crash must not leave the first container running beside the second.
      await removeContainers(attempt);
      const workDir = await mkdtemp(join(options.workDir ?? tmpdir(), WORK_DIR_PREFIX));
      let containerSpec: ContainerSpec;
      try {
        containerSpec = await prepare(spec, ctx, workDir, options.pull);
      } catch (error) {
        await rm(workDir, { recursive: true, force: true });
        throw error;
      }
      const job: Job = {
        handle: { attempt, name: ctx.generatedName, workDir },
        status: running(),
        listeners: new Set(),
        stop: new AbortController(),
        done: Promise.resolve(),
      };
      jobs.set(attempt, job);
      job.done = (async () => {
        let status: TaskStatus;
        try {
          const result = await rt.run(containerSpec, { signal: job.stop.signal, stopTimeoutSeconds: options.stopTimeoutSeconds ?? 2 });
          status = result.exitCode === 0 ? await collect(spec, ctx, workDir) : exitFailure(result);
        } catch (error) {
          // A runtime that fails underneath a running container is the backend's fault, not the task's.
          status = job.stop.signal.aborted ? aborted({ message: 'stopped and removed' }) : failed(classifyError(error, 'system'));
        }
        // Outputs have been copied out; a directory that cannot be removed must not hide the result.
        await rm(workDir, { recursive: true, force: true }).catch(() => undefined);
        settle(job, status);
      })();
      return job.handle;
    },
    async get(handle, ctx) {
      return jobs.get(handle.attempt)?.status ?? (await adopted(handle, ctx));
    },
    watch(handle, ctx, onStatus, signal, onError) {
      const job = jobs.get(handle.attempt);
      if (job === undefined) {
        // Started by another process: nothing to attach to but the runtime's own view of it.
        void (async () => {
          while (!signal.aborted) {
            let status: TaskStatus;
            try {
              status = await adopted(handle, ctx);
            } catch (error) {
              return onError(error);
            }
            onStatus(status);
            if (isTerminalPhase(status.phase)) return;
            await ctx.clock.sleep(ADOPTED_POLL_MS, signal).catch(() => undefined);
          }
        })();
        return;
      }
      onStatus(job.status);
      if (isTerminalPhase(job.status.phase)) return;
      job.listeners.add(onStatus);
      signal.addEventListener('abort', () => job.listeners.delete(onStatus), { once: true });
    },
    async finalize(handle) {
      const job = jobs.get(handle.attempt);
      // Our own container and its directories are gone once it exited; only the status entry remains.
      if (job) {
        if (isTerminalPhase(job.status.phase)) jobs.delete(handle.attempt);
        return;
      }
      // A re-attached container is ours to remove once its outputs are read.
      await removeContainers(handle.attempt);
      await removeWorkDir(handle);
    },
    async delete(handle) {
      const job = jobs.get(handle.attempt);
      if (job) {
        job.stop.abort();
        await job.done;
        jobs.delete(handle.attempt);
      } else {
        await removeContainers(handle.attempt);
      }
      await removeWorkDir(handle);
    },
  };

  /** The status of a container another process started, from the runtime; its outputs once it exited 0. */
  async function adopted(handle: ContainerHandle, ctx: AttemptContext): Promise<TaskStatus> {
    const rt = await runtime();
    const [container] = await rt.listContainers({ labels: { [ATTEMPT_LABEL]: handle.attempt } });
    const state = container === undefined ? undefined : await rt.containerState(container.name);
    if (container === undefined || state === undefined) return lost(handle);
    if (state.exitCode === undefined) return running({ message: `re-attached to container ${container.name}` });
    if (state.exitCode !== 0)
      return failure('user', true, 'ContainerExitCode', `container ${container.name} exited with code ${state.exitCode}`);
    return collect(rawContainerSpec(ctx.template), ctx, handle.workDir);
  }
}

/** How often a re-attached container's state is read: it has no attached client to report its exit. */
const ADOPTED_POLL_MS = 1000;

async function removeWorkDir(handle: ContainerHandle): Promise<void> {
  // Only a directory this backend made: a handle is data read back from the state store.
  if (isAbsolute(handle.workDir) && basename(handle.workDir).startsWith(WORK_DIR_PREFIX)) {
    await rm(handle.workDir, { recursive: true, force: true });
  }
}

/** Lays out the data directories and builds the container spec of one attempt. */
async function prepare(spec: RawContainerSpec, ctx: AttemptContext, workDir: string, pull: ContainerSpec['pull']): Promise<ContainerSpec> {
  const mounts: { hostPath: string; containerPath: string }[] = [];
  if (spec.data !== undefined) {
    const inputs = join(workDir, 'inputs');
    const outputs = join(workDir, 'outputs');
    await createDataDirs(inputs, outputs);
    const names = Object.keys(spec.inputs);
    await materializeInputs({ hostDir: inputs, inputPath: spec.data.inputPath, format: spec.data.format }, names, ctx.inputs);
    // Like copilot: a volume only for a side of the interface that has variables.
    if (names.length > 0) mounts.push({ hostPath: inputs, containerPath: spec.data.inputPath });
    if (Object.keys(spec.outputs).length > 0) mounts.push({ hostPath: outputs, containerPath: spec.data.outputPath });
  }
  const { command, args } = renderCommand(spec, ctx);
  return {
    image: spec.image,
    command,
    args,
    env: spec.env,
    mounts,
    network: spec.network,
    limits: spec.limits,
    name: ctx.generatedName,
    labels: { [ATTEMPT_LABEL]: ctx.idempotencyToken },
    ...(pull === undefined ? {} : { pull }),
  };
}

async function collect(spec: RawContainerSpec, ctx: AttemptContext, workDir: string): Promise<TaskStatus> {
  if (spec.data === undefined || Object.keys(spec.outputs).length === 0) return succeeded();
  const result = await readOutputs(
    { hostDir: join(workDir, 'outputs'), outputPath: spec.data.outputPath, rawOutputPrefix: ctx.rawOutputPrefix },
    spec.outputs,
  );
  return result.ok ? succeeded(result.outputs) : failed(result.failure);
}

/** A non-zero exit is the task's own failure and spends its retries, as Flyte's pod plugin decides. */
function exitFailure(result: RunResult): TaskStatus {
  const tail = result.stderrTail.trimEnd();
  const shown = tail.length > STDERR_TAIL_CHARS ? `…${tail.slice(-STDERR_TAIL_CHARS)}` : tail;
  const killed = result.exitCode === 137 ? ' (SIGKILL: out of memory, or killed)' : '';
  const message = `container exited with code ${result.exitCode}${killed}; ${shown === '' ? 'it wrote nothing to stderr' : `stderr:\n${shown}`}`;
  return failure('user', true, 'ContainerExitCode', message);
}

/**
 * A container that is gone (removed outside tflyte, or by a runtime reset) cannot be followed: that
 * is the attempt's state, not a failed status check to retry, so it is a retryable SYSTEM failure.
 */
function lost(handle: ContainerHandle): TaskStatus {
  return failure(
    'system',
    true,
    'ContainerLost',
    `container ${handle.name} (label ${ATTEMPT_LABEL}=${handle.attempt.slice(0, 12)}…) no longer exists; the attempt runs again`,
  );
}
