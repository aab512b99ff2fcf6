export type {
  AttemptKey,
  AttemptRecord,
  AttemptStatus,
  AttemptUpdate,
  CacheEntry,
  CacheLock,
  LockResult,
  NewAttempt,
  OpenStateStoreOptions,
  StateStore,
} from './state-store.ts';
export { openStateStore, STATE_DB_FILE } from './state-store.ts';
