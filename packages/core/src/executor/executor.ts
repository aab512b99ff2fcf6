import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { fromBinary, toBinary } from '@bufbuild/protobuf';
import { type LiteralMap, LiteralMapSchema } from '@tflyte/idl/core/literals';
import { type TaskTemplate, TaskTemplateSchema } from '@tflyte/idl/core/tasks';
import { CancelledError, InvalidOptionError } from '../errors.ts';
import { type Backend, isSyncBackend } from '../plugin/contract.ts';
import { createRegistry, type PluginRegistry } from '../plugin/registry.ts';
import { createFileStore } from '../storage/file-store.ts';
import { createStorage, type Storage } from '../storage/object-store.ts';
import { type AttemptRecord, inputsDocument, type StateStore, TEMPLATE_DOCUMENT } from '../store/state-store.ts';
import type { JsonValue } from '../types/flyte-type.ts';
import { ATTEMPT_OVER, attemptContext, attemptPrefix } from './attempt.ts';
import { type CacheSettings, withCache } from './cache.ts';
import { type Clock, systemClock } from './clock.ts';
import type { EventPayload, ExecutorEvent, ExecutorEventListener } from './events.ts';
import { base32 } from './generated-name.ts';
import { noAttemptFiles, withMemoryAttempts } from './memory-attempts.ts';
import { runAttempts } from './run-attempts.ts';
import { cancellation, type RunContext, type RunSetup } from './run-context.ts';
import { type ArrayElements, type ElementResult, type ElementSink, runElements } from './run-elements.ts';

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

export interface ArrayRunOptions {
  /** Aborting it starts no further element, cancels the running ones and rejects with CancelledError. */
  readonly signal?: AbortSignal;
  /** As for `run`: the same runId and nodeId resume the array, element by element. Default: random. */
  readonly runId?: string;
  /** The array node; element i runs as sub-node `<nodeId>-<i>`. Default `n0`. */
  readonly nodeId?: string;
  /** Elements in flight at once (Flyte's parallelism). */
  readonly concurrency: number;
  /** Elements that must succeed (0 … elements.length); no element starts once failures make it unreachable. */
  readonly minSuccesses: number;
  /** Receives the events of every element (in addition to listeners added with `on`). */
  readonly onEvent?: ExecutorEventListener;
  /**
   * Receives each element's result as it ends; runArray then keeps none and resolves with an empty
   * array, so an element's state is released once its result is handed over.
   */
  readonly onResult?: ElementSink;
}

export interface Executor {
  /**
   * Runs a task to completion and resolves with its outputs. Rejects with TaskFailedError,
   * TaskTimeoutError, CancelledError, PluginNotFoundError, StateConflictError or StateCorruptError.
   */
  run(template: TaskTemplate, inputs: LiteralMap, options?: RunOptions): Promise<LiteralMap>;
  /**
   * Runs one task over many inputs, as Flyte's ArrayNode does: the backend and everything the
   * elements share are resolved once, and element i runs as sub-node `<nodeId>-<i>` with its own
   * attempts, retries, cache lookup and events. Resolves with one result per element, in order:
   * its outputs, the error `run` would have rejected with, or `skipped` when it never started.
   * Rejects with InvalidOptionError, PluginNotFoundError, or CancelledError once the signal aborts
   * (after every running element has cancelled its job).
   */
  runArray(template: TaskTemplate, elements: ArrayElements, options: ArrayRunOptions): Promise<ElementResult[]>;
  /**
   * Deletes, through their backends, the jobs of `runId` that are still live in the state store
   * (attempts recorded as `creating` or `running`) and records them as aborted. This is how a run
   * that will not be resumed stops leaking: jobs no call re-attached to, or a run the user abandons.
   * An attempt whose create may have reached the backend without its handle being stored is created
   * again with its idempotency token (which returns the same job) and deleted.
   * Jobs are reported in node order.
   */
  abandon(runId: string): Promise<AbandonedJob[]>;
  /** Subscribes to the events of every run; returns the unsubscribe function. */
  on(listener: ExecutorEventListener): () => void;
}

/** One live job `abandon` found, and whether it was deleted. */
export interface AbandonedJob {
  readonly runId: string;
  readonly nodeId: string;
  readonly attempt: number;
  readonly task: string;
  readonly generatedName: string;
  readonly backend: string;
  readonly deleted: boolean;
  /** Why it could not be deleted. */
  readonly problem?: string;
}

export const DEFAULT_SYSTEM_RETRIES = 3;
const DEFAULT_NODE_ID = 'n0';

/** A run's shared setup, plus the template's bytes (recorded beside each node of a remote backend). */
type Setup = RunSetup & { readonly templateBytes: () => Uint8Array };

