/**
 * The attempt journal of in-process backends: the same StateStore interface, with attempts kept in
 * memory and everything else (cache entries and their locks) passed to the real store. Their jobs
 * end with the process, so a durable record of them would have nothing to re-attach to, and a
 * SQLite transaction per status change would dominate fan-outs of small in-process tasks.
 */
import { StateConflictError } from '../errors.ts';
import type { Storage } from '../storage/object-store.ts';
import { type AttemptKey, type AttemptRecord, outputsDocument, type StateStore } from '../store/state-store.ts';

/** Where the executor keeps the files of an attempt. */
export type AttemptFiles = Pick<Storage, 'get' | 'put'>;

/**
 * In-process jobs take their inputs and return their outputs in memory and die with the process, so
 * their attempts keep no files: a restarted run runs them again.
 */
export const noAttemptFiles: AttemptFiles = {
  get: async () => undefined,
  put: async () => {},
};

export interface MemoryAttempts extends StateStore {
  /** Drops a finished node's attempts, so a long-lived executor does not accumulate them. */
  forget(runId: string, nodeId: string): void;
}

export function withMemoryAttempts(store: StateStore): MemoryAttempts {
  // run → node → attempts; records are private to this journal, so updates mutate them in place.
  // Keyed by the caller's own id strings, whose hashes V8 caches: a joined key would be a new
  // string, hashed again, on every call.
  const runs = new Map<string, Map<string, Mutable<AttemptRecord>[]>>();
  const nodeAttempts = (runId: string, nodeId: string) => runs.get(runId)?.get(nodeId);
  const find = (key: AttemptKey) => nodeAttempts(key.runId, key.nodeId)?.[key.attempt];
  return {
    ...bindAll(store),
    insertAttempt(attempt, documents) {
      if (find(attempt) !== undefined) {
        throw new StateConflictError(
          `attempt ${attempt.attempt} of run '${attempt.runId}' node '${attempt.nodeId}' is already running in this process`,
        );
      }
      const record: Mutable<AttemptRecord> = {
        ...attempt,
        handle: undefined,
        status: 'creating',
        phase: 0,
        failure: undefined,
        updatedAt: attempt.createdAt,
        endedAt: undefined,
      };
      let nodes = runs.get(attempt.runId);
      if (nodes === undefined) runs.set(attempt.runId, (nodes = new Map()));
      let list = nodes.get(attempt.nodeId);
      if (list === undefined) nodes.set(attempt.nodeId, (list = []));
      list[attempt.attempt] = record;
      for (const name in documents) store.putDocument(attempt.runId, attempt.nodeId, name, documents[name]!);
      return record;
    },
    updateAttempt(key, update, now) {
      const record = find(key);
      if (record === undefined)
        throw new StateConflictError(`attempt ${key.attempt} of run '${key.runId}' node '${key.nodeId}' is not recorded`);
      if (update.handle !== undefined) record.handle = update.handle;
      if (update.status !== undefined) record.status = update.status;
      if (update.phase !== undefined) record.phase = update.phase;
      if (update.failure !== undefined) record.failure = update.failure;
      if (update.endedAt !== undefined) record.endedAt = update.endedAt;
      record.updatedAt = now;
      // In-process attempts pass none; a remote backend's attempts on the in-memory store do.
      if (update.outputs !== undefined) store.putDocument(key.runId, key.nodeId, outputsDocument(key.attempt), update.outputs);
      return record;
    },
    getAttempt: find,
    listAttempts: (runId, nodeId) => (nodeAttempts(runId, nodeId) ?? []).filter(Boolean),
    listAttemptsByStatus: (statuses) =>
      [...runs.values()].flatMap((nodes) => [...nodes.values()].flat()).filter((a) => statuses.includes(a.status)),
    forget(runId, nodeId) {
      const nodes = runs.get(runId);
      nodes?.delete(nodeId);
      if (nodes?.size === 0) runs.delete(runId);
    },
  };
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** The store's own methods, bound, so spreading them keeps `this` (if an implementation uses it). */
function bindAll(store: StateStore): StateStore {
  return {
    path: store.path,
    insertAttempt: store.insertAttempt.bind(store),
    updateAttempt: store.updateAttempt.bind(store),
    getAttempt: store.getAttempt.bind(store),
    listAttempts: store.listAttempts.bind(store),
    listAttemptsByStatus: store.listAttemptsByStatus.bind(store),
    putDocument: store.putDocument.bind(store),
    getDocument: store.getDocument.bind(store),
    getCacheEntry: store.getCacheEntry.bind(store),
    putCacheEntry: store.putCacheEntry.bind(store),
    deleteCacheEntry: store.deleteCacheEntry.bind(store),
    clearCache: store.clearCache.bind(store),
    acquireLock: store.acquireLock.bind(store),
    heartbeatLock: store.heartbeatLock.bind(store),
    releaseLock: store.releaseLock.bind(store),
    getLock: store.getLock.bind(store),
    close: store.close.bind(store),
  };
}
