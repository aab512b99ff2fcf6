/** Opening the state database: what a user sees when it cannot be used as it is. */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StateUnavailableError } from '../errors.ts';
import { openStateStore, STATE_DB_FILE } from './index.ts';

const coreIndex = resolve(import.meta.dirname, '../index.ts');
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tflyte-open-db-'));
});
afterEach(() => {
  chmodSync(dir, 0o755);
  rmSync(dir, { recursive: true, force: true });
});

describe('a state database this process cannot write', () => {
  it('is refused at open as locked, naming the file, when another process holds its lock', () => {
    openStateStore(dir).close();
    const other = new DatabaseSync(join(dir, STATE_DB_FILE));
    other.exec('BEGIN EXCLUSIVE');
    try {
      let error: unknown;
      try {
        openStateStore(dir, { busyTimeoutMs: 50 });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(StateUnavailableError);
      expect(error).toMatchObject({ code: 'TFLYTE_STATE_UNAVAILABLE', reason: 'locked', path: join(dir, STATE_DB_FILE) });
      expect((error as Error).message).toMatch(/is locked by another process .*nothing ran/);
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
  });

  it('is refused at open as read-only, before anything could need to write it', () => {
    openStateStore(dir).close();
    chmodSync(join(dir, STATE_DB_FILE), 0o444);
    chmodSync(dir, 0o555);
    // Root writes any file, so the opener runs as an ordinary user.
    const asUser = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
    const script = `
      import { openStateStore } from ${JSON.stringify(coreIndex)};
      try { openStateStore(${JSON.stringify(dir)}); console.log(JSON.stringify({ opened: true })); }
      catch (e) { console.log(JSON.stringify({ name: e.name, code: e.code, reason: e.reason, message: e.message })); }`;
    const child = spawnSync(process.execPath, ['--conditions=@tflyte/source', '--input-type=module', '-e', script], {
      encoding: 'utf8',
      cwd: tmpdir(),
      ...asUser,
    });
    expect(child.stderr).toBe('');
    expect(JSON.parse(child.stdout)).toMatchObject({
      name: 'StateUnavailableError',
      code: 'TFLYTE_STATE_UNAVAILABLE',
      reason: 'read-only',
      message: expect.stringMatching(/cannot be written .*nothing ran. Make the file and its directory writable/),
    });
  });
});

describe('a state database without tflyte state', () => {
  const notices = () => {
    const seen: string[] = [];
    return { seen, onReset: (message: string) => seen.push(message) };
  };

  it('says the cache was reset when the file is 0 bytes, then works as a fresh store', () => {
    writeFileSync(join(dir, STATE_DB_FILE), '');
    const { seen, onReset } = notices();
    const store = openStateStore(dir, { onReset });
    store.close();
    expect(seen).toEqual([
      `state store ${join(dir, STATE_DB_FILE)}: the file was empty (0 bytes), so the cache was reset: earlier cached results are gone and tasks run again`,
    ]);
    const again = notices();
    openStateStore(dir, { onReset: again.onReset }).close();
    expect(again.seen).toEqual([]);
  });

  it('says the cache was reset when the file is a SQLite database without our tables', () => {
    mkdirSync(dir, { recursive: true });
    const foreign = new DatabaseSync(join(dir, STATE_DB_FILE));
    foreign.exec('CREATE TABLE notes (body TEXT)');
    foreign.close();
    const { seen, onReset } = notices();
    openStateStore(dir, { onReset }).close();
    expect(seen).toEqual([expect.stringContaining('the file held no tflyte tables, so the cache was reset')]);
  });

  it('says nothing for a new store', () => {
    const { seen, onReset } = notices();
    openStateStore(join(dir, 'new'), { onReset }).close();
    expect(seen).toEqual([]);
  });
});
