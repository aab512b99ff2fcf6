/**
 * Flyte's loader args name a task by dotted module and name (`task-module examples.basics
 * task-name mean`). The module is the defining file's path under the project root with `/` as `.`
 * and no extension; file names may hold dots themselves, so each split is tried.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const EXTENSIONS = ['.ts', '.mts', '.js', '.mjs'];

export function moduleFile(module: string, root: string): string | undefined {
  const parts = module.split('.');
  // Every way of turning the first k-1 dots into path separators, most separators first.
  for (let dirs = parts.length - 1; dirs >= 0; dirs--) {
    const path = [...parts.slice(0, dirs), parts.slice(dirs).join('.')].join('/');
    for (const ext of EXTENSIONS) {
      const file = join(root, path + ext);
      if (existsSync(file)) return file;
    }
  }
  return undefined;
}
