/**
 * The lifecycle every pod- or CRD-based backend shares (Flyte's k8s plugin manager): build the
 * object, create it through the create-error table, follow it through the shared informer, report
 * a vanished object as a retryable SYSTEM failure, and delete it when the attempt is over. A plugin
 * supplies only `build` and `phaseOf` (and optionally `finalize`, e.g. to fetch outputs).
 *
 * Every timer (grace-period rechecks, create backoff while a quota is full) runs on the attempt's
 * clock, so a fake clock drives them in tests. Failed reads are not statuses: `get` throws and the
 * watch calls `onError`, and the executor retries under its status-check bound.
 */
import {
  type AsyncBackend,
  type AttemptContext,
  BackendError,
  failed,
  failure,
  isTerminalPhase,
  queued,
  type StatusCheckPolicy,
  type TaskStatus,
  waitingForResources,
} from '@tflyte/core';
import { apiFailure, KUBERNETES_API_ERROR } from './kube/api-errors.ts';
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
  /**
   * Work the object needs done before it is created, such as uploading the attempt's inputs where
   * its pods read them. `render` skips it, so `build` itself must leave nothing behind.
   */
  prepare?(ctx: AttemptContext, target: { readonly namespace: string; readonly name: string }): Promise<void>;
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
  /** Tolerance for failed status reads; default the executor's (5 in a row). */
  readonly statusChecks?: Partial<StatusCheckPolicy>;
}

export type ResourceBackend = AsyncBackend<ResourceHandle> & {
  readonly watch: NonNullable<AsyncBackend<ResourceHandle>['watch']>;
  /**
   * The object `create` would submit for this attempt — named, labelled and typed — without
   * creating it or uploading anything (what `tflyte render` prints).
   */
  render(ctx: AttemptContext): Promise<KubeObject>;
};

/** Every object a resource backend creates carries this label; informers select on it. */
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY = 'tflyte';

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

/**
 * What an error met while following means: a BackendError that states how the attempt ends (the
 * create table's verdicts, a permanent failure) is the attempt's status; a failed request (the API
 * server or the object store unreachable, throttled) is a failed status check, for the executor to retry.
 */
function outcomeOf(error: unknown): TaskStatus | undefined {
  if (!(error instanceof BackendError)) return undefined;
  const { failure: info } = error;
  if (info.kind === 'system' && info.retryable) return undefined;
  return failed(info);
}

