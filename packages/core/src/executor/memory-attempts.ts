/**
 * The attempt journal of in-process backends: the same StateStore interface, with attempts kept in
 * memory and everything else (cache entries and their locks) passed to the real store. Their jobs
 * end with the process, so a durable record of them would have nothing to re-attach to, and a
 * SQLite transaction per status change would dominate fan-outs of small in-process tasks.
 */
import { StateConflictError } from '../errors.ts';
import type { AttemptKey, AttemptRecord, StateStore } from '../store/state-store.ts';

export interface MemoryAttempts extends StateStore {
  /** Drops a finished node's attempts, so a long-lived executor does not accumulate them. */
  forget(runId: string, nodeId: string): void;
}

export function withMemoryAttempts(store: StateStore): MemoryAttempts {
  const attempts = new Map<string, AttemptRecord[]>();
  const nodeKey = (runId: string, nodeId: string) => `${runId}\u0000${nodeId}`;
  const find = (key: AttemptKey) => attempts.get(nodeKey(key.runId, key.nodeId))?.[key.attempt];
  return {
    ...bindAll(store),
    insertAttempt(attempt) {
      if (find(attempt) !== undefined) {
        throw new StateConflictError(`attempt ${attempt.attempt} of run '${attempt.runId}' node '${attempt.nodeId}' is already running in this process`);
      }
      const record: AttemptRecord = { ...attempt, handle: undefined, status: 'creating', phase: 0, failure: undefined, updatedAt: attempt.createdAt, endedAt: undefined };
      const key = nodeKey(attempt.runId, attempt.nodeId);
      const list = attempts.get(key) ?? [];
      list[attempt.attempt] = record;
      attempts.set(key, list);
      return record;
    },
    updateAttempt(key, update, now) {
      const current = find(key);
      if (current === undefined) throw new StateConflictError(`attempt ${key.attempt} of run '${key.runId}' node '${key.nodeId}' is not recorded`);
      const next: AttemptRecord = {
        ...current,
        ...(update.handle !== undefined && { handle: update.handle }),
        ...(update.status !== undefined && { status: update.status }),
        ...(update.phase !== undefined && { phase: update.phase }),
        ...(update.failure !== undefined && { failure: update.failure }),
        ...(update.endedAt !== undefined && { endedAt: update.endedAt }),
        updatedAt: now,
      };
      attempts.get(nodeKey(key.runId, key.nodeId))![key.attempt] = next;
      return next;
    },
    getAttempt: find,
    listAttempts: (runId, nodeId) => (attempts.get(nodeKey(runId, nodeId)) ?? []).filter(Boolean),
    listAttemptsByStatus: (statuses) => [...attempts.values()].flat().filter((a) => statuses.includes(a.status)),
    forget: (runId, nodeId) => void attempts.delete(nodeKey(runId, nodeId)),
  };
}

/** The store's own methods, bound, so spreading them keeps `this` (if an implementation uses it). */
function bindAll(store: StateStore): StateStore {
  return {
    path: store.path,
    insertAttempt: store.insertAttempt.bind(store),
    updateAttempt: store.updateAttempt.bind(store),
    getAttempt: store.getAttempt.bind(store),
    listAttempts: store.listAttempts.bind(store),
    listAttemptsByStatus: store.listAttemptsByStatus.bind(store),
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
