/**
 * A task's default version: the git commit of the code that defines it, so a version names exactly
 * the code that ran; outside git, a digest of the defining file's content.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { TaskDefinition } from '../task/define-task.ts';

const commits = new Map<string, string | undefined>();

export function defaultVersion(task: Pick<TaskDefinition, 'site' | 'options'>): string {
  if (task.options.version) return task.options.version;
  const root = task.site.root;
  if (!commits.has(root)) commits.set(root, gitCommit(root));
  return commits.get(root) ?? contentDigest(task.site.file);
}

function gitCommit(dir: string): string | undefined {
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
