import { join } from 'node:path';
import type { DatabaseSync, SQLOutputValue, StatementSync } from 'node:sqlite';
import { StateConflictError, StateCorruptError } from '../errors.ts';
import type { FailureInfo } from '../plugin/contract.ts';
import type { JsonValue } from '../types/flyte-type.ts';
import { rowChecksum } from './checksum.ts';
import { asCorruption, type OpenDatabaseOptions, openDatabase, transaction } from './open-database.ts';

/**
 * Where an attempt is in its lifecycle, as the executor recorded it:
 * `creating` — row written, create may or may not have reached the backend (re-running create is
 * safe: it is idempotent per token); `running` — the handle is stored and the job may be live;
 * then one of the terminal states.
 */
export type AttemptStatus = 'creating' | 'running' | 'succeeded' | 'failed' | 'aborted';

export interface AttemptKey {
  readonly runId: string;
  readonly nodeId: string;
  readonly attempt: number;
}

export interface AttemptRecord extends AttemptKey {
  readonly taskName: string;
  readonly taskType: string;
  readonly taskTypeVersion: number;
  readonly generatedName: string;
  readonly backend: string;
  readonly handleVersion: number;
  /** The backend's handle, once create returned. */
  readonly handle: JsonValue | undefined;
  readonly status: AttemptStatus;
  /** The last TaskExecution phase observed (0 = none yet). */
  readonly phase: number;
  readonly failure: FailureInfo | undefined;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly endedAt: number | undefined;
}

export type NewAttempt = Omit<AttemptRecord, 'handle' | 'status' | 'phase' | 'failure' | 'updatedAt' | 'endedAt'>;

export interface AttemptUpdate {
  readonly handle?: JsonValue;
  readonly status?: AttemptStatus;
  readonly phase?: number;
  readonly failure?: FailureInfo;
  readonly endedAt?: number;
  /**
   * The attempt's output LiteralMap (serialized), kept as its `<attempt>/outputs.pb` document in
   * the same transaction as the rest of the update, so a recorded success always has its outputs.
   */
  readonly outputs?: Uint8Array;
}

/** The name of an attempt's outputs among its node's documents. */
export const outputsDocument = (attempt: number): string => `${attempt}/outputs.pb`;
/** The name of an attempt's inputs among its node's documents. */
export const inputsDocument = (attempt: number): string => `${attempt}/inputs.pb`;
/** The name of a node's task template among its documents. */
export const TEMPLATE_DOCUMENT = 'template.pb';

export interface CacheEntry {
  readonly key: string;
  readonly taskName: string;
  /** Serialized output LiteralMap. */
  readonly outputs: Uint8Array;
  readonly createdAt: number;
}

export interface CacheLock {
  readonly key: string;
  readonly owner: string;
  readonly heartbeatAt: number;
  readonly expiresAt: number;
}

export type LockResult =
  | { readonly acquired: true /** The owner whose expired lock was taken over. */; readonly tookOverFrom: string | undefined }
  | { readonly acquired: false; readonly holder: CacheLock };

/**
 * The executor's durable state: attempts (with backend handles, for re-attaching after a crash),
 * their nodes' documents, the output cache and cache-serialization locks. Every row carries a sha256 checksum that is
 * verified on read; a mismatch is a StateCorruptError, never silently used.
 */
export interface StateStore {
  /** The database file. */
  readonly path: string;
  /**
   * Records a new attempt as `creating`, and in the same transaction its node's `documents` (by
   * name: the attempt's inputs, the node's template), so a recorded attempt always has them.
   */
  insertAttempt(attempt: NewAttempt, documents?: Readonly<Record<string, Uint8Array>>): AttemptRecord;
  updateAttempt(key: AttemptKey, update: AttemptUpdate, now: number): AttemptRecord;
  getAttempt(key: AttemptKey): AttemptRecord | undefined;
  /** Attempts of one node of one run, by attempt number. */
  listAttempts(runId: string, nodeId: string): readonly AttemptRecord[];
  /** Attempts in the given states across all runs (e.g. every `running` one, for a status view). */
  listAttemptsByStatus(statuses: readonly AttemptStatus[]): readonly AttemptRecord[];
  /**
   * A node's small documents (its task template, its attempts' outputs), kept with its attempts
   * rather than as files beside them: a row in a transaction the executor makes anyway costs a
   * fraction of creating a file, and a restarted executor reads them from the same place.
   */
  putDocument(runId: string, nodeId: string, name: string, bytes: Uint8Array): void;
  getDocument(runId: string, nodeId: string, name: string): Uint8Array | undefined;
  getCacheEntry(key: string): CacheEntry | undefined;
  putCacheEntry(entry: CacheEntry): void;
  deleteCacheEntry(key: string): boolean;
  /** Removes every cache entry; returns how many there were. */
  clearCache(): number;
  /** Takes the lock when free, expired, or already ours; otherwise reports the holder. */
  acquireLock(key: string, owner: string, now: number, ttlMs: number): LockResult;
  /** Extends our lock; false when we no longer hold it (it expired and was taken over). */
  heartbeatLock(key: string, owner: string, now: number, ttlMs: number): boolean;
  releaseLock(key: string, owner: string): void;
  getLock(key: string): CacheLock | undefined;
  close(): void;
}

