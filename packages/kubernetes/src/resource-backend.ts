/**
 * The lifecycle every pod- or CRD-based backend shares (Flyte's k8s plugin manager): build the
 * object, create it through the create-error table, follow it through the shared informer, report
 * a vanished object as a retryable SYSTEM failure, and delete it when the attempt is over. A plugin
 * supplies only `build` and `phaseOf` (and optionally `finalize`, e.g. to fetch outputs).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { type AttemptContext, type Backend, BackendError, type TaskStatus, isTerminalPhase } from '@tflyte/core';
import { TaskExecution_Phase } from '@tflyte/idl/core/execution';
import { apiFailure } from './kube/api-errors.ts';
import { createResource } from './kube/create-outcome.ts';
import type { KubeClient } from './kube/kube-client.ts';
import type { KubeObject } from './kube/kube-object.ts';
import { type EventView, isNewerEvent, objectEvents } from './kube/object-events.ts';
import type { ResourceKind } from './kube/resource-kind.ts';

/** The persisted handle: where the object is, and whether it exists yet (a full quota delays it). */
export type ResourceHandle = {
  readonly namespace: string;
  readonly name: string;
  readonly created: boolean;
};

/** What `phaseOf` reports for one observed state of the object. */
export interface ResourcePhase {
  readonly status: TaskStatus;
  /** Evaluate the same object again at this time (ms since the epoch), e.g. when a grace period ends. */
  readonly recheckAt?: number;
}

export interface ResourceBackendOptions<T extends KubeObject> {
  /** The backend's name, e.g. `kubernetes-pod`, `kubernetes-spark`. */
  readonly name: string;
  readonly kind: ResourceKind;
  readonly client: KubeClient;
  /** Default: the namespace of the kubeconfig's current context. */
  readonly namespace?: string;
  /** Bump when the handle's shape changes. Default 1. */
  readonly handleVersion?: number;
  /** The object for an attempt. Its name, namespace and managed-by label are set afterwards. */
  build(ctx: AttemptContext, target: { readonly namespace: string; readonly name: string }): T | Promise<T>;
  /** The attempt's status for one observed object; undefined leaves the last report standing. Must be fast. */
  phaseOf(object: T, ctx: AttemptContext, now: number): ResourcePhase | undefined;
  /** Runs before a terminal status is reported (e.g. to copy outputs); may turn it into another one. */
  finalize?(status: TaskStatus, object: T, ctx: AttemptContext): Promise<TaskStatus>;
  /** Delete the object once the executor is done with the attempt, however it ended. Default true. */
  readonly deleteWhenDone?: boolean;
  /** Backoff between creates while a resource quota is full. Default 2 s → 20 s (Flyte's pod backoff). */
  readonly createBackoff?: { readonly initialMs: number; readonly maxMs: number };
  /**
   * Follow the object's Kubernetes Events (one watch per namespace) and add the latest one, when it
   * is a Warning, to the message of live statuses. Default false.
   */
  readonly objectEvents?: boolean;
  /** Clock for grace periods. Default Date.now. */
  readonly now?: () => number;
}

export type ResourceBackend = Backend<ResourceHandle> & { readonly watch: NonNullable<Backend<ResourceHandle>['watch']> };

/** Every object a resource backend creates carries this label; informers select on it. */
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY = 'tflyte';


/** A failed status carrying its FailureInfo. */
export function failedStatus(kind: 'user' | 'system', retryable: boolean, code: string, message: string): TaskStatus {
  return {
    phase: retryable ? TaskExecution_Phase.RETRYABLE_FAILED : TaskExecution_Phase.FAILED,
    message,
    failure: { kind, retryable, code, message },
  };
}

/**
 * A live status with the object's latest event in its message, when that event is a Warning: a newer
 * Normal event (Scheduled, Pulled, Started) means the trouble it reported is behind.
 */
function withEvent(status: TaskStatus, event: EventView | undefined, object: KubeObject): TaskStatus {
  if (event === undefined || event.type !== 'Warning' || isTerminalPhase(status.phase)) return status;
  const uid = object.metadata?.uid;
  const about = event.involvedObject?.uid;
  if (uid !== undefined && about !== undefined && about !== uid) return status;
  const said = `${event.reason ?? 'Warning'}: ${event.message ?? ''}`.trim();
  return { ...status, message: status.message ? `${status.message} (${said})` : said };
}

/** A thrown error as a failed status: a BackendError keeps its classification, anything else is a retryable SYSTEM failure. */
function statusFromError(error: unknown, code: string): TaskStatus {
  if (error instanceof BackendError) return failedStatus(error.kind, error.retryable, error.reason, error.message);
  return failedStatus('system', true, code, apiFailure(error).message);
}

