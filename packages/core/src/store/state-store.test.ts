import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StateConflictError, StateCorruptError } from '../errors.ts';
import { type NewAttempt, openStateStore, STATE_DB_FILE, type StateStore } from './state-store.ts';

const NODE = fileURLToPath(new URL('../../../../node_modules/.bin/node', import.meta.url));
const STORE_MODULE = pathToFileURL(fileURLToPath(new URL('./state-store.ts', import.meta.url))).href;

let dir: string;
const open: StateStore[] = [];
const openStore = (): StateStore => {
  const store = openStateStore(dir);
  open.push(store);
  return store;
};
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tflyte-store-'));
});
afterEach(async () => {
  for (const store of open.splice(0)) store.close();
  await rm(dir, { recursive: true, force: true });
});

const attempt = (n: number, runId = 'r1'): NewAttempt => ({
  runId,
  nodeId: 'n0',
  attempt: n,
  taskName: 'my.task',
  taskType: 'python-task',
  taskTypeVersion: 0,
  generatedName: `${runId}-n0-${n}`,
  backend: 'in-memory',
  handleVersion: 1,
  createdAt: 1000 + n,
});

function rawDb(): DatabaseSync {
  return new DatabaseSync(join(dir, STATE_DB_FILE));
}

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('state store: attempts', () => {
  it('records an attempt, then its handle, phase and outcome, and lists attempts of a node in order', () => {
    const store = openStore();
    store.insertAttempt(attempt(1));
    const created = store.insertAttempt(attempt(0));
    expect(created).toMatchObject({ status: 'creating', phase: 0, handle: undefined, updatedAt: 1000 });
    store.updateAttempt(created, { handle: { jobId: 'j-1', tags: ['a'] }, status: 'running', phase: 1 }, 2000);
    const done = store.updateAttempt(
      created,
      { status: 'failed', phase: 5, failure: { kind: 'user', retryable: true, code: 'X', message: 'boom' }, endedAt: 3000 },
      3000,
    );
    expect(done).toMatchObject({ handle: { jobId: 'j-1', tags: ['a'] }, status: 'failed', phase: 5, endedAt: 3000, updatedAt: 3000 });
    expect(store.getAttempt(created)).toEqual(done);
    expect(store.listAttempts('r1', 'n0').map((a) => a.attempt)).toEqual([0, 1]);
    expect(store.listAttemptsByStatus(['creating']).map((a) => a.attempt)).toEqual([1]);
    expect(store.listAttempts('r2', 'n0')).toEqual([]);
  });

  it('refuses to record the same attempt twice', () => {
    const store = openStore();
    store.insertAttempt(attempt(0));
    expect(catchError(() => store.insertAttempt(attempt(0)))).toBeInstanceOf(StateConflictError);
  });

  it('is shared by two connections to the same directory', () => {
    const a = openStore();
    const b = openStore();
    a.insertAttempt(attempt(0));
    expect(b.listAttempts('r1', 'n0')).toHaveLength(1);
    b.updateAttempt(attempt(0), { status: 'running', handle: 'h' }, 5);
    expect(a.getAttempt(attempt(0))?.handle).toBe('h');
  });
});