/** The database file inside a state directory. */
export const STATE_DB_FILE = 'state.db';

export interface OpenStateStoreOptions extends OpenDatabaseOptions {}

/** Opens `<stateDir>/state.db`, creating the directory and schema when missing. */
export function openStateStore(stateDir: string, options: OpenStateStoreOptions = {}): StateStore {
  const path = join(stateDir, STATE_DB_FILE);
  return createStateStore(openDatabase(path, options), path);
}

type Row = Record<string, SQLOutputValue>;

const ATTEMPT_COLUMNS = [
  'run_id',
  'node_id',
  'attempt',
  'task_name',
  'task_type',
  'task_type_version',
  'generated_name',
  'backend',
  'handle_version',
  'handle',
  'status',
  'phase',
  'failure',
  'created_at',
  'updated_at',
  'ended_at',
] as const;

function createStateStore(db: DatabaseSync, path: string): StateStore {
  const corrupt = (table: string, id: string, problem: string): StateCorruptError =>
    new StateCorruptError(path, `${table} row ${id}: ${problem}`);
  // SQLite reports corruption it finds mid-query as errors; surface them as StateCorruptError too.
  const guarded = <T>(fn: () => T): T => {
    try {
      return fn();
    } catch (error) {
      throw asCorruption(path, error);
    }
  };
  const tx = <T>(fn: () => T): T => guarded(() => transaction(db, fn));
  // Prepared once per statement text: compiling SQL on every call cost more than running it.
  const statements = new Map<string, StatementSync>();
  const sql = (text: string): StatementSync => {
    let statement = statements.get(text);
    if (statement === undefined) statements.set(text, (statement = db.prepare(text)));
    return statement;
  };

  const attemptFields = (a: AttemptRecord): (string | number | null)[] => [
    a.runId,
    a.nodeId,
    a.attempt,
    a.taskName,
    a.taskType,
    a.taskTypeVersion,
    a.generatedName,
    a.backend,
    a.handleVersion,
    a.handle === undefined ? null : JSON.stringify(a.handle),
    a.status,
    a.phase,
    a.failure === undefined ? null : JSON.stringify(a.failure),
    a.createdAt,
    a.updatedAt,
    a.endedAt ?? null,
  ];

  const toAttempt = (row: Row): AttemptRecord => {
    const id = `(${String(row['run_id'])}, ${String(row['node_id'])}, ${String(row['attempt'])})`;
    // Checked against the stored column values themselves, so an edit to any column is caught.
    const stored = ATTEMPT_COLUMNS.map((column) => row[column] ?? null) as (string | number | null)[];
    if (rowChecksum('attempts', stored) !== row['checksum']) throw corrupt('attempts', id, 'checksum mismatch');
    const parseJson = (column: string): unknown => {
      const text = row[column];
      return text === null || text === undefined ? undefined : JSON.parse(String(text));
    };
    return {
      runId: String(row['run_id']),
      nodeId: String(row['node_id']),
      attempt: Number(row['attempt']),
      taskName: String(row['task_name']),
      taskType: String(row['task_type']),
      taskTypeVersion: Number(row['task_type_version']),
      generatedName: String(row['generated_name']),
      backend: String(row['backend']),
      handleVersion: Number(row['handle_version']),
      handle: parseJson('handle') as JsonValue | undefined,
      status: String(row['status']) as AttemptStatus,
      phase: Number(row['phase']),
      failure: parseJson('failure') as FailureInfo | undefined,
      createdAt: Number(row['created_at']),
      updatedAt: Number(row['updated_at']),
      endedAt: row['ended_at'] === null ? undefined : Number(row['ended_at']),
    };
  };

  const writeAttempt = (a: AttemptRecord): void => {
    const fields = attemptFields(a);
    sql(
      `INSERT OR REPLACE INTO attempts (${ATTEMPT_COLUMNS.join(', ')}, checksum) VALUES (${ATTEMPT_COLUMNS.map(() => '?').join(', ')}, ?)`,
    ).run(...fields, rowChecksum('attempts', fields));
  };

  // An UPDATE in place rewrites the row's page (and the status index when the status changes); the
  // INSERT OR REPLACE of a new attempt would also delete and re-insert its primary-key entry.
  const KEY_COLUMNS = 3;
  const rewriteAttempt = (a: AttemptRecord): void => {
    const fields = attemptFields(a);
    sql(
      `UPDATE attempts SET ${ATTEMPT_COLUMNS.slice(KEY_COLUMNS)
        .map((column) => `${column} = ?`)
        .join(', ')}, checksum = ? WHERE run_id = ? AND node_id = ? AND attempt = ?`,
    ).run(...fields.slice(KEY_COLUMNS), rowChecksum('attempts', fields), a.runId, a.nodeId, a.attempt);
  };

  const selectAttempt = (key: AttemptKey): AttemptRecord | undefined => {
    const row = sql('SELECT * FROM attempts WHERE run_id = ? AND node_id = ? AND attempt = ?').get(key.runId, key.nodeId, key.attempt);
    return row === undefined ? undefined : toAttempt(row);
  };

  const writeDocument = (runId: string, nodeId: string, name: string, bytes: Uint8Array): void => {
    sql('INSERT OR REPLACE INTO documents (run_id, node_id, name, bytes, checksum) VALUES (?, ?, ?, ?, ?)').run(
      runId,
      nodeId,
      name,
      bytes,
      rowChecksum('documents', [runId, nodeId, name], bytes),
    );
  };
  const selectDocument = (runId: string, nodeId: string, name: string): Uint8Array | undefined => {
    const row = sql('SELECT bytes, checksum FROM documents WHERE run_id = ? AND node_id = ? AND name = ?').get(runId, nodeId, name);
    if (row === undefined) return undefined;
    const bytes = row['bytes'];
    if (!(bytes instanceof Uint8Array) || rowChecksum('documents', [runId, nodeId, name], bytes) !== row['checksum']) {
      throw corrupt('documents', `(${runId}, ${nodeId}, ${name})`, 'checksum mismatch');
    }
    return bytes;
  };

  const toCacheEntry = (row: Row): CacheEntry => {
    const entry: CacheEntry = {
      key: String(row['key']),
      taskName: String(row['task_name']),
      outputs: row['outputs'] instanceof Uint8Array ? row['outputs'] : new Uint8Array(),
      createdAt: Number(row['created_at']),
    };
    if (
      !(row['outputs'] instanceof Uint8Array) ||
      rowChecksum('cache_entries', [entry.key, entry.taskName, entry.createdAt], entry.outputs) !== row['checksum']
    ) {
      throw corrupt('cache_entries', entry.key, 'checksum mismatch');
    }
    return entry;
  };

  const lockFields = (l: CacheLock): (string | number)[] => [l.key, l.owner, l.heartbeatAt, l.expiresAt];
  const toLock = (row: Row): CacheLock => {
    const lock: CacheLock = {
      key: String(row['key']),
      owner: String(row['owner']),
      heartbeatAt: Number(row['heartbeat_at']),
      expiresAt: Number(row['expires_at']),
    };
    if (rowChecksum('cache_locks', lockFields(lock)) !== row['checksum']) throw corrupt('cache_locks', lock.key, 'checksum mismatch');
    return lock;
  };
  const selectLock = (key: string): CacheLock | undefined => {
    const row = sql('SELECT * FROM cache_locks WHERE key = ?').get(key);
    return row === undefined ? undefined : toLock(row);
  };
  const writeLock = (lock: CacheLock): void => {
    sql('INSERT OR REPLACE INTO cache_locks (key, owner, heartbeat_at, expires_at, checksum) VALUES (?, ?, ?, ?, ?)').run(
      ...lockFields(lock),
      rowChecksum('cache_locks', lockFields(lock)),
    );
  };

  return {
    path,
    insertAttempt(attempt, documents) {
      const record: AttemptRecord = {
        ...attempt,
        handle: undefined,
        status: 'creating',
        phase: 0,
        failure: undefined,
        updatedAt: attempt.createdAt,
        endedAt: undefined,
      };
      return tx(() => {
        if (selectAttempt(attempt) !== undefined) {
          throw new StateConflictError(
            `attempt ${attempt.attempt} of run '${attempt.runId}' node '${attempt.nodeId}' is already recorded in ${path}; another executor is running it, or use a new runId`,
          );
        }
        writeAttempt(record);
        for (const name in documents) writeDocument(attempt.runId, attempt.nodeId, name, documents[name]!);
        return record;
      });
    },
    updateAttempt(key, update, now) {
      return tx(() => {
        const current = selectAttempt(key);
        if (current === undefined)
          throw new StateConflictError(`attempt ${key.attempt} of run '${key.runId}' node '${key.nodeId}' is not recorded in ${path}`);
        const next: AttemptRecord = {
          ...current,
          ...(update.handle !== undefined && { handle: update.handle }),
          ...(update.status !== undefined && { status: update.status }),
          ...(update.phase !== undefined && { phase: update.phase }),
          ...(update.failure !== undefined && { failure: update.failure }),
          ...(update.endedAt !== undefined && { endedAt: update.endedAt }),
          updatedAt: now,
        };
        rewriteAttempt(next);
        if (update.outputs !== undefined) writeDocument(key.runId, key.nodeId, outputsDocument(key.attempt), update.outputs);
        return next;
      });
    },
    getAttempt: (key) => guarded(() => selectAttempt(key)),
    listAttempts: (runId, nodeId) =>
      guarded(() => sql('SELECT * FROM attempts WHERE run_id = ? AND node_id = ? ORDER BY attempt').all(runId, nodeId).map(toAttempt)),
    listAttemptsByStatus: (statuses) =>
      guarded(() =>
        db
          .prepare(
            `SELECT * FROM attempts WHERE status IN (${statuses.map(() => '?').join(', ') || 'NULL'}) ORDER BY created_at, run_id, node_id, attempt`,
          )
          .all(...statuses)
          .map(toAttempt),
      ),
    putDocument(runId, nodeId, name, bytes) {
      tx(() => writeDocument(runId, nodeId, name, bytes));
    },
    getDocument: (runId, nodeId, name) => guarded(() => selectDocument(runId, nodeId, name)),
    getCacheEntry: (key) =>
      guarded(() => {
        const row = sql('SELECT * FROM cache_entries WHERE key = ?').get(key);
        return row === undefined ? undefined : toCacheEntry(row);
      }),
    putCacheEntry(entry) {
      tx(() => {
        sql('INSERT OR REPLACE INTO cache_entries (key, task_name, outputs, created_at, checksum) VALUES (?, ?, ?, ?, ?)').run(
          entry.key,
          entry.taskName,
          entry.outputs,
          entry.createdAt,
          rowChecksum('cache_entries', [entry.key, entry.taskName, entry.createdAt], entry.outputs),
        );
      });
    },
    deleteCacheEntry: (key) => tx(() => Number(sql('DELETE FROM cache_entries WHERE key = ?').run(key).changes) > 0),
    clearCache: () => tx(() => Number(sql('DELETE FROM cache_entries').run().changes)),
    acquireLock(key, owner, now, ttlMs) {
      return tx((): LockResult => {
        const holder = selectLock(key);
        if (holder !== undefined && holder.owner !== owner && holder.expiresAt > now) return { acquired: false, holder };
        writeLock({ key, owner, heartbeatAt: now, expiresAt: now + ttlMs });
        return { acquired: true, tookOverFrom: holder !== undefined && holder.owner !== owner ? holder.owner : undefined };
      });
    },
    heartbeatLock(key, owner, now, ttlMs) {
      return tx(() => {
        if (selectLock(key)?.owner !== owner) return false;
        writeLock({ key, owner, heartbeatAt: now, expiresAt: now + ttlMs });
        return true;
      });
    },
    releaseLock(key, owner) {
      tx(() => {
        sql('DELETE FROM cache_locks WHERE key = ? AND owner = ?').run(key, owner);
      });
    },
    getLock: (key) => guarded(() => selectLock(key)),
    close() {
      if (db.isOpen) db.close();
    },
  };
}
