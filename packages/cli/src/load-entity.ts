/**
 * Loads a user's module and finds a task or workflow in it by export name or task name.
 * TypeScript modules load directly through Node's type stripping, so there is no build step. Type
 * stripping only erases: a construct that would need compiling (an enum, a parameter property, a
 * namespace) or an import written for a bundler fails to load, and the error says which construct it
 * is, where, and what to write instead. Types are not checked at run time; `tsc --noEmit` checks them.
 */
import { existsSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isTask, type Task, TflyteError } from '@tflyte/core';
import { UsageError } from './usage-error.ts';

export interface LoadedModule {
  readonly path: string;
  /** Export name → task, in export order. */
  readonly tasks: ReadonlyMap<string, Task>;
}

export async function loadModule(file: string, cwd: string): Promise<LoadedModule> {
  const path = resolve(cwd, file);
  if (!existsSync(path)) throw new UsageError(`no such file: ${file}`);
  let exports: Record<string, unknown>;
  try {
    exports = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (error) {
    // A task option or schema error raised while the module defines its tasks is the user's to fix.
    if (error instanceof TflyteError) throw error;
    throw new UsageError(`could not load ${file}: ${explainLoadError(error)}`);
  }
  const tasks = new Map<string, Task>();
  for (const [name, value] of Object.entries(exports)) if (isTask(value)) tasks.set(name, value);
  return { path, tasks };
}

export function findEntity(module: LoadedModule, file: string, name: string): Task {
  const direct = module.tasks.get(name);
  if (direct) return direct;
  for (const task of module.tasks.values()) if (task.shortName === name || task.name === name) return task;
  const available = [...module.tasks.keys()];
  throw new UsageError(
    `no task or workflow '${name}' in ${file}; ${available.length ? `it exports: ${available.join(', ')}` : 'it exports no tasks'}`,
  );
}

/** Constructs Node's type stripping cannot erase, and what erasable TypeScript says the same. */
const UNSUPPORTED: ReadonlyArray<readonly [RegExp, string]> = [
  [
    /TypeScript enum/,
    "a TypeScript enum, which needs compiling: write a const object and a union type instead, `export const Color = { Red: 'red' } as const; export type Color = (typeof Color)[keyof typeof Color];` (for a task input, t.enum(['red', 'green']))",
  ],
  [
    /parameter property/,
    'a constructor parameter property (`constructor(private x: T)`), which needs compiling: declare the field and assign it, `x: T; constructor(x: T) { this.x = x; }`',
  ],
  [/namespace declaration/, 'a TypeScript namespace, which needs compiling: use a module of its own, or a plain object'],
  [/angle-bracket/, 'an angle-bracket type assertion (`<T>expr`): write `expr as T`'],
];

/** The load error in one line, with what to write instead when it is a TypeScript construct or an import path. */
export function explainLoadError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const where = location(error);
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ERR_UNSUPPORTED_TYPESCRIPT_SYNTAX') {
    const known = UNSUPPORTED.find(([pattern]) => pattern.test(error.message));
    const what = known?.[1] ?? `${error.message}: Node runs task files by stripping types, so only erasable TypeScript loads`;
    return `${where}${what} (Node runs task files by stripping types; tsc's erasableSyntaxOnly flags these)`;
  }
  const missingExport = /does not provide an export named '([^']+)'/.exec(error.message);
  if (missingExport !== null) {
    const name = missingExport[1];
    return `${where}${error.message}. If ${name} is a type or an interface, import it with \`import type { ${name} }\` (or \`import { type ${name} }\`): type imports are erased, value imports must exist at run time`;
  }
  if (code === 'ERR_MODULE_NOT_FOUND') {
    const missing = /Cannot find module '([^']+)'/.exec(error.message)?.[1];
    const path = missing?.startsWith('file:') ? fileURLToPath(missing) : missing;
    if (path !== undefined) {
      const stem = ['.js', '.mjs'].includes(extname(path)) ? path.slice(0, -extname(path).length) : path;
      const ts = ['.ts', '.mts'].map((ext) => stem + ext).find((candidate) => existsSync(candidate));
      if (ts !== undefined) {
        return `${error.message}: import it by its file name, with the .ts extension ('…/${ts.split('/').pop()}'): Node resolves imports by exact path, with no extension guessing and no .js-for-.ts mapping`;
      }
    }
  }
  return error.message;
}

/** `file.ts:3: ` from the first line of a syntax or link error's stack, where Node puts it. */
function location(error: Error): string {
  const first = error.stack?.split('\n', 1)[0] ?? '';
  const match = /^(?:file:\/\/)?(\/.+:\d+)$/.exec(first);
  return match === null ? '' : `${match[1]}: `;
}