export function kubernetesResourceBackend<T extends KubeObject>(options: ResourceBackendOptions<T>): ResourceBackend {
  const { client, kind } = options;
  // Read on first use: the client may be lazy, and defining a backend must not need a cluster.
  const namespace = (): string => options.namespace ?? client.contextNamespace;
  const backoff = options.createBackoff ?? { initialMs: 2000, maxMs: 20_000 };
  const selector = `${MANAGED_BY_LABEL}=${MANAGED_BY}`;
  const informer = (ns: string) => client.informer<T>(kind, ns, selector);
  /** resourceVersion of objects this process created, for the informer's "gone or not seen yet" decision. */
  const createdAt = new Map<string, string>();
  /** Creates under way, which a delete must wait for so that it cannot be overtaken. */
  const creating = new Map<string, Promise<unknown>>();
  const cleanedUp = new WeakSet<AbortSignal>();
  const key = (h: ResourceHandle) => `${h.namespace}/${h.name}`;
  const describe = (h: ResourceHandle) => `${kind.kind} ${h.namespace}/${h.name}`;

  const deletedExternally = (h: ResourceHandle): TaskStatus =>
    failure(
      'system',
      true,
      'ResourceDeletedExternally',
      `${describe(h)} was deleted by someone other than tflyte while the attempt was running`,
    );

  /** The object for the handle, as it is created; a build that throws is the task's fault unless it says otherwise. */
  const manifest = async (ctx: AttemptContext, handle: ResourceHandle, prepare: boolean): Promise<T> => {
    const target = { namespace: handle.namespace, name: handle.name };
    let object: T;
    try {
      if (prepare) await options.prepare?.(ctx, target);
      object = await options.build(ctx, target);
    } catch (error) {
      if (error instanceof BackendError) throw error;
      throw new BackendError(
        {
          kind: 'user',
          retryable: false,
          code: 'FailedToBuildResource',
          message: `cannot build the ${kind.kind} for task '${ctx.template.id?.name ?? ctx.template.type}': ${error instanceof Error ? error.message : String(error)}`,
        },
        { cause: error },
      );
    }
    const metadata = object.metadata ?? {};
    object.metadata = {
      ...metadata,
      name: handle.name,
      namespace: handle.namespace,
      labels: { ...metadata.labels, [MANAGED_BY_LABEL]: MANAGED_BY },
    };
    object.apiVersion = kind.apiVersion;
    object.kind = kind.kind;
    return object;
  };

  /** Builds and creates the object; 'waiting' while a quota is full. */
  const submit = async (
    ctx: AttemptContext,
    handle: ResourceHandle,
  ): Promise<{ type: 'submitted' } | { type: 'waiting'; message: string }> => {
    const object = await manifest(ctx, handle, true);
    const request = createResource(client, kind, object);
    creating.set(
      key(handle),
      request.catch(() => undefined),
    );
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
        {
          kind: 'system',
          retryable: true,
          code: 'DeleteFailed',
          message: `could not delete ${describe(handle)}: ${apiFailure(error).message}`,
        },
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
    const phase = options.phaseOf(object, ctx, ctx.clock.now());
    if (phase === undefined) return undefined;
    if (object.metadata?.deletionTimestamp !== undefined && !isTerminalPhase(phase.status.phase)) {
      return {
        status: failure('system', true, 'UnexpectedObjectDeletion', `${describe(handle)} is being deleted by someone other than tflyte`),
      };
    }
    if (!isTerminalPhase(phase.status.phase) || options.finalize === undefined) return phase;
    // A finalize that fails (outputs not readable yet) throws: the status is read again, under the executor's bound.
    return { status: await options.finalize(phase.status, object, ctx) };
  };

  return {
    name: options.name,
    handleVersion: options.handleVersion ?? 1,
    ...(options.statusChecks === undefined ? {} : { statusChecks: options.statusChecks }),

    async create(ctx) {
      const handle: ResourceHandle = { namespace: namespace(), name: ctx.generatedName, created: true };
      deleteWhenDone(ctx, handle);
      const outcome = await submit(ctx, handle);
      return outcome.type === 'waiting' ? { ...handle, created: false } : handle;
    },

    async get(handle, ctx) {
      deleteWhenDone(ctx, handle);
      const shared = informer(handle.namespace);
      let object = shared.running ? shared.get(handle.name) : undefined;
      try {
        object ??= await client.get<T>(kind, handle.namespace, handle.name);
      } catch (error) {
        throw new BackendError(
          {
            kind: 'system',
            retryable: true,
            code: KUBERNETES_API_ERROR,
            message: `reading ${describe(handle)}: ${apiFailure(error).message}`,
          },
          { cause: error },
        );
      }
      // A handle from while the quota was full: a watch may have created the object since.
      if (object === undefined && !handle.created)
        return waitingForResources({ message: `${describe(handle)} waits for its namespace's resource quota` });
      if (object === undefined) return deletedExternally(handle);
      return (await evaluate(object, ctx, handle))?.status ?? queued({ message: `${describe(handle)} submitted` });
    },

    async delete(handle) {
      await remove(handle);
    },

    render: (ctx) => manifest(ctx, { namespace: namespace(), name: ctx.generatedName, created: false }, false),

    watch(handle, ctx, onStatus, signal, onError) {
      deleteWhenDone(ctx, handle);
      let finished = false;
      let queue: Promise<void> = Promise.resolve();
      let recheck: AbortController | undefined;
      let latest: T | undefined;
      let unsubscribe: (() => void) | undefined;
      let stopEvents: (() => void) | undefined;
      let event: EventView | undefined;
      const stop = (): void => {
        recheck?.abort();
        unsubscribe?.();
        unsubscribe = undefined;
        stopEvents?.();
        stopEvents = undefined;
      };
      const emit = (status: TaskStatus): void => {
        if (finished || signal.aborted) return;
        if (isTerminalPhase(status.phase)) {
          finished = true;
          stop();
        }
        onStatus(status);
      };
      /** The watch broke: stop following and let the executor read the status with get. */
      const broke = (error: unknown): void => {
        if (finished || signal.aborted) return;
        const outcome = outcomeOf(error);
        if (outcome !== undefined) {
          emit(outcome);
          return;
        }
        finished = true;
        stop();
        onError(error);
      };
      const recheckAt = (at: number, object: T): void => {
        recheck = new AbortController();
        ctx.clock.sleep(Math.max(0, at - ctx.clock.now()), recheck.signal).then(
          () => latest === object && observe(object),
          () => undefined,
        );
      };
      // Evaluations run one at a time, in arrival order: finalize may await, and reports must not overtake each other.
      const observe = (object: T | undefined): void => {
        latest = object;
        queue = queue.then(async () => {
          if (finished || signal.aborted) return;
          recheck?.abort();
          if (object === undefined) return emit(deletedExternally(handle));
          let phase: ResourcePhase | undefined;
          try {
            phase = await evaluate(object, ctx, handle);
          } catch (error) {
            return broke(error);
          }
          if (phase === undefined || finished || signal.aborted) return;
          if (phase.recheckAt !== undefined && !isTerminalPhase(phase.status.phase)) recheckAt(phase.recheckAt, object);
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
        unsubscribe = informer(handle.namespace).subscribe(handle.name, observe, {
          ...(known === undefined ? {} : { knownResourceVersion: known }),
          onError: broke,
        });
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
            return broke(error);
          }
          if (signal.aborted) return;
          if (outcome.type === 'submitted') return follow();
          emit(waitingForResources({ message: outcome.message }));
          try {
            await ctx.clock.sleep(delay, signal);
          } catch {
            return;
          }
          delay = Math.min(delay * 2, backoff.maxMs);
        }
      })();
    },
  };
}
