import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Io, main } from '../main.ts';
import { EXIT } from '../usage-error.ts';

const repo = resolve(import.meta.dirname, '../../../..');
const node = join(repo, 'node_modules/.bin/node');
// Inside the repository so the scaffold's imports resolve to the workspace packages, as they would
// to the installed ones in a user's project (tools/ci/pack-smoke.sh does that with the tarballs).
let parent: string;

beforeAll(() => {
  parent = mkdtempSync(join(repo, 'packages/cli/.init-test-'));
});
afterAll(() => rmSync(parent, { recursive: true, force: true }));

async function tflyte(args: string[], cwd: string): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { cwd, out: (l) => out.push(l), err: (l) => err.push(l), env: {}, isTTY: false };
  const code = await main(args, io);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('tflyte init', () => {
  it('scaffolds a project whose task runs, whose test passes and which typechecks', async () => {
    const created = await tflyte(['init', 'My Project'], parent);
    expect(created.code).toBe(EXIT.ok);
    expect(created.out).toContain('npx tflyte run src/hello.ts hello --name world');
    const dir = join(parent, 'My Project');
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    expect(pkg).toMatchObject({
      name: 'my-project',
      type: 'module',
      devDependencies: { node: expect.stringMatching(/^\^24/), '@tflyte/cli': expect.any(String) },
    });

    expect(await tflyte(['run', 'src/hello.ts', 'hello', '--name', 'world'], dir)).toMatchObject({ code: 0, out: 'Hello, world!' });

    const test = spawnSync(node, ['--conditions=@tflyte/source', '--test'], { cwd: dir, encoding: 'utf8' });
    expect(test.stdout).toMatch(/pass 1\n\S* ?fail 0/);
    expect(test.status).toBe(0);

    const tsc = spawnSync(
      node,
      [join(repo, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json', '--customConditions', '@tflyte/source'],
      { cwd: dir, encoding: 'utf8' },
    );
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.status).toBe(0);
  });

  it('writes nothing over existing files unless --force', async () => {
    const dir = join(parent, 'existing');
    expect((await tflyte(['init', dir], parent)).code).toBe(EXIT.ok);
    writeFileSync(join(dir, 'src/hello.ts'), '// mine\n');
    const refused = await tflyte(['init', dir], parent);
    expect(refused.code).toBe(EXIT.usage);
    expect(refused.err).toMatch(/init: package\.json, tflyte\.config\.ts, src\/hello\.ts, .* already exist .*--force overwrites them/);
    expect(readFileSync(join(dir, 'src/hello.ts'), 'utf8')).toBe('// mine\n');
    expect((await tflyte(['init', dir, '--force'], parent)).code).toBe(EXIT.ok);
    expect(readFileSync(join(dir, 'src/hello.ts'), 'utf8')).toContain('export const hello');
    expect(existsSync(join(dir, '.gitignore'))).toBe(true);
  });
});
