import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fromBinary } from '@bufbuild/protobuf';
import { TaskSpecSchema } from '@tflyte/idl/admin/task';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Io, main } from './main.ts';
import { EXIT } from './usage-error.ts';

const repo = resolve(import.meta.dirname, '../../..');
const fixtures = 'packages/cli/src/test-fixtures/tasks.ts';
let stateRoot: string;

beforeAll(() => {
  stateRoot = mkdtempSync(join(tmpdir(), 'tflyte-cli-'));
  // A project of its own, so runs do not share the repository's .tflyte state.
  writeFileSync(join(stateRoot, 'tflyte.config.ts'), `export default { plugins: [] };\n`);
});
afterAll(() => rmSync(stateRoot, { recursive: true, force: true }));

async function tflyte(args: string[], cwd = repo): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { cwd, out: (l) => out.push(l), err: (l) => err.push(l), env: {}, isTTY: false };
  const code = await main(args, io);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('tflyte run', () => {
  it('prints a failure as JSON with --json: its code, message and the task failure for scripts', async () => {
    const { code, out } = await tflyte(['run', '--json', fixtures, 'fail', '--why', 'no good']);
    expect(code).toBe(EXIT.taskFailed);
    expect(JSON.parse(out)).toMatchObject({
      error: { code: 'TFLYTE_TASK_FAILED', attempts: 1, failure: { kind: 'user', retryable: false, code: 'USER:NonRetryableError' } },
    });
  });

  it('writes the run report with --report, naming the file', async () => {
    const { code, err } = await tflyte(['run', '--report', 'examples/basics.ts', 'mean', '--values', '[1.0,2.0]']);
    expect(code).toBe(EXIT.ok);
    const file = /report written to (\S+\.html)/.exec(err)?.[1];
    expect(file).toBeDefined();
    const html = readFileSync(file!, 'utf8');
    expect(html).toContain('examples.basics.mean');
    rmSync(file!);
  });

  it('prints -1.5 for slope and 3 for mean (the README commands)', async () => {
    expect(await tflyte(['run', 'examples/basics.ts', 'slope', '--x', '[-3,0,3]', '--y', '[7,4,-2]'])).toMatchObject({
      code: 0,
      out: '-1.5',
    });
    expect(await tflyte(['run', 'examples/basics.ts', 'mean', '--values', '[1.0,2.0,3.0,4.0,5.0]'])).toMatchObject({ code: 0, out: '3' });
  });

  it('parses every input kind by its declared type, and fills defaults', async () => {
    const { code, out, err } = await tflyte([
      'run',
      fixtures,
      'describeAll',
      '--n',
      '7',
      '--x',
      '2.5',
      '--s',
      'hi there',
      '--flag',
      '--when',
      '2026-01-31T12:00:00Z',
      '--wait',
      'PT1M30S',
      '--color',
      'green',
      '--tags',
      '["a","b"]',
      '--counts',
      '{"a":1}',
      '--cfg',
      '{"deep":{"k":[1,true]}}',
    ]);
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(JSON.parse(out)).toEqual({
      n: 7,
      x: 2.5,
      s: 'hi there',
      flag: true,
      when: '2026-01-31T12:00:00.000Z',
      wait: { seconds: 90, nanos: 0 },
      color: 'green',
      tags: ['a', 'b'],
      counts: { a: 1 },
      cfg: { deep: { k: [1, true] } },
      maybe: null,
      retries: 2,
    });
  });

  it('reads booleans as --flag / --no-flag and names as camelCase or kebab-case', async () => {
    const base = [
      'run',
      fixtures,
      'describe-all',
      '--n',
      '1',
      '--x',
      '1',
      '--s',
      '',
      '--when',
      '2026-01-01',
      '--wait',
      '5',
      '--color',
      'red',
      '--tags',
      '[]',
      '--counts',
      '{}',
      '--cfg',
      '{}',
    ];
    // describe-all is not an export name, but flags and the entity both resolve by their exact names only
    expect((await tflyte(base)).code).toBe(EXIT.usage);
    base[2] = 'describeAll';
    expect(JSON.parse((await tflyte([...base, '--no-flag', '--maybe', '4'])).out)).toMatchObject({
      flag: false,
      maybe: 4,
      wait: { seconds: 5 },
    });
  });

  it('takes inputs from a JSON or YAML file', async () => {
    const file = join(stateRoot, 'inputs.yaml');
    writeFileSync(file, 'values:\n  - 2\n  - 4\n');
    expect(await tflyte(['run', '--inputs-file', file, 'examples/basics.ts', 'mean'])).toMatchObject({ code: 0, out: '3' });
  });

  it('resolves file and directory inputs against the working directory, and checks they exist', async () => {
    const ok = await tflyte(['run', fixtures, 'readFile', '--f', 'package.json', '--d', 'packages']);
    expect(JSON.parse(ok.out)).toEqual([join(repo, 'package.json'), join(repo, 'packages')]);
    const missing = await tflyte(['run', fixtures, 'readFile', '--f', 'nope.txt', '--d', 'packages']);
    expect(missing).toMatchObject({ code: EXIT.usage });
    expect(missing.err).toMatch(/input 'f': expected an existing file path or a URI, got "nope.txt"/);
  });

  it('prints JSON with --json', async () => {
    const { out } = await tflyte(['run', '--json', 'examples/basics.ts', 'mean', '--values', '[1,2]']);
    expect(JSON.parse(out)).toBe(1.5);
  });

  it.each([
    [['run', 'examples/basics.ts', 'nope'], /no task or workflow 'nope' in examples\/basics.ts; it exports: mean, slope/],
    [['run', 'examples/basics.ts', 'mean'], /task 'examples.basics.mean': missing --values \(list<float>\)/],
    [['run', 'examples/basics.ts', 'mean', '--valus', '[1]'], /unknown option --valus; did you mean --values\?/],
    [['run', 'examples/basics.ts', 'mean', '--values', '[1,'], /input 'values': is not valid JSON/],
    [
      ['run', 'examples/basics.ts', 'slope', '--x', '["a"]', '--y', '[1]'],
      /task 'examples.basics.slope', input 'x': \[0\]: expected an integer, got "a"/,
    ],
    [['run', fixtures, 'describeAll', '--color', 'blue'], /input 'color': expected one of red, green, got "blue"/],
    [['run', 'nowhere.ts', 'mean'], /no such file: nowhere.ts/],
    [['launch'], /unknown command 'launch'/],
  ])('rejects bad input with one clear line and exit 2: %j', async (args, message) => {
    const { code, err } = await tflyte(args);
    expect(code).toBe(EXIT.usage);
    expect(err).toMatch(message);
    expect(err.split('\n')).toHaveLength(1);
    expect(err).not.toMatch(/\n\s+at /);
  });

  it('exits 1 with the task named when the task fails', async () => {
    const { code, err } = await tflyte(['run', fixtures, 'fail', '--why', 'broken input']);
    expect(code).toBe(EXIT.taskFailed);
    expect(err).toMatch(/fail.*broken input/);
  });

  it("lists a task's inputs with types and defaults on --help", async () => {
    const { code, out } = await tflyte(['run', fixtures, 'describeAll', '--help']);
    expect(code).toBe(0);
    expect(out).toMatch(/--tags\s+list<string> \(required\)/);
    expect(out).toMatch(/--retries\s+int \(default: 2\) — how often/);
    expect(out).toMatch(/--maybe\s+optional<int> \(default: null\)/);
  });
});