export function kubernetesResourceBackend<T extends KubeObject>(options: ResourceBackendOptions<T>): ResourceBackend {
  const { client, kind } = options;
  const namespace = options.namespace ?? client.contextNamespace;
  const now = options.now ?? Date.now;
  const backoff = options.createBackoff ?? { initialMs: 2000, maxMs: 20_000 };
  const selector = `${MANAGED_BY_LABEL}=${MANAGED_BY}`;
  const informer = () => client.informer<T>(kind, namespace, selector);
  /** resourceVersion of objects this process created, for the informer's "gone or not seen yet" decision. */
  const createdAt = new Map<string, string>();
  /** Creates under way, which a delete must wait for so that it cannot be overtaken. */
  const creating = new Map<string, Promise<unknown>>();
  const cleanedUp = new WeakSet<AbortSignal>();
  const key = (h: ResourceHandle) => `${h.namespace}/${h.name}`;
  const describe = (h: ResourceHandle) => `${kind.kind} ${h.namespace}/${h.name}`;

  const deletedExternally = (h: ResourceHandle): TaskStatus =>
    failedStatus('system', true, 'ResourceDeletedExternally', `${describe(h)} was deleted by someone other than tflyte while the attempt was running`);

  /** Builds and creates the object; 'waiting' while a quota is full. */
  const submit = async (ctx: AttemptContext, handle: ResourceHandle): Promise<{ type: 'submitted' } | { type: 'waiting'; message: string }> => {
    let object: T;
    try {
      object = await options.build(ctx, { namespace: handle.namespace, name: handle.name });
    } catch (error) {
      if (error instanceof BackendError) throw error;
      throw new BackendError(
        { kind: 'user', retryable: false, reason: 'FailedToBuildResource', message: `cannot build the ${kind.kind} for task '${ctx.template.id?.name ?? ctx.template.type}': ${(error as Error).message}` },
        { cause: error },
      );
    }
    const metadata = object.metadata ?? {};
    object.metadata = { ...metadata, name: handle.name, namespace: handle.namespace, labels: { ...metadata.labels, [MANAGED_BY_LABEL]: MANAGED_BY } };
    object.apiVersion = kind.apiVersion;
    object.kind = kind.kind;
    const request = createResource(client, kind, object);
    creating.set(key(handle), request.catch(() => undefined));
    try {
      const outcome = await request;
      if (outcome.type === 'waiting') return outcome;
      const resourceVersion = outcome.type === 'created' ? outcome.object.metadata?.resourceVersion : undefined;
      if (resourceVersion !== undefined) createdAt.set(key(handle), resourceVersion);
      return { type: 'submitted' };
    } finally {
      creating.delete(key(handle));
    }
  };

  const remove = async (handle: ResourceHandle): Promise<void> => {
    await creating.get(key(handle));
    createdAt.delete(key(handle));
    try {
      await client.delete(kind, handle.namespace, handle.name);
    } catch (error) {
      throw new BackendError(
        { kind: 'system', retryable: true, reason: 'DeleteFailed', message: `could not delete ${describe(handle)}: ${apiFailure(error).message}` },
        { cause: error },
      );
    }
  };

  /** Flyte's delete-resource-on-finalize: once the executor is done with the attempt, the object goes. */
  const deleteWhenDone = (ctx: AttemptContext, handle: ResourceHandle): void => {
    if (options.deleteWhenDone === false || cleanedUp.has(ctx.signal)) return;
    cleanedUp.add(ctx.signal);
    const run = () =>
      void remove(handle).catch((error: unknown) => process.emitWarning(`tflyte: ${(error as Error).message}; delete it by hand`));
    if (ctx.signal.aborted) run();
    else ctx.signal.addEventListener('abort', run, { once: true });
  };

  const evaluate = async (object: T, ctx: AttemptContext, handle: ResourceHandle): Promise<ResourcePhase | undefined> => {
    const phase = options.phaseOf(object, ctx, now());
    if (phase === undefined) return undefined;
    if (object.metadata?.deletionTimestamp !== undefined && !isTerminalPhase(phase.status.phase)) {
      return { status: failedStatus('system', true, 'UnexpectedObjectDeletion', `${describe(handle)} is being deleted by someone other than tflyte`) };
    }
    if (!isTerminalPhase(phase.status.phase) || options.finalize === undefined) return phase;
    try {
      return { status: await options.finalize(phase.status, object, ctx) };
    } catch (error) {
      return { status: statusFromError(error, 'FinalizeFailed') };
    }
  };

  return {
    name: options.name,
    handleVersion: options.handleVersion ?? 1,

    async create(ctx) {
      const handle: ResourceHandle = { namespace, name: ctx.generatedName, created: true };
      deleteWhenDone(ctx, handle);
      const outcome = await submit(ctx, handle);
      return outcome.type === 'waiting' ? { ...handle, created: false } : handle;
    },

    async get(handle, ctx) {
      deleteWhenDone(ctx, handle);
      if (!handle.created) return { phase: TaskExecution_Phase.WAITING_FOR_RESOURCES, message: `${describe(handle)} waits for its namespace's resource quota` };
      const shared = informer();
      let object = shared.running ? shared.get(handle.name) : undefined;
      try {
        object ??= await client.get<T>(kind, handle.namespace, handle.name);
      } catch (error) {
        throw new BackendError({ kind: 'system', retryable: true, reason: 'KubernetesApiError', message: `reading ${describe(handle)}: ${apiFailure(error).message}` }, { cause: error });
      }
      if (object === undefined) return deletedExternally(handle);
      return (await evaluate(object, ctx, handle))?.status ?? { phase: TaskExecution_Phase.QUEUED, message: `${describe(handle)} submitted` };
    },

    async delete(handle) {
      await remove(handle);
    },

    watch(handle, ctx, onStatus, signal) {
      deleteWhenDone(ctx, handle);
      let finished = false;
      let queue: Promise<void> = Promise.resolve();
      let recheck: NodeJS.Timeout | undefined;
      let latest: T | undefined;
      let unsubscribe: (() => void) | undefined;
      let stopEvents: (() => void) | undefined;
      let event: EventView | undefined;
      const emit = (status: TaskStatus): void => {
        if (finished || signal.aborted) return;
        if (isTerminalPhase(status.phase)) {
          finished = true;
          stop();
        }
        onStatus(status);
      };
      const stop = (): void => {
        clearTimeout(recheck);
        unsubscribe?.();
        unsubscribe = undefined;
        stopEvents?.();
        stopEvents = undefined;
      };
      // Evaluations run one at a time, in arrival order: finalize may await, and reports must not overtake each other.
      const observe = (object: T | undefined): void => {
        latest = object;
        queue = queue.then(async () => {
          if (finished || signal.aborted) return;
          clearTimeout(recheck);
          if (object === undefined) return emit(deletedExternally(handle));
          const phase = await evaluate(object, ctx, handle);
          if (phase === undefined || finished || signal.aborted) return;
          if (phase.recheckAt !== undefined && !isTerminalPhase(phase.status.phase)) {
            recheck = setTimeout(() => latest === object && observe(object), Math.max(0, phase.recheckAt - now()));
          }
          emit(withEvent(phase.status, event, object));
        });
      };
      const onEvent = (next: EventView): void => {
        const uid = latest?.metadata?.uid;
        if (uid !== undefined && next.involvedObject?.uid !== undefined && next.involvedObject.uid !== uid) return;
        if (!isNewerEvent(next, event)) return;
        // Only Warnings are shown: one Normal event after another changes nothing.
        const changes = next.type === 'Warning' || event?.type === 'Warning';
        event = next;
        // A new event is a new report of the same object (Flyte bumps the phase version).
        if (changes && latest !== undefined) observe(latest);
      };
      const follow = (): void => {
        if (finished || signal.aborted) return;
        const known = createdAt.get(key(handle));
        unsubscribe = informer().subscribe(handle.name, observe, known === undefined ? {} : { knownResourceVersion: known });
        if (options.objectEvents === true) stopEvents = objectEvents(client, kind, handle.namespace).subscribe(handle.name, onEvent);
      };
      signal.addEventListener('abort', stop, { once: true });

      if (handle.created) return follow();
      // A full quota: keep trying to create, as Flyte's pod plugin does, reporting WAITING_FOR_RESOURCES.
      void (async () => {
        let delay = backoff.initialMs;
        for (;;) {
          let outcome: Awaited<ReturnType<typeof submit>>;
          try {
            outcome = await submit(ctx, handle);
          } catch (error) {
            return emit(statusFromError(error, 'KubernetesApiError'));
          }
          if (signal.aborted) return;
          if (outcome.type === 'submitted') return follow();
          emit({ phase: TaskExecution_Phase.WAITING_FOR_RESOURCES, message: outcome.message });
          try {
            await sleep(delay, undefined, { signal });
          } catch {
            return;
          }
          delay = Math.min(delay * 2, backoff.maxMs);
        }
      })();
    },
  };
}
