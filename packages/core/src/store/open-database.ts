/**
 * Opens the state database. It is SQLite through `node:sqlite` (built into Node 24): an embedded
 * file with no server to run, real transactions (a crash mid-write rolls back, never half-writes),
 * and SQLite's own cross-process file locking, so two executors on one project can share it.
 * WAL mode lets readers proceed while one process writes; busy_timeout makes a writer wait for
 * another process's transaction instead of failing.
 */
import { closeSync, existsSync, mkdirSync, openSync, readSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { StateCorruptError, StateUnavailableError, TflyteError } from '../errors.ts';

const SCHEMA_VERSION = 2;
/** Versions this one opens by adding what they lack: 1 had no documents table (CREATE … IF NOT EXISTS adds it). */
const UPGRADABLE_VERSIONS = new Set([1]);
const SQLITE_HEADER = 'SQLite format 3\u0000';
// Primary SQLite result codes that mean "this file is damaged or not a database".
const SQLITE_CORRUPT = 11;
const SQLITE_NOTADB = 26;
// ... and those that mean "this process may not write it now".
const SQLITE_BUSY = 5;
const SQLITE_LOCKED = 6;
const SQLITE_READONLY = 8;
const SQLITE_CANTOPEN = 14;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS attempts (
  run_id TEXT NOT NULL,
  node_id TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  task_name TEXT NOT NULL,
  task_type TEXT NOT NULL,
  task_type_version INTEGER NOT NULL,
  generated_name TEXT NOT NULL,
  backend TEXT NOT NULL,
  handle_version INTEGER NOT NULL,
  handle TEXT,
  status TEXT NOT NULL,
  phase INTEGER NOT NULL,
  failure TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  ended_at INTEGER,
  checksum TEXT NOT NULL,
  PRIMARY KEY (run_id, node_id, attempt)
);
CREATE INDEX IF NOT EXISTS attempts_by_status ON attempts (status);
CREATE TABLE IF NOT EXISTS cache_entries (
  key TEXT PRIMARY KEY,
  task_name TEXT NOT NULL,
  outputs BLOB NOT NULL,
  created_at INTEGER NOT NULL,
  checksum TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS runs (
  run_id TEXT PRIMARY KEY,
  entity TEXT NOT NULL,
  file TEXT NOT NULL,
  export_name TEXT NOT NULL,
  version TEXT NOT NULL,
  inputs_hash TEXT NOT NULL,
  inputs TEXT NOT NULL,
  status TEXT NOT NULL,
  owner TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  checksum TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS documents (
  run_id TEXT NOT NULL,
  node_id TEXT NOT NULL,
  name TEXT NOT NULL,
  bytes BLOB NOT NULL,
  checksum TEXT NOT NULL,
  PRIMARY KEY (run_id, node_id, name)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS runs_by_identity ON runs (entity, version, inputs_hash, status);
CREATE TABLE IF NOT EXISTS cache_locks (
  key TEXT PRIMARY KEY,
  owner TEXT NOT NULL,
  heartbeat_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  checksum TEXT NOT NULL
);
`;

export interface OpenDatabaseOptions {
  /** How long a write waits for another process's transaction, in ms. */
  readonly busyTimeoutMs?: number;
  /**
   * Told when opening found an existing file that held no tflyte state (0 bytes, or a database
   * without our tables) and started it afresh: earlier cached results are gone. By default a
   * process warning (printed on stderr), so the reset is never silent.
   */
  readonly onReset?: (message: string) => void;
}

// node:sqlite is loaded when a store is opened, not when core is imported: defining and calling
// tasks works on a Node without it, and only a persisted run needs it.
function loadSqlite(): typeof import('node:sqlite') {
  const sqlite = process.getBuiltinModule('node:sqlite');
  if (sqlite === undefined) {
    throw new TflyteError(
      'TFLYTE_NODE_UNSUPPORTED',
      `the state store needs node:sqlite, which Node.js ${process.version} does not have: use Node.js 22.18 or newer (a project's 'node' devDependency brings one)`,
    );
  }
  return sqlite;
}

const warnReset = (message: string): void => process.emitWarning(message, { code: 'TFLYTE_STATE_RESET' });

/**
 * Opens (creating if needed) the database at `path`. StateCorruptError when it is damaged;
 * StateUnavailableError when it cannot be written now (read-only, or locked past the busy timeout).
 */
export function openDatabase(path: string, options: OpenDatabaseOptions = {}): DatabaseSync {
  const { DatabaseSync } = loadSqlite();
  const existing = checkHeader(path);
  let db: DatabaseSync | undefined;
  try {
    db = new DatabaseSync(path, { timeout: options.busyTimeoutMs ?? 10_000 });
    db.exec('PRAGMA journal_mode = WAL');
    db.exec('PRAGMA synchronous = NORMAL');
    const check = db.prepare('PRAGMA quick_check').all();
    const problems = check.map((row) => String(row['quick_check'])).filter((text) => text !== 'ok');
    if (problems.length > 0) throw new StateCorruptError(path, `PRAGMA quick_check failed: ${problems.join('; ').slice(0, 500)}`);
    let reset: string | undefined;
    transaction(db, () => {
      const hadSchema = db!.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").get() !== undefined;
      if (existing === 'empty') reset = 'the file was empty (0 bytes)';
      else if (existing === 'database' && !hadSchema) reset = 'the file held no tflyte tables';
      db!.exec(SCHEMA);
      const row = db!.prepare('SELECT value FROM meta WHERE key = ?').get('schema_version');
      if (row === undefined) db!.prepare('INSERT INTO meta (key, value) VALUES (?, ?)').run('schema_version', String(SCHEMA_VERSION));
      else if (UPGRADABLE_VERSIONS.has(Number(row['value'])))
        db!.prepare("UPDATE meta SET value = ? WHERE key = 'schema_version'").run(String(SCHEMA_VERSION));
      else if (Number(row['value']) !== SCHEMA_VERSION) {
        throw new StateCorruptError(
          path,
          `schema version ${String(row['value'])} is not ${SCHEMA_VERSION}, the one this tflyte understands`,
        );
      }
      // A real write, now: a read-only file accepts BEGIN and no-op DDL, and would otherwise fail
      // only when the first result is recorded, after a task body has already run.
      db!
        .prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value')
        .run('last_opened_at', String(Date.now()));
    });
    if (reset !== undefined)
      (options.onReset ?? warnReset)(
        `state store ${path}: ${reset}, so the cache was reset: earlier cached results are gone and tasks run again`,
      );
    return db;
  } catch (error) {
    db?.close();
    throw asUnavailable(path, asCorruption(path, error));
  }
}

/** Runs `fn` in an IMMEDIATE transaction (it takes the write lock up front, so it cannot deadlock on upgrade). */
export function transaction<T>(db: DatabaseSync, fn: () => T): T {
  const { begin, commit } = transactionStatements(db);
  begin.run();
  try {
    const result = fn();
    commit.run();
    return result;
  } catch (error) {
    if (db.isTransaction) db.exec('ROLLBACK');
    throw error;
  }
}

// Prepared once per connection: `exec` compiles BEGIN and COMMIT again on every call.
const controlStatements = new WeakMap<DatabaseSync, { readonly begin: StatementSync; readonly commit: StatementSync }>();
function transactionStatements(db: DatabaseSync): { readonly begin: StatementSync; readonly commit: StatementSync } {
  let statements = controlStatements.get(db);
  if (statements === undefined) {
    statements = { begin: db.prepare('BEGIN IMMEDIATE'), commit: db.prepare('COMMIT') };
    controlStatements.set(db, statements);
  }
  return statements;
}

/** Maps SQLite's "corrupt" and "not a database" errors to StateCorruptError; other errors pass through. */
export function asCorruption(path: string, error: unknown): unknown {
  if (error instanceof StateCorruptError) return error;
  const errcode = (error as { errcode?: unknown }).errcode;
  if (typeof errcode === 'number' && ((errcode & 0xff) === SQLITE_CORRUPT || (errcode & 0xff) === SQLITE_NOTADB)) {
    return new StateCorruptError(path, (error as Error).message, { cause: error });
  }
  return error;
}

/** SQLite's "read-only", "cannot open" and "busy/locked" errors as StateUnavailableError; other errors pass through. */
function asUnavailable(path: string, error: unknown): unknown {
  if (error instanceof TflyteError) return error;
  const errcode = (error as { errcode?: unknown }).errcode;
  const primary = typeof errcode === 'number' ? errcode & 0xff : undefined;
  const detail = (error as Error).message;
  if (primary === SQLITE_READONLY || primary === SQLITE_CANTOPEN)
    return new StateUnavailableError(path, 'read-only', detail, { cause: error });
  if (primary === SQLITE_BUSY || primary === SQLITE_LOCKED) return new StateUnavailableError(path, 'locked', detail, { cause: error });
  const code = (error as { code?: unknown }).code;
  if (code === 'EACCES' || code === 'EROFS' || code === 'EPERM')
    return new StateUnavailableError(path, 'read-only', detail, { cause: error });
  return error;
}

/** What is at `path` before SQLite opens it; creates the directory when nothing is. */
function checkHeader(path: string): 'none' | 'empty' | 'database' {
  if (!existsSync(path)) {
    try {
      mkdirSync(dirname(path), { recursive: true });
    } catch (error) {
      throw asUnavailable(path, error);
    }
    return 'none';
  }
  const size = statSync(path).size;
  if (size === 0) return 'empty';
  const header = Buffer.alloc(SQLITE_HEADER.length);
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    throw asUnavailable(path, error);
  }
  try {
    readSync(fd, header, 0, header.length, 0);
  } finally {
    closeSync(fd);
  }
  if (size < 100 || header.toString('latin1') !== SQLITE_HEADER) throw new StateCorruptError(path, 'the file is not a SQLite database');
  return 'database';
}
