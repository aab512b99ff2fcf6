/**
 * A local session: the project's tflyte.config.ts, a plugin registry with the built-in function
 * plugin plus the configured ones, the embedded state store, and an executor over them. This is
 * what `tflyte run` and programmatic runs use.
 */

import { resolve } from 'node:path';
import type { LiteralMap } from '@tflyte/idl/core/literals';
import type { TflyteConfig } from '../config/define-config.ts';
import { validateConfig } from '../config/define-config.ts';
import { DEFAULT_STATE_DIR, type LoadedConfig, loadConfig } from '../config/load-config.ts';
import { InvalidOptionError, StateConflictError } from '../errors.ts';
import type { ExecutorEventListener } from '../executor/events.ts';
import { type AbandonedJob, createExecutor, type Executor, newRunId } from '../executor/executor.ts';
import { createRegistry, type PluginRegistry } from '../plugin/registry.ts';
import { createFileStore } from '../storage/file-store.ts';
import { createStorage } from '../storage/object-store.ts';
import { openStateStore, type StateStore } from '../store/index.ts';
import type { TaskDefinition } from '../task/define-task.ts';
import { functionPlugin } from '../task/function-plugin.ts';
import type { TaskRunner } from '../task/run-context.ts';
import { executorRunner } from './executor-runner.ts';
import { checkSameRun, recordedInputs, runIdentity } from './run-identity.ts';
import { openRunJournal, ownerAlive, type RunJournal, type RunRecord, type RunStatus } from './run-journal.ts';

export interface OpenSessionOptions {
  /** Where to look for tflyte.config.ts (walking up). Default: the current directory. */
  readonly cwd?: string;
  /** Told when the state store was unusable (0 bytes, no schema) and was started afresh, so the cache was reset. Default: a process warning. */
  readonly onStateReset?: (message: string) => void;
  /** A config object instead of the file. */
  readonly config?: TflyteConfig;
}

export interface Session {
  readonly config: LoadedConfig;
  readonly registry: PluginRegistry;
  readonly store: StateStore;
  readonly executor: Executor;
  /** A runner for one run: task calls made under `withRunner(runner, …)` go through the executor. */
  runner(options?: { runId?: string; signal?: AbortSignal; onEvent?: ExecutorEventListener }): TaskRunner;
  /** The runs of this state directory: what ran on which inputs, and whether it finished. */
  readonly runs: RunJournal;
  /**
   * Decides which run a call of `task` on `inputs` is, and records it as running in this process:
   * `runId` when given (StateConflictError when it was recorded for another task, version or
   * inputs, or was abandoned), else the newest unfinished run of the same task, version and inputs
   * whose process is gone (resumed: its live jobs are re-attached), else a new run.
   */
  startRun(request: StartRunRequest): StartedRun;
  /**
   * Records how a run ended, after deleting the jobs of it that are still live in the store — ones
   * no call of this run re-attached to — and returns them.
   */
  finishRun(runId: string, status: Exclude<RunStatus, 'running' | 'abandoned'>): Promise<AbandonedJob[]>;
  /** Deletes a run's live jobs through their backends and records it as abandoned. */
  abandonRun(runId: string): Promise<AbandonedJob[]>;
  /** The inputs a run was recorded with, to resume it. */
  inputsOf(run: RunRecord): LiteralMap;
  close(): void;
}

export interface StartRunRequest {
  readonly task: TaskDefinition;
  /** The module that defines the task (absolute) and the name the user gave, to resume it later. */
  readonly file: string;
  readonly exportName: string;
  readonly inputs: LiteralMap;
  readonly runId?: string;
}

export interface StartedRun {
  readonly runId: string;
  /** The recorded run this one continues, when it resumes one. */
  readonly resumed: RunRecord | undefined;
}

/** Run ids name jobs (pods, containers, queries), so they must be DNS-1123 labels. */
const RUN_ID = /^[a-z0-9](?:[-a-z0-9]{0,38}[a-z0-9])?$/;

export async function openSession(options: OpenSessionOptions = {}): Promise<Session> {
  const cwd = options.cwd ?? process.cwd();
  let loaded: LoadedConfig;
  if (options.config) {
    validateConfig(options.config);
    const stateDir = resolve(cwd, options.config.stateDir ?? DEFAULT_STATE_DIR);
    loaded = { config: options.config, path: undefined, projectDir: cwd, stateDir };
  } else {
    loaded = await loadConfig(cwd);
  }
  const { config, stateDir } = loaded;
  const registry = createRegistry({ plugins: [functionPlugin(), ...config.plugins] });
  const store = openStateStore(stateDir, options.onStateReset === undefined ? {} : { onReset: options.onStateReset });
  const executor = createExecutor({
    registry,
    store,
    stateDir,
    storage: createStorage([createFileStore(), ...(config.storage?.stores ?? [])]),
    ...(config.backends ? { backends: config.backends } : {}),
    ...(config.systemRetries === undefined ? {} : { systemRetries: config.systemRetries }),
    ...(config.storage?.rawOutputPrefix ? { rawOutputPrefix: config.storage.rawOutputPrefix } : {}),
  });
  const runs = openRunJournal(stateDir);
  const now = () => Date.now();
  return {
    config: loaded,
    registry,
    store,
    executor,
    // One run id for every call of the runner, also when the caller passes `runId: undefined`.
    runner: (runOptions = {}) => executorRunner(executor, { ...runOptions, runId: runOptions.runId ?? newRunId() }),
    runs,
    startRun(request) {
      const identity = runIdentity(request.task, request.inputs);
      const record = { ...identity, file: request.file, exportName: request.exportName };
      if (request.runId !== undefined) {
        if (!RUN_ID.test(request.runId)) {
          throw new InvalidOptionError(
            'run',
            'runId',
            `must be 1 to 40 lower-case letters, digits or '-' (a DNS-1123 label), got '${request.runId}'`,
          );
        }
        const previous = runs.get(request.runId);
        if (previous !== undefined) {
          checkSameRun(request.runId, previous, identity);
          if (previous.status === 'abandoned')
            throw new StateConflictError(`run '${request.runId}' was abandoned; start a new run instead`);
          if (previous.status === 'running' && ownerAlive(previous.owner)) {
            throw new StateConflictError(`run '${request.runId}' is being run by process ${previous.owner}; stop that one first`);
          }
        }
        runs.begin({ ...record, runId: request.runId }, now());
        return { runId: request.runId, resumed: previous };
      }
      const [previous] = runs.resumable(identity);
      const runId = previous?.runId ?? newRunId();
      runs.begin({ ...record, runId }, now());
      return { runId, resumed: previous };
    },
    async finishRun(runId, status) {
      const leftover = await executor.abandon(runId);
      runs.end(runId, status, now());
      return leftover;
    },
    async abandonRun(runId) {
      const run = runs.get(runId);
      if (run === undefined) throw new StateConflictError(`no run '${runId}' is recorded in ${store.path}`);
      if (run.status === 'running' && ownerAlive(run.owner)) {
        throw new StateConflictError(`run '${runId}' is being run by process ${run.owner}; stop that one first (Ctrl-C deletes its jobs)`);
      }
      const jobs = await executor.abandon(runId);
      if (jobs.every((job) => job.deleted)) runs.end(runId, 'abandoned', now());
      return jobs;
    },
    inputsOf: (run) => recordedInputs(run),
    close: () => {
      runs.close();
      store.close();
    },
  };
}
