/**
 * A shared informer: one list + watch of one kind in one namespace, kept for every job that
 * subscribes to an object name in it (or, with subscribeAll, to every object, as the events feed
 * does). The watch resumes from the last resourceVersion it saw (after a dropped connection, with
 * backoff); a 410 Gone re-lists, and objects that vanished in between are reported as deleted.
 *
 * "Deleted" needs care for objects the cache has not seen yet: a job that just created its object
 * passes the create's resourceVersion, and absence counts only once the informer has caught up to
 * it; a job re-attaching after a restart has none, so the server is asked once.
 */
import { Watch } from '@kubernetes/client-node';
import type { KubeClient } from './kube-client.ts';
import { compareResourceVersions, type KubeObject } from './kube-object.ts';
import { collectionPath, type ResourceKind } from './resource-kind.ts';

export interface InformerOptions {
  /** Delay before re-watching or re-listing after a failure, doubling up to `maxMs`. Default 200 ms → 10 s. */
  readonly backoff?: { readonly initialMs: number; readonly maxMs: number };
}

/** Called with the object on every change, and with undefined once it is known to be gone. */
export type InformerListener<T> = (object: T | undefined) => void;

/** Server-side filters of the list and watch. */
export interface InformerSelectors {
  readonly labelSelector?: string;
  /** e.g. `involvedObject.kind=Pod` for events. */
  readonly fieldSelector?: string;
}

export interface SubscribeOptions {
  /** A resourceVersion at which the object is known to have existed (e.g. the create response's). */
  readonly knownResourceVersion?: string;
  /**
   * Called when a list, watch or GET for this object fails (the server unreachable, a 5xx, a
   * throttled request), each time; the informer keeps retrying with backoff either way. A watch the
   * server simply ends is resumed and is no failure.
   */
  readonly onError?: (error: unknown) => void;
}

export interface InformerStats {
  /** Lists made (a list read in several pages counts once). */
  lists: number;
  /** Watch requests opened. */
  watches: number;
}

interface Subscription<T> {
  readonly name: string;
  readonly listener: InformerListener<T>;
  readonly knownResourceVersion: string | undefined;
  readonly onError: ((error: unknown) => void) | undefined;
  /** Absence has been reported and not contradicted since. */
  absentReported: boolean;
  /** A GET is under way to learn whether the object exists. */
  confirming: boolean;
}

type WatchError = (Error & { statusCode?: number; code?: number | string }) | null | undefined;

export class SharedInformer<T extends KubeObject> {
  readonly kind: ResourceKind;
  readonly namespace: string;
  readonly labelSelector: string | undefined;
  readonly fieldSelector: string | undefined;
  readonly stats: InformerStats = { lists: 0, watches: 0 };
  readonly #client: Pick<KubeClient, 'list' | 'get' | 'kubeConfig'>;
  readonly #initialBackoffMs: number;
  readonly #maxBackoffMs: number;
  readonly #cache = new Map<string, T>();
  readonly #subscriptions = new Map<string, Set<Subscription<T>>>();
  /** Listeners to every object, whatever its name (e.g. events, indexed by the object they are about). */
  readonly #everything = new Set<(object: T) => void>();
  /** Subscriptions whose object is absent but may still appear (the informer is behind their resourceVersion). */
  readonly #awaiting = new Set<Subscription<T>>();
  #subscriberCount = 0;
  /** Bumped by stop(): callbacks of an older list or watch are ignored. */
  #generation = 0;
  #running = false;
  #synced = false;
  #resourceVersion: string | undefined;
  #watch: AbortController | undefined;
  #timer: NodeJS.Timeout | undefined;
  #backoffMs: number;

  constructor(
    client: Pick<KubeClient, 'list' | 'get' | 'kubeConfig'>,
    kind: ResourceKind,
    namespace: string,
    selectors: InformerSelectors = {},
    options: InformerOptions = {},
  ) {
    this.#client = client;
    this.kind = kind;
    this.namespace = namespace;
    this.labelSelector = selectors.labelSelector;
    this.fieldSelector = selectors.fieldSelector;
    this.#initialBackoffMs = options.backoff?.initialMs ?? 200;
    this.#maxBackoffMs = options.backoff?.maxMs ?? 10_000;
    this.#backoffMs = this.#initialBackoffMs;
  }

