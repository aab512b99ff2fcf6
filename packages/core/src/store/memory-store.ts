/**
 * A StateStore that lives and dies with the process: attempts, documents, cache entries and cache locks in
 * memory. For runs nothing will ever re-attach to — a direct call of a task outside any session,
 * or a backend's unit tests — where a SQLite file would be written only to be deleted.
 */
import { StateConflictError } from '../errors.ts';
import { withMemoryAttempts } from '../executor/memory-attempts.ts';
import type { CacheEntry, CacheLock, LockResult, StateStore } from './state-store.ts';

export const MEMORY_STORE_PATH = ':memory:';

export function createMemoryStateStore(): StateStore {
  const entries = new Map<string, CacheEntry>();
  const locks = new Map<string, CacheLock>();
  const documents = new Map<string, Uint8Array>();
  const documentKey = (runId: string, nodeId: string, name: string): string => JSON.stringify([runId, nodeId, name]);
  // withMemoryAttempts supplies the attempt journal; these are never called through it.
  const noJournal = (): never => {
    throw new StateConflictError('the in-memory state store keeps attempts in its memory journal only');
  };
  const { forget: _, ...store } = withMemoryAttempts({
    path: MEMORY_STORE_PATH,
    insertAttempt: noJournal,
    updateAttempt: noJournal,
    getAttempt: noJournal,
    listAttempts: noJournal,
    listAttemptsByStatus: noJournal,
    putDocument(runId, nodeId, name, bytes) {
      documents.set(documentKey(runId, nodeId, name), bytes.slice());
    },
    getDocument: (runId, nodeId, name) => documents.get(documentKey(runId, nodeId, name)),
    getCacheEntry: (key) => entries.get(key),
    putCacheEntry(entry) {
      entries.set(entry.key, { ...entry, outputs: entry.outputs.slice() });
    },
    deleteCacheEntry: (key) => entries.delete(key),
    clearCache() {
      const count = entries.size;
      entries.clear();
      return count;
    },
    // The same rules as the SQLite store: free, expired or already ours is taken.
    acquireLock(key, owner, now, ttlMs): LockResult {
      const holder = locks.get(key);
      if (holder !== undefined && holder.owner !== owner && holder.expiresAt > now) return { acquired: false, holder };
      locks.set(key, { key, owner, heartbeatAt: now, expiresAt: now + ttlMs });
      return { acquired: true, tookOverFrom: holder !== undefined && holder.owner !== owner ? holder.owner : undefined };
    },
    heartbeatLock(key, owner, now, ttlMs) {
      if (locks.get(key)?.owner !== owner) return false;
      locks.set(key, { key, owner, heartbeatAt: now, expiresAt: now + ttlMs });
      return true;
    },
    releaseLock(key, owner) {
      if (locks.get(key)?.owner === owner) locks.delete(key);
    },
    getLock: (key) => locks.get(key),
    close() {},
  });
  return store;
}
