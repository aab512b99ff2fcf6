import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from './usage-error.ts';

// Task files that TypeScript compiles but Node's type stripping cannot run: `tflyte run` names the
// construct, where it is, and what to write instead, in one line. Through the bin, in a real Node
// (vitest would compile the files with full TypeScript).
const bin = join(import.meta.dirname, '../bin/tflyte.js');
const files: Record<string, string> = {
  'tflyte.config.ts': 'export default { plugins: [] };\n',
  'enum.ts': 'export enum Color { Red, Green }\n',
  'param.ts': 'export class Point {\n  constructor(private x: number) {}\n}\n',
  'space.ts': 'export namespace Shapes { export const sides = 4; }\n',
  'lib.ts': 'export const one = 1;\nexport interface Shape { sides: number }\n',
  'extensionless.ts': "import { one } from './lib';\nexport const two = one + 1;\n",
  'js-extension.ts': "import { one } from './lib.js';\nexport const two = one + 1;\n",
  'type-import.ts': "import { Shape } from './lib.ts';\nexport const square: Shape = { sides: 4 };\n",
};
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tflyte-load-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(file: string): { code: number | null; err: string } {
  const child = spawnSync(process.execPath, [bin, 'run', file, 'anything'], { cwd: dir, encoding: 'utf8' });
  return { code: child.status, err: child.stderr.trim() };
}

describe('task files Node cannot strip', () => {
  it.each([
    ['enum.ts', /enum\.ts:1: a TypeScript enum, which needs compiling: write a const object and a union type instead/],
    ['param.ts', /param\.ts:2: a constructor parameter property .*declare the field and assign it/],
    ['space.ts', /space\.ts:1: a TypeScript namespace, which needs compiling/],
    ['extensionless.ts', /Cannot find module '.*\/lib' .*import it by its file name, with the \.ts extension \('…\/lib\.ts'\)/],
    ['js-extension.ts', /Cannot find module '.*\/lib\.js' .*with the \.ts extension \('…\/lib\.ts'\)/],
    [
      'type-import.ts',
      /type-import\.ts:1: .*does not provide an export named 'Shape'\. If Shape is a type or an interface, import it with `import type \{ Shape \}`/,
    ],
  ])('%s fails with what to write instead', (file, message) => {
    const { code, err } = run(file);
    expect(code).toBe(EXIT.usage);
    expect(err).toMatch(/^tflyte: could not load /);
    expect(err).toMatch(message);
    expect(err.split('\n')).toHaveLength(1);
  });
});