describe('the tflyte bin', () => {
  it('runs as a process: result on stdout, exit code 0; usage errors exit 2', () => {
    const bin = join(repo, 'packages/cli/bin/tflyte.js');
    const ok = spawnSync(process.execPath, [bin, 'run', 'examples/basics.ts', 'mean', '--values', '[1,2,3]'], {
      cwd: repo,
      encoding: 'utf8',
    });
    expect(ok.stdout.trim()).toBe('2');
    expect(ok.status).toBe(0);
    const bad = spawnSync(process.execPath, [bin, 'run', 'examples/basics.ts', 'mean'], { cwd: repo, encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim()).toBe("tflyte: task 'examples.basics.mean': missing --values (list<float>)");
  });
});

describe('tflyte serialize', () => {
  it('writes one TaskSpec per task, named as flytekit names them', async () => {
    const out = join(stateRoot, 'pb');
    const { code } = await tflyte(['serialize', 'examples/basics.ts', '--out', out, '--image', 'ghcr.io/acme/basics:1', '--version', 'v1']);
    expect(code).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['0_examples.basics.mean_1.pb', '1_examples.basics.slope_1.pb']);
    const spec = fromBinary(TaskSpecSchema, readFileSync(join(out, '0_examples.basics.mean_1.pb')));
    expect(spec.template?.id?.name).toBe('examples.basics.mean');
    expect(spec.template?.id?.version).toBe('v1');
    expect(spec.template?.target.case).toBe('container');
    expect(spec.template?.target.value).toMatchObject({ image: 'ghcr.io/acme/basics:1' });
  });

  it('writes proto3 JSON with --format json', async () => {
    const out = join(stateRoot, 'json');
    mkdirSync(out, { recursive: true });
    await tflyte(['serialize', 'examples/basics.ts', '--out', out, '--format', 'json', '--image', 'img:1', '--version', 'v1']);
    const spec = JSON.parse(readFileSync(join(out, '1_examples.basics.slope_1.json'), 'utf8'));
    expect(spec.template.interface.inputs.variables.x.type).toEqual({ collectionType: { simple: 'INTEGER' } });
  });

  it('needs an image for tasks that set none', async () => {
    const { code, err } = await tflyte(['serialize', 'examples/basics.ts', '--out', join(stateRoot, 'x')]);
    expect(code).toBe(EXIT.usage);
    expect(err).toMatch(/has no image.*--image/);
  });
});
