import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { moduleFile } from './resolve-module.ts';

const root = mkdtempSync(join(tmpdir(), 'tflyte-resolve-module-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Writes `path` under the root, then resolves `module` there. */
function resolvedAfterWriting(path: string, module: string): { expected: string; found: string | undefined } {
  const expected = join(root, path);
  mkdirSync(join(expected, '..'), { recursive: true });
  writeFileSync(expected, '');
  return { expected, found: moduleFile(module, root) };
}

describe('moduleFile: the file a dotted task module names', () => {
  it('reads each dot as a directory separator', () => {
    const { expected, found } = resolvedAfterWriting('examples/basics.ts', 'examples.basics');
    expect(found).toBe(expected);
  });

  it.each([
    ['jobs/job.spark.ts', 'jobs.job.spark'],
    ['v1.2/train.mts', 'v1.2.train'],
    ['examples/.config/tasks.ts', 'examples..config.tasks'],
  ])('finds %s, whose names hold dots, from %s', (path, module) => {
    const { expected, found } = resolvedAfterWriting(path, module);
    expect(found).toBe(expected);
  });

  it('is undefined when no file matches', () => {
    expect(moduleFile('examples.missing', root)).toBeUndefined();
  });
});
