/**
 * A local session: the project's tflyte.config.ts, a plugin registry with the built-in function
 * plugin plus the configured ones, the embedded state store, and an executor over them. This is
 * what `tflyte run` and programmatic runs use.
 */
import { DEFAULT_STATE_DIR, type LoadedConfig, loadConfig } from '../config/load-config.ts';
import type { TflyteConfig } from '../config/define-config.ts';
import { validateConfig } from '../config/define-config.ts';
import { type Executor, createExecutor, newRunId } from '../executor/executor.ts';
import type { ExecutorEventListener } from '../executor/events.ts';
import { type PluginRegistry, createRegistry } from '../plugin/registry.ts';
import { type StateStore, openStateStore } from '../store/index.ts';
import { createFileStore } from '../storage/file-store.ts';
import { createStorage } from '../storage/object-store.ts';
import { functionPlugin } from '../task/function-plugin.ts';
import type { TaskRunner } from '../task/run-context.ts';
import { executorRunner } from './executor-runner.ts';
import { resolve } from 'node:path';

export interface OpenSessionOptions {
  /** Where to look for tflyte.config.ts (walking up). Default: the current directory. */
  readonly cwd?: string;
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
  close(): void;
}

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
  const store = openStateStore(stateDir);
  const executor = createExecutor({
    registry,
    store,
    stateDir,
    storage: createStorage([createFileStore(), ...(config.storage?.stores ?? [])]),
    ...(config.backends ? { backends: config.backends } : {}),
    ...(config.systemRetries === undefined ? {} : { systemRetries: config.systemRetries }),
    ...(config.storage?.rawOutputPrefix ? { rawOutputPrefix: config.storage.rawOutputPrefix } : {}),
  });
  return {
    config: loaded,
    registry,
    store,
    executor,
    // One run id for every call of the runner, also when the caller passes `runId: undefined`.
    runner: (runOptions = {}) => executorRunner(executor, { ...runOptions, runId: runOptions.runId ?? newRunId() }),
    close: () => store.close(),
  };
}