describe('state store: documents', () => {
  it('keeps a node’s documents by name, and an attempt’s outputs with the update that ends it', () => {
    const store = openStore();
    store.putDocument('r1', 'n0', 'template.pb', new Uint8Array([1, 2]));
    store.insertAttempt(attempt(0));
    store.updateAttempt(attempt(0), { status: 'succeeded', endedAt: 9, outputs: new Uint8Array([7]) }, 9);
    // Read through a second connection: both rows are committed.
    const other = openStore();
    expect(other.getDocument('r1', 'n0', 'template.pb')).toEqual(new Uint8Array([1, 2]));
    expect(other.getDocument('r1', 'n0', '0/outputs.pb')).toEqual(new Uint8Array([7]));
    expect(other.getDocument('r1', 'n1', 'template.pb')).toBeUndefined();
  });

  it('records neither the outputs nor the end when the attempt is not recorded', () => {
    const store = openStore();
    expect(catchError(() => store.updateAttempt(attempt(3), { status: 'succeeded', outputs: new Uint8Array([7]) }, 1))).toBeInstanceOf(
      StateConflictError,
    );
    expect(store.getDocument('r1', 'n0', '3/outputs.pb')).toBeUndefined();
  });

  it('detects a document edited behind its back', () => {
    openStore().putDocument('r1', 'n0', 'template.pb', new Uint8Array([1, 2]));
    const db = rawDb();
    db.prepare("UPDATE documents SET bytes = X'0103'").run();
    db.close();
    const error = catchError(() => openStore().getDocument('r1', 'n0', 'template.pb'));
    expect(error).toBeInstanceOf(StateCorruptError);
    expect((error as Error).message).toContain('documents row (r1, n0, template.pb): checksum mismatch');
  });

  it('opens a store written by schema version 1, keeping its rows and adding the documents table', () => {
    const store = openStore();
    store.insertAttempt(attempt(0));
    store.close();
    const db = rawDb();
    db.exec('DROP TABLE documents');
    db.prepare("UPDATE meta SET value = '1' WHERE key = 'schema_version'").run();
    db.close();
    const reopened = openStore();
    expect(reopened.getAttempt(attempt(0))?.status).toBe('creating');
    reopened.putDocument('r1', 'n0', 'template.pb', new Uint8Array([1]));
    expect(reopened.getDocument('r1', 'n0', 'template.pb')).toEqual(new Uint8Array([1]));
    const check = rawDb();
    expect(check.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get()).toEqual({ value: '2' });
    check.close();
  });

  it('refuses a store written by a newer schema version, naming both versions', () => {
    openStore().close();
    const db = rawDb();
    db.prepare("UPDATE meta SET value = '3' WHERE key = 'schema_version'").run();
    db.close();
    const error = catchError(() => openStateStore(dir));
    expect(error).toBeInstanceOf(StateCorruptError);
    expect((error as Error).message).toContain('schema version 3 is not 2');
  });
});

describe('state store: cache entries and locks', () => {
  it('stores output bytes by key and clears them', () => {
    const store = openStore();
    store.putCacheEntry({ key: 'k1', taskName: 't', outputs: new Uint8Array([1, 2]), createdAt: 1 });
    store.putCacheEntry({ key: 'k2', taskName: 't', outputs: new Uint8Array([]), createdAt: 1 });
    expect(store.getCacheEntry('k1')).toEqual({ key: 'k1', taskName: 't', outputs: new Uint8Array([1, 2]), createdAt: 1 });
    expect(store.getCacheEntry('missing')).toBeUndefined();
    expect(store.deleteCacheEntry('k2')).toBe(true);
    expect(store.clearCache()).toBe(1);
    expect(store.getCacheEntry('k1')).toBeUndefined();
  });

  it('grants a lock to one owner at a time until it expires or is released', () => {
    const store = openStore();
    expect(store.acquireLock('k', 'a', 0, 100)).toEqual({ acquired: true, tookOverFrom: undefined });
    expect(store.acquireLock('k', 'b', 50, 100)).toMatchObject({ acquired: false, holder: { owner: 'a', expiresAt: 100 } });
    expect(store.heartbeatLock('k', 'a', 90, 100)).toBe(true);
    expect(store.acquireLock('k', 'b', 150, 100)).toMatchObject({ acquired: false, holder: { expiresAt: 190 } });
    expect(store.acquireLock('k', 'b', 190, 100)).toEqual({ acquired: true, tookOverFrom: 'a' });
    expect(store.heartbeatLock('k', 'a', 200, 100)).toBe(false);
    store.releaseLock('k', 'a');
    expect(store.getLock('k')?.owner).toBe('b');
    store.releaseLock('k', 'b');
    expect(store.getLock('k')).toBeUndefined();
  });
});

