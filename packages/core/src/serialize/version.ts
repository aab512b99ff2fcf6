/**
 * A task's default version: the git commit of the code that defines it, so a version names exactly
 * the code that ran; outside git, a digest of the defining file's content.
 *
 * The commit is read from the repository's files (HEAD, then the loose ref or packed-refs) rather
 * than by running `git rev-parse HEAD`: spawning git synchronously cost every `tflyte run` tens of
 * milliseconds. Layouts this reader does not know (reftable, GIT_DIR) still ask git.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { TaskDefinition } from '../task/define-task.ts';

const commits = new Map<string, string | undefined>();

export function defaultVersion(task: Pick<TaskDefinition, 'site' | 'options'>): string {
  if (task.options.version) return task.options.version;
  const root = task.site.root;
  if (!commits.has(root)) commits.set(root, gitCommit(root));
  return commits.get(root) ?? contentDigest(task.site.file);
}

const OBJECT_ID = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

/** What reading the repository's files found: a commit, no commit (not a repository, or no commits yet), or a layout to leave to git. */
type Found = { readonly commit: string | undefined } | 'ask git';

function gitCommit(dir: string): string | undefined {
  const found = process.env.GIT_DIR === undefined ? readHead(dir) : 'ask git';
  return found === 'ask git' ? askGit(dir) : found.commit;
}

function readHead(dir: string): Found {
  const gitDir = findGitDir(resolve(dir));
  if (gitDir === undefined) return { commit: undefined };
  if (gitDir === 'ask git') return 'ask git';
  const head = readText(join(gitDir, 'HEAD'))?.trim();
  if (head === undefined) return 'ask git';
  if (OBJECT_ID.test(head)) return { commit: head };
  const ref = /^ref: (refs\/\S+)$/.exec(head)?.[1];
  if (ref === undefined) return 'ask git';
  // A linked worktree keeps its HEAD; branches live in the repository's common directory.
  const commonDir = commonDirOf(gitDir);
  const loose = readText(join(gitDir, ref)) ?? readText(join(commonDir, ref));
  if (loose !== undefined) return OBJECT_ID.test(loose.trim()) ? { commit: loose.trim() } : 'ask git';
  if (isDirectory(join(commonDir, 'reftable'))) return 'ask git';
  const packed = readText(join(commonDir, 'packed-refs'));
  for (const line of packed?.split('\n') ?? []) {
    const [id, name] = line.trim().split(' ');
    if (name === ref && id !== undefined && OBJECT_ID.test(id)) return { commit: id };
  }
  // HEAD names a branch without commits yet: as `git rev-parse HEAD` fails there, there is no commit.
  return { commit: undefined };
}

/** The `.git` directory of the repository containing `dir` (a `.git` file points at it, as in worktrees and submodules). */
function findGitDir(dir: string): string | 'ask git' | undefined {
  for (let current = dir; ; current = dirname(current)) {
    const dotGit = join(current, '.git');
    if (isDirectory(dotGit)) return dotGit;
    const pointer = readText(dotGit);
    if (pointer !== undefined) {
      const target = /^gitdir: (.+)$/m.exec(pointer)?.[1]?.trim();
      if (target === undefined) return 'ask git';
      return isAbsolute(target) ? target : resolve(current, target);
    }
    if (dirname(current) === current) return undefined;
  }
}

function commonDirOf(gitDir: string): string {
  const pointer = readText(join(gitDir, 'commondir'))?.trim();
  if (pointer === undefined || pointer === '') return gitDir;
  return isAbsolute(pointer) ? pointer : resolve(gitDir, pointer);
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

function isDirectory(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false })?.isDirectory() === true;
}

function askGit(dir: string): string | undefined {
  try {
    return (
      execFileSync('git', ['rev-parse', 'HEAD'], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() || undefined
    );
  } catch {
    return undefined;
  }
}

function contentDigest(file: string): string {
  const hash = createHash('sha256');
  try {
    hash.update(readFileSync(file));
  } catch {
    hash.update(file);
  }
  return hash.digest('hex').slice(0, 32);
}
