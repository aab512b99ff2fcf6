/**
 * Flyte's loader args name a task by dotted module and name (`task-module examples.basics
 * task-name mean`). The module is the defining file's path under the project root with `/` as `.`
 * and no extension. Directory and file names may hold dots themselves (`v1.2/`, `.config/`,
 * `job.spark.ts`), so each dot may be a separator or part of a name: separators are tried first,
 * and only into directories that exist.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';

const EXTENSIONS = ['.ts', '.mts', '.js', '.mjs'];

export function moduleFile(module: string, root: string): string | undefined {
  return search(root, module.split('.'));
}

/** The file for `parts` under `dir`: the first part ends a directory name here, or takes the next part after a dot. */
function search(dir: string, parts: readonly string[]): string | undefined {
  for (let take = 1; take <= parts.length; take++) {
    const name = parts.slice(0, take).join('.');
    const rest = parts.slice(take);
    if (rest.length === 0) {
      for (const ext of EXTENSIONS) {
        const file = join(dir, name + ext);
        if (existsSync(file)) return file;
      }
    } else if (name !== '' && isDirectory(join(dir, name))) {
      const found = search(join(dir, name), rest);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
