/**
 * The etcd stand-in: one global, monotonically increasing revision for every write of every resource, each
 * object's metadata.resourceVersion is the revision that last wrote it, and a bounded history of events lets
 * watchers resume from a revision. Revisions that fell out of the window (or were compacted) are gone, which
 * the API layer reports as 410 Expired, just as an apiserver does after etcd compaction.
 */
import type { StoredObject, WatchEventType } from './types.ts';

export interface StoreEvent {
  type: WatchEventType;
  revision: number;
  /** Group-resource key, e.g. `pods` or `sparkapplications.sparkoperator.k8s.io`. */
  resource: string;
  namespace: string;
  name: string;
  /** State after the event; for DELETED the last state, stamped with the deletion revision. Frozen. */
  object: StoredObject;
  /** State before the event (undefined for ADDED). Frozen. */
  prevObject: StoredObject | undefined;
}

export type StoreListener = (event: StoreEvent) => void;

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const item of Object.values(value)) deepFreeze(item);
  }
  return value;
}

function stamp(obj: StoredObject, revision: number): StoredObject {
  const copy = structuredClone(obj);
  copy.metadata.resourceVersion = String(revision);
  return deepFreeze(copy);
}

export class VersionedStore {
  readonly #historySize: number;
  #revision = 1;
  #compacted = 0;
  #history: StoreEvent[] = [];
  readonly #objects = new Map<string, Map<string, StoredObject>>();
  readonly #listeners = new Set<StoreListener>();
  readonly #pending: StoreEvent[] = [];
  #dispatching = false;

  constructor(historySize: number) {
    this.#historySize = historySize;
  }

  /** The revision of the latest write (what a list returns as its resourceVersion). */
  get revision(): number {
    return this.#revision;
  }

  /** Watches must start at or after this revision. */
  get compactedRevision(): number {
    return this.#compacted;
  }

  #bucket(resource: string): Map<string, StoredObject> {
    let bucket = this.#objects.get(resource);
    if (bucket === undefined) {
      bucket = new Map();
      this.#objects.set(resource, bucket);
    }
    return bucket;
  }

  /** The stored (frozen) object, or undefined. */
  get(resource: string, namespace: string, name: string): StoredObject | undefined {
    return this.#objects.get(resource)?.get(`${namespace}/${name}`);
  }

  /** Stored (frozen) objects ordered by namespace then name, as etcd's key order gives them. */
  list(resource: string, namespace?: string): StoredObject[] {
    const bucket = this.#objects.get(resource);
    if (bucket === undefined) return [];
    return [...bucket.entries()]
      .filter(([, obj]) => namespace === undefined || (obj.metadata.namespace ?? '') === namespace)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, obj]) => obj);
  }

  create(resource: string, obj: StoredObject): StoredObject {
    const key = `${obj.metadata.namespace ?? ''}/${obj.metadata.name}`;
    const bucket = this.#bucket(resource);
    if (bucket.has(key)) throw new Error(`store: ${resource} ${key} already exists`);
    const stored = stamp(obj, ++this.#revision);
    bucket.set(key, stored);
    this.#emit({ type: 'ADDED', resource, stored, prev: undefined });
    return stored;
  }

  update(resource: string, obj: StoredObject): StoredObject {
    const key = `${obj.metadata.namespace ?? ''}/${obj.metadata.name}`;
    const bucket = this.#bucket(resource);
    const prev = bucket.get(key);
    if (prev === undefined) throw new Error(`store: ${resource} ${key} does not exist`);
    const stored = stamp(obj, ++this.#revision);
    bucket.set(key, stored);
    this.#emit({ type: 'MODIFIED', resource, stored, prev });
    return stored;
  }

  delete(resource: string, namespace: string, name: string): StoredObject {
    const key = `${namespace}/${name}`;
    const bucket = this.#bucket(resource);
    const prev = bucket.get(key);
    if (prev === undefined) throw new Error(`store: ${resource} ${key} does not exist`);
    bucket.delete(key);
    const stored = stamp(prev, ++this.#revision);
    this.#emit({ type: 'DELETED', resource, stored, prev });
    return stored;
  }

  /** Forgets all history up to the current revision, as `etcdctl compact` does. */
  compact(): void {
    this.#compacted = this.#revision;
    this.#history = [];
  }

  /**
   * Delivers every event after `fromRevision` (from history, then live) to the listener. Returns undefined when
   * that history is no longer available, else a function that stops the subscription.
   */
  watch(fromRevision: number, listener: StoreListener): (() => void) | undefined {
    if (fromRevision < this.#compacted) return undefined;
    let delivered = fromRevision;
    const deliver = (event: StoreEvent): void => {
      if (event.revision <= delivered) return;
      delivered = event.revision;
      listener(event);
    };
    for (const event of this.#history) deliver(event);
    this.#listeners.add(deliver);
    return () => this.#listeners.delete(deliver);
  }

  #emit(change: { type: WatchEventType; resource: string; stored: StoredObject; prev: StoredObject | undefined }): void {
    const { metadata } = change.stored;
    const event: StoreEvent = {
      type: change.type,
      revision: this.#revision,
      resource: change.resource,
      namespace: metadata.namespace ?? '',
      name: metadata.name,
      object: change.stored,
      prevObject: change.prev,
    };
    this.#history.push(event);
    if (this.#history.length > this.#historySize) this.#compacted = this.#history.shift()!.revision;
    // Listeners may write (a node updating a pod it just saw); queueing keeps every listener seeing events in
    // revision order instead of a nested write overtaking the event being delivered.
    this.#pending.push(event);
    if (this.#dispatching) return;
    this.#dispatching = true;
    try {
      for (let next = this.#pending.shift(); next !== undefined; next = this.#pending.shift()) {
        for (const listener of [...this.#listeners]) {
          try {
            listener(next);
          } catch (error) {
            queueMicrotask(() => {
              throw error;
            });
          }
        }
      }
    } finally {
      this.#dispatching = false;
    }
  }
}