describe('state store: corruption', () => {
  it('refuses a state file that is not SQLite, naming the path and the fix, and leaves it in place', async () => {
    const path = join(dir, STATE_DB_FILE);
    await writeFile(path, 'this is not a database, it is a text file that someone put here by mistake '.repeat(3));
    const error = catchError(() => openStore());
    expect(error).toBeInstanceOf(StateCorruptError);
    expect(error).toMatchObject({ code: 'TFLYTE_STATE_CORRUPT', path });
    expect((error as Error).message).toContain(`mv '${path}' '${path}.corrupt'`);
    expect(await readFile(path, 'utf8')).toContain('this is not a database');
  });

  it('refuses a SQLite file whose pages fail PRAGMA quick_check', async () => {
    const store = openStore();
    for (let i = 0; i < 300; i++)
      store.putCacheEntry({ key: `key-${i}`, taskName: 't', outputs: new Uint8Array(64).fill(i % 256), createdAt: i });
    store.close();
    const path = join(dir, STATE_DB_FILE);
    const db = rawDb();
    db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
    db.close();
    const bytes = await readFile(path);
    // Overwrite the cell-pointer area of every b-tree page after the first (the schema page).
    for (let page = 1; page < bytes.length / 4096; page++) bytes.fill(0x41, 4096 * page + 8, 4096 * page + 60);
    await writeFile(path, bytes);
    const error = catchError(() => openStore());
    expect(error).toBeInstanceOf(StateCorruptError);
    expect((error as Error).message).toMatch(/quick_check|malformed/);
    expect((await readFile(path)).equals(bytes)).toBe(true);
  });

  it('detects an attempt row edited behind its back', () => {
    openStore().insertAttempt(attempt(0));
    const db = rawDb();
    db.prepare('UPDATE attempts SET handle = \'"forged"\' WHERE attempt = 0').run();
    db.close();
    const store = openStore();
    const error = catchError(() => store.listAttempts('r1', 'n0'));
    expect(error).toBeInstanceOf(StateCorruptError);
    expect((error as Error).message).toContain('attempts row (r1, n0, 0): checksum mismatch');
    expect((error as Error).message).toContain(store.path);
    expect(catchError(() => store.updateAttempt(attempt(0), { status: 'running' }, 1))).toBeInstanceOf(StateCorruptError);
  });

  it('detects tampered cache outputs and lock rows', () => {
    const store = openStore();
    store.putCacheEntry({ key: 'k', taskName: 't', outputs: new Uint8Array([1, 2, 3]), createdAt: 1 });
    store.acquireLock('k', 'a', 0, 100);
    const db = rawDb();
    db.prepare("UPDATE cache_entries SET outputs = X'010204'").run();
    db.prepare('UPDATE cache_locks SET expires_at = 0').run();
    db.close();
    expect(catchError(() => store.getCacheEntry('k'))).toBeInstanceOf(StateCorruptError);
    expect(catchError(() => store.acquireLock('k', 'b', 50, 100))).toBeInstanceOf(StateCorruptError);
  });

  it('keeps every committed row when a process is killed in the middle of a write', async () => {
    const script = join(dir, 'crash-writer.mjs');
    await writeFile(
      script,
      `import { openStateStore } from ${JSON.stringify(STORE_MODULE)};
import { DatabaseSync } from 'node:sqlite';
const store = openStateStore(process.argv[2]);
store.putCacheEntry({ key: 'kept', taskName: 't', outputs: new Uint8Array([7, 7]), createdAt: 1 });
const db = new DatabaseSync(store.path);
db.exec('BEGIN IMMEDIATE');
db.prepare("INSERT INTO cache_entries (key, task_name, outputs, created_at, checksum) VALUES ('half', 't', X'00', 1, 'x')").run();
db.prepare("DELETE FROM cache_entries WHERE key = 'kept'").run();
process.kill(process.pid, 'SIGKILL');
`,
    );
    const child = spawnSync(NODE, [script, dir], { encoding: 'utf8' });
    expect(child.signal).toBe('SIGKILL');
    const store = openStore();
    expect(store.getCacheEntry('kept')?.outputs).toEqual(new Uint8Array([7, 7]));
    expect(store.getCacheEntry('half')).toBeUndefined();
  });
});