/** A node's directory under the state dir (its attempts are `<node>/<attempt>`). */
function nodePrefix(stateDir: string, runId: string, nodeId: string): string {
  return attemptPrefix(stateDir, runId, nodeId, 0).replace(/\/0$/, '');
}

/** A run id that is a valid DNS-1123 label: `r` + 13 base32 characters. */
export function newRunId(): string {
  return `r${base32(randomBytes(8))}`;
}

/**
 * The one executor for every task type: it drives a Backend's create → get/watch → delete
 * lifecycle (or its `do`) from a TaskTemplate and a LiteralMap, with caching, retries, timeouts,
 * cancellation and crash recovery, and knows nothing about any particular task type.
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

  const setUp = (template: TaskTemplate, runOptions: RunOptions | ArrayRunOptions): Setup => {
    const backend = resolveBackend(template);
    return {
      runId: runOptions.runId ?? newRunId(),
      task: template.id?.name || template.type,
      template,
      backend,
      signal: runOptions.signal,
      store: backend.inProcess ? memoryAttempts : options.store,
      files: backend.inProcess ? noAttemptFiles : storage,
      clock,
      stateDir: options.stateDir,
      rawOutputPrefix: options.rawOutputPrefix,
      systemRetries,
      templateBytes: () => templateBytesOf(template),
    };
  };

  // A template.pb file beside the node is where an older tflyte recorded it.
  const recordedTemplate = async (runId: string, nodeId: string): Promise<Uint8Array | undefined> =>
    options.store.getDocument(runId, nodeId, TEMPLATE_DOCUMENT) ??
    (await storage.get(`${nodePrefix(options.stateDir, runId, nodeId)}/${TEMPLATE_DOCUMENT}`));

  const abandonAttempt = async (record: AttemptRecord): Promise<AbandonedJob> => {
    const job = {
      runId: record.runId,
      nodeId: record.nodeId,
      attempt: record.attempt,
      task: record.taskName,
      generatedName: record.generatedName,
      backend: record.backend,
    };
    const notDeleted = (problem: string): AbandonedJob => ({ ...job, deleted: false, problem });
    const node = nodePrefix(options.stateDir, record.runId, record.nodeId);
    // An array's elements share the template recorded once at the array node (`<array>-<i>`).
    const arrayNode = /^(.+)-\d+$/.exec(record.nodeId)?.[1];
    const inputBytes =
      options.store.getDocument(record.runId, record.nodeId, inputsDocument(record.attempt)) ??
      (await storage.get(`${node}/${record.attempt}/inputs.pb`));
    const templateBytes =
      (await recordedTemplate(record.runId, record.nodeId)) ??
      (arrayNode === undefined ? undefined : await recordedTemplate(record.runId, arrayNode));
    if (templateBytes === undefined) return notDeleted(`its task template is not recorded under ${node}`);
    const template = fromBinary(TaskTemplateSchema, templateBytes);
    const setup = setUp(template, { runId: record.runId });
    const { backend } = setup;
    if (isSyncBackend(backend)) return notDeleted(`backend ${backend.name} runs in-process; its job ended with the process`);
    if (backend.name !== record.backend || backend.handleVersion !== record.handleVersion) {
      return notDeleted(
        `it was started by backend ${record.backend} (handle version ${record.handleVersion}); the configured one is ${backend.name} (handle version ${backend.handleVersion})`,
      );
    }
    const inputs = inputBytes === undefined ? undefined : fromBinary(LiteralMapSchema, inputBytes);
    if (inputs === undefined) return notDeleted(`its inputs are not recorded under ${node}/${record.attempt}`);
    const ctx: RunContext = {
      ...setup,
      nodeId: record.nodeId,
      inputs,
      emit: () => {},
      listening: () => false,
      templateDocument: undefined,
    };
    const abort = new AbortController();
    const actx = attemptContext(ctx, { attempt: record.attempt, resume: record, interruptible: false }, abort);
    try {
      let handle: JsonValue | undefined = record.handle;
      if (record.status === 'creating' || handle === undefined)
        handle = JSON.parse(JSON.stringify(await backend.create(actx))) as JsonValue;
      await backend.delete(handle, actx);
      const now = clock.now();
      options.store.updateAttempt(record, { status: 'aborted', endedAt: now }, now);
      return { ...job, deleted: true };
    } catch (error) {
      return notDeleted(error instanceof Error ? error.message : String(error));
    } finally {
      abort.abort(ATTEMPT_OVER);
    }
  };

  const anyListener = (): boolean => listeners.size > 0;
  const emitter =
    (setup: RunSetup, nodeId: string, onEvent: ExecutorEventListener | undefined) =>
    (payload: EventPayload): void => {
      if (listeners.size === 0 && onEvent === undefined) return;
      const event = { ...payload, runId: setup.runId, nodeId, task: setup.task, at: clock.now() } as ExecutorEvent;
      for (const listener of [...listeners, ...(onEvent === undefined ? [] : [onEvent])]) {
        try {
          listener(event);
        } catch (error) {
          // A broken listener must not break the run (or leak its job); make it visible instead.
          process.emitWarning(`tflyte executor event listener threw on '${event.type}': ${String(error)}`);
        }
      }
    };

  /** A remote job can outlive this process; `abandon` needs the template to delete it later (a node's own goes with its attempts). */
  const recordArrayTemplate = (setup: Setup, nodeId: string): void =>
    options.store.putDocument(setup.runId, nodeId, TEMPLATE_DOCUMENT, setup.templateBytes());

  /** `templateRecorded`: an array element, whose template the array node holds. */
  const runNode = async (
    setup: Setup,
    nodeId: string,
    inputs: LiteralMap,
    onEvent: ExecutorEventListener | undefined,
    templateRecorded = false,
  ): Promise<LiteralMap> => {
    const { template, backend } = setup;
    const ctx: RunContext = {
      ...setup,
      nodeId,
      inputs,
      emit: emitter(setup, nodeId, onEvent),
      listening: onEvent === undefined ? anyListener : always,
      templateDocument: backend.inProcess || templateRecorded ? undefined : setup.templateBytes,
    };
    if (ctx.listening())
      ctx.emit({
        type: 'run-started',
        taskType: template.type,
        taskTypeVersion: template.taskTypeVersion,
        backend: backend.name,
        inProcess: backend.inProcess === true,
      });
    if (ctx.signal?.aborted === true) {
      throw cancellation(ctx, undefined, 'before it started');
    }
    try {
      const { outputs, attempts } = await withCache(ctx, cacheSettings, runAttempts);
      if (ctx.listening()) ctx.emit({ type: 'succeeded', attempts, fromCache: attempts === 0 });
      return outputs;
    } finally {
      if (backend.inProcess) memoryAttempts.forget(setup.runId, nodeId);
    }
  };

  return {
    async run(template, inputs, runOptions = {}) {
      return runNode(setUp(template, runOptions), runOptions.nodeId ?? DEFAULT_NODE_ID, inputs, runOptions.onEvent);
    },
    async runArray(template, elements, arrayOptions) {
      const { concurrency, minSuccesses, signal, onEvent, onResult } = arrayOptions;
      const task = template.id?.name || template.type;
      if (!Number.isInteger(concurrency) || concurrency < 1) {
        throw new InvalidOptionError(task, 'concurrency', `must be a positive integer, got ${String(concurrency)}`);
      }
      if (!Number.isInteger(minSuccesses) || minSuccesses < 0 || minSuccesses > elements.length) {
        throw new InvalidOptionError(
          task,
          'minSuccesses',
          `must be an integer from 0 to the number of elements (${elements.length}), got ${String(minSuccesses)}`,
        );
      }
      if (elements.length === 0) return [];
      const setup = setUp(template, arrayOptions);
      const nodeId = arrayOptions.nodeId ?? DEFAULT_NODE_ID;
      if (!setup.backend.inProcess) recordArrayTemplate(setup, nodeId);
      let cancelled = 0;
      const kept: ElementResult[] = [];
      await runElements(
        elements.length,
        {
          task,
          concurrency,
          minSuccesses,
          signal,
          onResult: (index, result) => {
            if (!result.ok && (result.skipped || result.error instanceof CancelledError)) cancelled += 1;
            if (onResult === undefined) kept[index] = result;
            else onResult(index, result);
          },
        },
        (i) => runNode(setup, `${nodeId}-${i}`, elements.at(i)!, onEvent, true),
      );
      if (signal?.aborted === true && cancelled > 0) {
        throw new CancelledError(task, `${cancelled} of ${elements.length} elements were cancelled or never started`);
      }
      return kept;
    },
    async abandon(runId) {
      const live = options.store.listAttemptsByStatus(['creating', 'running']).filter((record) => record.runId === runId);
      // Elements of an array start concurrently, so store order is not node order; report in node order.
      live.sort((a, b) => a.nodeId.localeCompare(b.nodeId, 'en', { numeric: true }) || a.attempt - b.attempt);
      return Promise.all(live.map(abandonAttempt));
    },
    on(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

// Encoded once per template object, not once per run: a session builds each task's template once
// and runs it many times, and templates are not changed once built.
const encodedTemplates = new WeakMap<TaskTemplate, Uint8Array>();
const always = (): boolean => true;

function templateBytesOf(template: TaskTemplate): Uint8Array {
  let bytes = encodedTemplates.get(template);
  if (bytes === undefined) encodedTemplates.set(template, (bytes = toBinary(TaskTemplateSchema, template)));
  return bytes;
}
