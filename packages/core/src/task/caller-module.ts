/**
 * Where a task was defined. Flyte names a task `<module>.<name>` and its container finds it again
 * by module and name, so we record the defining file (the first stack frame outside tflyte's own
 * task-defining modules) and derive the module from its path under the nearest package root.
 */
import { existsSync } from 'node:fs';
import { dirname, extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getCallSites } from 'node:util';

const internalFiles = new Set<string>();

/**
 * Modules that define tasks on a user's behalf (core's `task()`, a plugin's `athenaTask()`) register
 * themselves so the defining file is the user's, not ours.
 */
export function markTaskFactoryModule(moduleUrl: string): void {
  internalFiles.add(toPath(moduleUrl));
}
markTaskFactoryModule(import.meta.url);

export interface DefinitionSite {
  /** Absolute path of the defining file. */
  readonly file: string;
  /** Nearest directory at or above the file that has a package.json. */
  readonly root: string;
  /** Dotted module name, e.g. `examples.basics`. */
  readonly module: string;
}

export function findDefinitionSite(): DefinitionSite | undefined {
  for (const site of getCallSites(32)) {
    const name = site.scriptName;
    if (!name || name.startsWith('node:') || name.startsWith('[')) continue;
    const file = toPath(name);
    if (internalFiles.has(file)) continue;
    return siteFor(file);
  }
  return undefined;
}

function siteFor(file: string): DefinitionSite {
  const root = packageRoot(file);
  const rel = relative(root, file);
  const module = rel
    .slice(0, rel.length - extname(rel).length)
    .split(sep)
    .join('.');
  return { file, root, module };
}

const roots = new Map<string, string>();

function packageRoot(file: string): string {
  const start = dirname(file);
  const cached = roots.get(start);
  if (cached !== undefined) return cached;
  let dir = start;
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) {
      dir = start;
      break;
    }
    dir = parent;
  }
  roots.set(start, dir);
  return dir;
}

function toPath(urlOrPath: string): string {
  return urlOrPath.startsWith('file:') ? fileURLToPath(urlOrPath) : urlOrPath;
}