  get running(): boolean {
    return this.#running;
  }

  get subscriberCount(): number {
    return this.#subscriberCount;
  }

  /** The cached object, when the informer is running and has it. */
  get(name: string): T | undefined {
    return this.#cache.get(name);
  }

  /** Every cached object (empty until the first list). */
  cached(): T[] {
    return [...this.#cache.values()];
  }

  subscribe(name: string, listener: InformerListener<T>, options: SubscribeOptions = {}): () => void {
    const subscription: Subscription<T> = {
      name,
      listener,
      knownResourceVersion: options.knownResourceVersion,
      onError: options.onError,
      absentReported: false,
      confirming: false,
    };
    let forName = this.#subscriptions.get(name);
    if (forName === undefined) {
      forName = new Set();
      this.#subscriptions.set(name, forName);
    }
    forName.add(subscription);
    this.#subscriberCount++;
    if (!this.#running) this.#start();
    else if (this.#synced) {
      const current = this.#cache.get(name);
      // Not from inside subscribe(): the caller has not stored the unsubscribe function yet.
      queueMicrotask(() => {
        if (!forName.has(subscription)) return;
        if (current !== undefined && this.#cache.get(name) === current) this.#call(subscription, current);
        else if (!this.#cache.has(name)) this.#checkAbsent(subscription);
      });
    }
    let active = true;
    return () => {
      if (!active) return;
      active = false;
      forName.delete(subscription);
      if (forName.size === 0) this.#subscriptions.delete(name);
      this.#awaiting.delete(subscription);
      if (--this.#subscriberCount === 0) this.stop();
    };
  }

  /**
   * Calls the listener with every object the informer lists or sees added or changed (not deleted):
   * first with what it has cached, then with each change. Counts as a subscriber.
   */
  subscribeAll(listener: (object: T) => void): () => void {
    const own = (object: T): void => listener(object);
    this.#everything.add(own);
    this.#subscriberCount++;
    if (!this.#running) this.#start();
    else if (this.#synced) {
      const current = [...this.#cache.values()];
      queueMicrotask(() => {
        if (!this.#everything.has(own)) return;
        for (const object of current) this.#notifyAll(own, object);
      });
    }
    let active = true;
    return () => {
      if (!active) return;
      active = false;
      this.#everything.delete(own);
      if (--this.#subscriberCount === 0) this.stop();
    };
  }

  /** Ends the watch and forgets the cache; the next subscriber starts over with a list. */
  stop(): void {
    this.#generation++;
    this.#running = false;
    this.#synced = false;
    this.#resourceVersion = undefined;
    this.#cache.clear();
    this.#awaiting.clear();
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#watch?.abort();
    this.#watch = undefined;
    this.#backoffMs = this.#initialBackoffMs;
  }

  #start(): void {
    this.#running = true;
    void this.#relist();
  }

  #nextBackoff(): number {
    const ms = this.#backoffMs;
    this.#backoffMs = Math.min(this.#backoffMs * 2, this.#maxBackoffMs);
    return ms;
  }

  #schedule(ms: number, step: () => void): void {
    const generation = this.#generation;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      if (generation === this.#generation) step();
    }, ms);
  }

  async #relist(): Promise<void> {
    const generation = this.#generation;
    let list: { items: T[]; resourceVersion: string | undefined };
    try {
      this.stats.lists++;
      list = await this.#client.list<T>(this.kind, this.namespace, {
        ...(this.labelSelector === undefined ? {} : { labelSelector: this.labelSelector }),
        ...(this.fieldSelector === undefined ? {} : { fieldSelector: this.fieldSelector }),
      });
    } catch (error) {
      if (generation !== this.#generation) return;
      this.#schedule(this.#nextBackoff(), () => void this.#relist());
      this.#failed(error);
      return;
    }
    if (generation !== this.#generation) return;
    this.#backoffMs = this.#initialBackoffMs;
    const fresh = new Map<string, T>();
    for (const item of list.items) {
      const name = item.metadata?.name;
      if (name !== undefined) fresh.set(name, item);
    }
    const previous = new Map(this.#cache);
    this.#cache.clear();
    for (const [name, item] of fresh) this.#cache.set(name, item);
    this.#resourceVersion = list.resourceVersion;
    this.#synced = true;
    for (const [name, item] of fresh) {
      if (previous.get(name)?.metadata?.resourceVersion === item.metadata?.resourceVersion) continue;
      for (const listener of this.#everything) this.#notifyAll(listener, item);
    }
    for (const [name, subscriptions] of this.#subscriptions) {
      const before = previous.get(name);
      const after = fresh.get(name);
      for (const s of subscriptions) {
        if (after !== undefined) {
          if (before === undefined || before.metadata?.resourceVersion !== after.metadata?.resourceVersion) this.#call(s, after);
        } else if (before !== undefined) {
          // Deleted while the watch was gone: only the fresh list shows it.
          this.#reportAbsent(s);
        } else {
          this.#checkAbsent(s);
        }
      }
    }
    this.#startWatch();
  }

  #startWatch(): void {
    const generation = this.#generation;
    let relist = false;
    let received = false;
    /** The server answered 200 and streamed (a later timeout is the client's inactivity limit). */
    let connected = false;
    const params: Record<string, string | boolean> = { allowWatchBookmarks: true };
    if (this.#resourceVersion !== undefined) params.resourceVersion = this.#resourceVersion;
    if (this.labelSelector !== undefined) params.labelSelector = this.labelSelector;
    if (this.fieldSelector !== undefined) params.fieldSelector = this.fieldSelector;
    const onEvent = (type: string, object: KubeObject): void => {
      if (generation !== this.#generation) return;
      received = true;
      this.#backoffMs = this.#initialBackoffMs;
      if (type === 'ERROR') {
        // 410 Expired, or anything else the server could not serve from our resourceVersion.
        relist = true;
        return;
      }
      const resourceVersion = object.metadata?.resourceVersion;
      if (resourceVersion !== undefined && resourceVersion !== '') this.#resourceVersion = resourceVersion;
      const name = object.metadata?.name;
      if (type === 'BOOKMARK' || name === undefined) {
        this.#settleAwaiting();
        return;
      }
      if (type === 'DELETED') {
        this.#cache.delete(name);
        for (const s of this.#subscriptions.get(name) ?? []) this.#reportAbsent(s);
      } else {
        // The watch hands over the event's object as parsed from its JSON line: already plain, and
        // referenced by nothing else, so it is cached as is (a copy per event was 5 % of the CPU at 1k pods).
        const plain = object as T;
        this.#cache.set(name, plain);
        for (const s of this.#subscriptions.get(name) ?? []) this.#call(s, plain);
        for (const listener of this.#everything) this.#notifyAll(listener, plain);
      }
      this.#settleAwaiting();
    };
    const onDone = (error: WatchError): void => {
      if (generation !== this.#generation) return;
      this.#watch = undefined;
      if (relist || error?.statusCode === 410 || error?.code === 410) {
        // The first re-list after a 410 is immediate; failing ones back off inside #relist.
        this.#schedule(0, () => void this.#relist());
      } else if (error?.name === 'TimeoutError' && connected) {
        // The client gives up on a watch that stayed quiet for 30 s: nothing is wrong, resume at once.
        this.#schedule(0, () => this.#startWatch());
      } else if (error !== null && error !== undefined) {
        this.#schedule(this.#nextBackoff(), () => this.#startWatch());
        this.#failed(error);
      } else {
        // The server ended the watch (its timeout): resume at once, unless it keeps ending empty.
        this.#schedule(received ? 0 : this.#nextBackoff(), () => this.#startWatch());
      }
    };
    this.stats.watches++;
    const path = collectionPath(this.kind, this.namespace);
    new Watch(this.#client.kubeConfig).watch(path, params, onEvent, onDone).then(
      (controller) => {
        connected = !controller.signal.aborted;
        if (generation !== this.#generation) controller.abort();
        else if (!controller.signal.aborted) this.#watch = controller;
      },
      (error: unknown) => onDone(error instanceof Error ? error : new Error(String(error))),
    );
  }

  #call(subscription: Subscription<T>, object: T): void {
    subscription.absentReported = false;
    this.#awaiting.delete(subscription);
    this.#notify(subscription, object);
  }

  #reportAbsent(subscription: Subscription<T>): void {
    this.#awaiting.delete(subscription);
    if (subscription.absentReported) return;
    subscription.absentReported = true;
    this.#notify(subscription, undefined);
  }

  /** One listener's failure must not stop the others, nor the watch. */
  #notify(subscription: Subscription<T>, object: T | undefined): void {
    try {
      subscription.listener(object);
    } catch (error) {
      process.emitWarning(
        `tflyte kubernetes informer listener threw for ${this.kind.kind} ${this.namespace}/${subscription.name}: ${String(error)}`,
      );
    }
  }

  /** Tells every subscriber that asked to know about failed requests. */
  #failed(error: unknown): void {
    for (const subscriptions of [...this.#subscriptions.values()]) for (const s of [...subscriptions]) this.#failedOne(s, error);
  }

  #failedOne(subscription: Subscription<T>, error: unknown): void {
    if (subscription.onError === undefined) return;
    try {
      subscription.onError(error);
    } catch (thrown) {
      process.emitWarning(
        `tflyte kubernetes informer error listener threw for ${this.kind.kind} ${this.namespace}/${subscription.name}: ${String(thrown)}`,
      );
    }
  }

  #notifyAll(listener: (object: T) => void, object: T): void {
    try {
      listener(object);
    } catch (error) {
      process.emitWarning(
        `tflyte kubernetes informer listener threw for ${this.kind.kind} ${this.namespace}/${object.metadata?.name ?? ''}: ${String(error)}`,
      );
    }
  }

  /** The informer is synced and does not have the object: is it gone, or not seen yet? */
  #checkAbsent(subscription: Subscription<T>): void {
    if (subscription.absentReported || subscription.confirming) return;
    const known = subscription.knownResourceVersion;
    const order = compareResourceVersions(this.#resourceVersion, known);
    if (known !== undefined && order !== undefined) {
      if (order >= 0) this.#reportAbsent(subscription);
      else this.#awaiting.add(subscription);
      return;
    }
    void this.#confirm(subscription);
  }

  #settleAwaiting(): void {
    for (const subscription of [...this.#awaiting]) {
      if (this.#cache.has(subscription.name)) this.#awaiting.delete(subscription);
      else this.#checkAbsent(subscription);
    }
  }

  /** Asks the server once whether an object the cache lacks exists. */
  async #confirm(subscription: Subscription<T>): Promise<void> {
    const generation = this.#generation;
    subscription.confirming = true;
    this.#awaiting.delete(subscription);
    let found: T | undefined;
    try {
      found = await this.#client.get<T>(this.kind, this.namespace, subscription.name);
    } catch (error) {
      subscription.confirming = false;
      if (generation === this.#generation) {
        this.#failedOne(subscription, error);
        const retry = setTimeout(() => {
          if (generation === this.#generation && !this.#cache.has(subscription.name)) this.#checkAbsent(subscription);
        }, this.#maxBackoffMs);
        // The watch keeps the process alive while anyone subscribes; this retry need not.
        retry.unref();
      }
      return;
    }
    subscription.confirming = false;
    if (generation !== this.#generation || !this.#subscriptions.get(subscription.name)?.has(subscription)) return;
    const cached = this.#cache.get(subscription.name);
    if (cached !== undefined) return this.#call(subscription, cached);
    if (found === undefined) return this.#reportAbsent(subscription);
    // The watch has not delivered it yet; it will keep it current from here on.
    this.#cache.set(subscription.name, found);
    for (const s of this.#subscriptions.get(subscription.name) ?? []) this.#call(s, found);
  }
}
