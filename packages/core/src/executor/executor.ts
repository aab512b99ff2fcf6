import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { LiteralMap } from '@tflyte/idl/core/literals';
import type { TaskTemplate } from '@tflyte/idl/core/tasks';
import { CancelledError, InvalidOptionError } from '../errors.ts';
import type { Backend } from '../plugin/contract.ts';
import { createRegistry, type PluginRegistry } from '../plugin/registry.ts';
import type { StateStore } from '../store/state-store.ts';
import { createFileStore } from '../storage/file-store.ts';
import { createStorage, type Storage } from '../storage/object-store.ts';
import { withCache, type CacheSettings } from './cache.ts';
import { systemClock, type Clock } from './clock.ts';
import type { EventPayload, ExecutorEvent, ExecutorEventListener } from './events.ts';
import { base32 } from './generated-name.ts';
import { withMemoryAttempts } from './memory-attempts.ts';
import { runAttempts } from './run-attempts.ts';
import type { RunContext } from './run-context.ts';

export interface ExecutorOptions {
  /** Plugins by task type; a task type with an entry in `backends` needs no plugin. */
  readonly registry?: PluginRegistry;
  readonly store: StateStore;
  /** Absolute directory for per-attempt files (inputs.pb, outputs.pb, error.pb). */
  readonly stateDir: string;
  /** Object stores by scheme; default: file:// only. */
  readonly storage?: Storage;
  /** Backend overrides by TaskTemplate.type, used instead of the plugin's own backend. */
  readonly backends?: { readonly [taskType: string]: Backend };
  readonly clock?: Clock;
  /** Retries for SYSTEM failures, separate from the task's own (USER) retries. Default 3. */
  readonly systemRetries?: number;
  /** Raw output prefix (query results, files); default `<attempt dir>/raw`. */
  readonly rawOutputPrefix?: string;
  readonly cache?: {
    /** A cache-serialization lock without a heartbeat for this long is taken over. Default 30 s. */
    readonly lockTtlMs?: number;
    /** How often a waiter checks for the owner's result. Default 500 ms. */
    readonly waitPollMs?: number;
  };
  /** Names this executor in cache locks; default `<host>:<pid>:<random>`. */
  readonly owner?: string;
}

export interface RunOptions {
  /** Aborting it deletes the live job and rejects `run` with CancelledError. */
  readonly signal?: AbortSignal;
  /**
   * Identifies the run. Running again with the same runId and nodeId resumes it: a live attempt is
   * re-attached rather than created again, and a finished one returns its result. Default: random.
   */
  readonly runId?: string;
  /** Default `n0`. */
  readonly nodeId?: string;
  /** Receives this run's events (in addition to listeners added with `on`). */
  readonly onEvent?: ExecutorEventListener;
}

export interface Executor {
  /**
   * Runs a task to completion and resolves with its outputs. Rejects with TaskFailedError,
   * TaskTimeoutError, CancelledError, PluginNotFoundError, StateConflictError or StateCorruptError.
   */
  run(template: TaskTemplate, inputs: LiteralMap, options?: RunOptions): Promise<LiteralMap>;
  /** Subscribes to the events of every run; returns the unsubscribe function. */
  on(listener: ExecutorEventListener): () => void;
}

export const DEFAULT_SYSTEM_RETRIES = 3;
export const DEFAULT_NODE_ID = 'n0';

/** A run id that is a valid DNS-1123 label: `r` + 13 base32 characters. */
export function newRunId(): string {
  return `r${base32(randomBytes(8))}`;
}

/**
 * The one executor for every task type: it drives a Backend's create → get/watch → delete
 * lifecycle from a TaskTemplate and a LiteralMap, with caching, retries, timeouts, cancellation and
 * crash recovery, and knows nothing about any particular task type.
 */
export function createExecutor(options: ExecutorOptions): Executor {
  const registry = options.registry ?? createRegistry();
  const clock = options.clock ?? systemClock;
  const storage = options.storage ?? createStorage([createFileStore()]);
  const systemRetries = options.systemRetries ?? DEFAULT_SYSTEM_RETRIES;
  if (!Number.isInteger(systemRetries) || systemRetries < 0) {
    throw new InvalidOptionError('executor', 'systemRetries', 'must be a non-negative integer');
  }
  const owner = options.owner ?? `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  let lockSeq = 0;
  const cacheSettings: CacheSettings = {
    lockTtlMs: options.cache?.lockTtlMs ?? 30_000,
    waitPollMs: options.cache?.waitPollMs ?? 500,
    inFlight: new Map(),
    newOwner: () => `${owner}:${++lockSeq}`,
  };
  const listeners = new Set<ExecutorEventListener>();
  const memoryAttempts = withMemoryAttempts(options.store);

  const resolveBackend = (template: TaskTemplate): Backend =>
    options.backends?.[template.type] ?? registry.resolve(template.type, template.taskTypeVersion).backend;

  return {
    async run(template, inputs, runOptions = {}) {
      const runId = runOptions.runId ?? newRunId();
      const nodeId = runOptions.nodeId ?? DEFAULT_NODE_ID;
      const task = template.id?.name || template.type;
      const backend = resolveBackend(template);
      const emit = (payload: EventPayload): void => {
        if (listeners.size === 0 && runOptions.onEvent === undefined) return;
        const event = { ...payload, runId, nodeId, task, at: clock.now() } as ExecutorEvent;
        for (const listener of [...listeners, ...(runOptions.onEvent === undefined ? [] : [runOptions.onEvent])]) {
          try {
            listener(event);
          } catch (error) {
            // A broken listener must not break the run (or leak its job); make it visible instead.
            process.emitWarning(`tflyte executor event listener threw on '${event.type}': ${String(error)}`);
          }
        }
      };
      const ctx: RunContext = {
        runId,
        nodeId,
        task,
        template,
        inputs,
        backend,
        signal: runOptions.signal ?? new AbortController().signal,
        emit,
        store: backend.inProcess ? memoryAttempts : options.store,
        persistFiles: !backend.inProcess,
        storage,
        clock,
        stateDir: options.stateDir,
        rawOutputPrefix: options.rawOutputPrefix,
        systemRetries,
      };
      emit({ type: 'run-started', taskType: template.type, taskTypeVersion: template.taskTypeVersion, backend: backend.name });
      if (ctx.signal.aborted) {
        emit({ type: 'cancelled', attempt: undefined });
        throw new CancelledError(task, 'before it started');
      }
      try {
        const { outputs, attempts } = await withCache(ctx, cacheSettings, () => runAttempts(ctx));
        emit({ type: 'succeeded', attempts, fromCache: attempts === 0 });
        return outputs;
      } finally {
        if (backend.inProcess) memoryAttempts.forget(runId, nodeId);
      }
    },
    on(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
