import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultVersion } from './version.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tflyte-version-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const git = (cwd: string, ...args: string[]): string =>
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', '-c', 'init.defaultBranch=main', ...args], {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  }).trim();

/** A repository at `root` with one commit of tasks.ts; returns the task file. */
function repository(root: string): string {
  mkdirSync(root, { recursive: true });
  git(root, 'init', '-q');
  const file = join(root, 'tasks.ts');
  writeFileSync(file, 'export const x = 1;\n');
  git(root, 'add', 'tasks.ts');
  git(root, 'commit', '-q', '-m', 'one');
  return file;
}

/** The version of a task defined in `file` under `root`, with no git on PATH: a spawned git could not answer. */
function versionWithoutGit(root: string, file: string): string {
  const path = process.env.PATH;
  process.env.PATH = '';
  try {
    return defaultVersion({ site: { root, file, module: `file://${file}` }, options: {} } as Parameters<typeof defaultVersion>[0]);
  } finally {
    process.env.PATH = path;
  }
}

describe('a task’s default version', () => {
  it('is the commit a branch ref names', () => {
    const root = join(dir, 'branch');
    const file = repository(root);
    expect(existsSync(join(root, '.git', 'refs', 'heads', 'main'))).toBe(true);
    expect(versionWithoutGit(root, file)).toBe(git(root, 'rev-parse', 'HEAD'));
  });

  it('is the commit of a branch found only in packed-refs', () => {
    const root = join(dir, 'packed');
    const file = repository(root);
    git(root, 'commit', '-q', '--allow-empty', '-m', 'two');
    git(root, 'pack-refs', '--all');
    expect(existsSync(join(root, '.git', 'refs', 'heads', 'main'))).toBe(false);
    expect(versionWithoutGit(root, file)).toBe(git(root, 'rev-parse', 'HEAD'));
  });

  it('is the commit a detached HEAD holds', () => {
    const root = join(dir, 'detached');
    const file = repository(root);
    const first = git(root, 'rev-parse', 'HEAD');
    git(root, 'commit', '-q', '--allow-empty', '-m', 'two');
    git(root, 'checkout', '-q', '--detach', first);
    expect(versionWithoutGit(root, file)).toBe(first);
  });

  it('is found from a subdirectory and from a linked worktree', () => {
    const root = join(dir, 'main-tree');
    repository(root);
    mkdirSync(join(root, 'src', 'deep'), { recursive: true });
    expect(versionWithoutGit(join(root, 'src', 'deep'), join(root, 'tasks.ts'))).toBe(git(root, 'rev-parse', 'HEAD'));

    git(root, 'branch', 'side');
    git(root, 'worktree', 'add', '-q', join(dir, 'side-tree'), 'side');
    git(join(dir, 'side-tree'), 'commit', '-q', '--allow-empty', '-m', 'on side');
    const side = git(join(dir, 'side-tree'), 'rev-parse', 'HEAD');
    expect(side).not.toBe(git(root, 'rev-parse', 'HEAD'));
    expect(versionWithoutGit(join(dir, 'side-tree'), join(dir, 'side-tree', 'tasks.ts'))).toBe(side);
  });

  it('is a digest of the defining file outside a repository, and in one without commits yet', () => {
    const plain = join(dir, 'plain');
    mkdirSync(plain);
    const file = join(plain, 'tasks.ts');
    writeFileSync(file, 'export const x = 1;\n');
    const digest = versionWithoutGit(plain, file);
    expect(digest).toMatch(/^[0-9a-f]{32}$/);

    const empty = join(dir, 'empty');
    mkdirSync(empty);
    git(empty, 'init', '-q');
    writeFileSync(join(empty, 'tasks.ts'), 'export const x = 1;\n');
    expect(versionWithoutGit(empty, join(empty, 'tasks.ts'))).toBe(digest);
  });

  it('is the version a task sets, when it sets one', () => {
    expect(
      defaultVersion({ site: { root: dir, file: '', module: '' }, options: { version: 'v7' } } as Parameters<typeof defaultVersion>[0]),
    ).toBe('v7');
  });
});
