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
export { inputsDocument, openStateStore, outputsDocument, STATE_DB_FILE, TEMPLATE_DOCUMENT } from './state-store.ts';
