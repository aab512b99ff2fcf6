/**
 * Opens the state database. It is SQLite through `node:sqlite` (built into Node 24): an embedded
 * file with no server to run, real transactions (a crash mid-write rolls back, never half-writes),
 * and SQLite's own cross-process file locking, so two executors on one project can share it.
 * WAL mode lets readers proceed while one process writes; busy_timeout makes a writer wait for
 * another process's transaction instead of failing.
 */
import { closeSync, existsSync, mkdirSync, openSync, readSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { StateCorruptError } from '../errors.ts';

const SCHEMA_VERSION = 1;
const SQLITE_HEADER = 'SQLite format 3\u0000';
// Primary SQLite result codes that mean "this file is damaged or not a database".
const SQLITE_CORRUPT = 11;
const SQLITE_NOTADB = 26;

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
}

/** Opens (creating if needed) the database at `path`; StateCorruptError when it is damaged. */
export function openDatabase(path: string, options: OpenDatabaseOptions = {}): DatabaseSync {
  checkHeader(path);
  let db: DatabaseSync | undefined;
  try {
    db = new DatabaseSync(path, { timeout: options.busyTimeoutMs ?? 10_000 });
    db.exec('PRAGMA journal_mode = WAL');
    db.exec('PRAGMA synchronous = NORMAL');
    const check = db.prepare('PRAGMA quick_check').all();
    const problems = check.map((row) => String(row['quick_check'])).filter((text) => text !== 'ok');
    if (problems.length > 0) throw new StateCorruptError(path, `PRAGMA quick_check failed: ${problems.join('; ').slice(0, 500)}`);
    transaction(db, () => {
      db!.exec(SCHEMA);
      const row = db!.prepare('SELECT value FROM meta WHERE key = ?').get('schema_version');
      if (row === undefined) db!.prepare('INSERT INTO meta (key, value) VALUES (?, ?)').run('schema_version', String(SCHEMA_VERSION));
      else if (Number(row['value']) !== SCHEMA_VERSION) {
        throw new StateCorruptError(path, `schema version ${String(row['value'])} is not ${SCHEMA_VERSION}, the one this tflyte understands`);
      }
    });
    return db;
  } catch (error) {
    db?.close();
    throw asCorruption(path, error);
  }
}

/** Runs `fn` in an IMMEDIATE transaction (it takes the write lock up front, so it cannot deadlock on upgrade). */
export function transaction<T>(db: DatabaseSync, fn: () => T): T {
  db.exec('BEGIN IMMEDIATE');
  try {
    const result = fn();
    db.exec('COMMIT');
    return result;
  } catch (error) {
    if (db.isTransaction) db.exec('ROLLBACK');
    throw error;
  }
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

function checkHeader(path: string): void {
  if (!existsSync(path)) {
    mkdirSync(dirname(path), { recursive: true });
    return;
  }
  const size = statSync(path).size;
  if (size === 0) return;
  const header = Buffer.alloc(SQLITE_HEADER.length);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, header, 0, header.length, 0);
  } finally {
    closeSync(fd);
  }
  if (size < 100 || header.toString('latin1') !== SQLITE_HEADER) throw new StateCorruptError(path, 'the file is not a SQLite database');
}
