import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Tree, readJson } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import { PluginGeneratorError } from './generator-error.ts';
import { pluginGenerator } from './plugin.ts';

const REPO = fileURLToPath(new URL('../../../../', import.meta.url));

/** packages/core/package.json as the generator reads it; its version is deliberately not the real one. */
const CORE_PACKAGE = {
  name: '@tflyte/core',
  version: '9.8.7',
  license: 'Apache-2.0',
  engines: { node: '>=22.12' },
  dependencies: { '@bufbuild/protobuf': '2.17.0', '@tflyte/idl': '9.8.6' },
};

const files = (tree: Tree, dir: string): string[] =>
  tree.children(dir).flatMap((child) => (tree.isFile(`${dir}/${child}`) ? [`${dir}/${child}`] : files(tree, `${dir}/${child}`))).sort();

describe('plugin generator', () => {
  let tree: Tree;
  beforeEach(() => {
    tree = createTreeWithEmptyWorkspace();
    tree.write('packages/core/package.json', JSON.stringify(CORE_PACKAGE));
  });

  it('writes packages/plugin-<name> with package.json, tsconfigs, a README, the plugin sources and their tests', async () => {
    await pluginGenerator(tree, { name: 'my-job' });
    expect(files(tree, 'packages/plugin-my-job')).toEqual(
      [
        'README.md',
        'package.json',
        'src/backend.test.ts',
        'src/backend.ts',
        'src/config.ts',
        'src/index.ts',
        'src/plugin.ts',
        'src/task.test.ts',
        'src/task.ts',
        'tsconfig.json',
        'tsconfig.lib.json',
      ].map((f) => `packages/plugin-my-job/${f}`),
    );
  });

  it('names the package @tflyte/plugin-<name>, ESM with the source condition first, pinned to the workspace versions', async () => {
    await pluginGenerator(tree, { name: 'my-job' });
    const pkg = readJson(tree, 'packages/plugin-my-job/package.json');
    expect(pkg).toMatchObject({
      name: '@tflyte/plugin-my-job',
      version: '9.8.7',
      type: 'module',
      sideEffects: false,
      engines: { node: '>=22.12' },
      scripts: { build: 'tsc -p tsconfig.lib.json', typecheck: 'tsc -p tsconfig.json --noEmit' },
      dependencies: { '@bufbuild/protobuf': '2.17.0', '@tflyte/core': '9.8.7', '@tflyte/idl': '9.8.6' },
    });
    expect(Object.entries(pkg.exports['.'])).toEqual([
      ['@tflyte/source', './src/index.ts'],
      ['types', './dist/index.d.ts'],
      ['default', './dist/index.js'],
    ]);
  });

  it("gives the package packages/core's tsconfig.json and tsconfig.lib.json", async () => {
    await pluginGenerator(tree, { name: 'my-job' });
    for (const name of ['tsconfig.json', 'tsconfig.lib.json']) {
      const core = JSON.parse(await readFile(join(REPO, 'packages/core', name), 'utf8'));
      expect(readJson(tree, `packages/plugin-my-job/${name}`), name).toEqual(core);
    }
  });

  it('derives identifiers from the name and writes the task type, target and core range into the plugin', async () => {
    await pluginGenerator(tree, { name: 'big-query', taskType: 'bigquery_query_job_task', target: 'sql' });
    const read = (file: string) => tree.read(`packages/plugin-big-query/src/${file}`, 'utf-8') ?? '';
    expect(read('config.ts')).toContain("export const BIG_QUERY_TASK_TYPE = 'bigquery_query_job_task';");
    expect(read('config.ts')).toContain('export interface BigQueryConfig {');
    expect(read('plugin.ts')).toContain('export function bigQueryPlugin(options: BigQueryBackendOptions): Plugin<BigQueryConfig, BigQueryHandle> {');
    expect(read('plugin.ts')).toContain("packageName: '@tflyte/plugin-big-query',");
    expect(read('plugin.ts')).toContain("coreVersion: '^9.8.7',");
    expect(read('plugin.ts')).toContain("target: 'sql',");
    expect(read('task.ts')).toContain('markTaskFactoryModule(import.meta.url);');
    expect(read('task.ts')).toContain("value: create(SqlSchema, { statement, dialect: Sql_Dialect.ANSI })");
    expect(read('index.ts')).toContain("export { bigQueryTask } from './task.ts';");
    expect(read('index.ts')).not.toContain('export *');
  });

  it('defaults the task type to the name and the target to container', async () => {
    await pluginGenerator(tree, { name: 'my-job' });
    const read = (file: string) => tree.read(`packages/plugin-my-job/src/${file}`, 'utf-8') ?? '';
    expect(read('config.ts')).toContain("export const MY_JOB_TASK_TYPE = 'my-job';");
    expect(read('plugin.ts')).toContain("target: 'container',");
    expect(read('task.ts')).toContain('containerTarget(task, ctx, { command: [], args: entrypointArgs(task) })');
  });

  it.each(['container', 'k8sPod', 'sql'] as const)('leaves no template syntax in the %s variant', async (target) => {
    await pluginGenerator(tree, { name: 'my-job', target });
    for (const file of files(tree, 'packages/plugin-my-job')) {
      expect(tree.read(file, 'utf-8'), file).not.toMatch(/<%|%>|\.template$/);
    }
  });

  it.each([
    ['', /--name is required/],
    ['MyJob', /--name 'MyJob' is not kebab-case.*did you mean 'my-job'/],
    ['my_job', /--name 'my_job' is not kebab-case/],
    ['my--job', /--name 'my--job' is not kebab-case/],
    ['1job', /--name '1job' is not kebab-case/],
    ['plugin-my-job', /already starts with 'plugin-': pass --name=my-job/],
  ])('rejects the name %j with a clear error and writes nothing', async (name, message) => {
    const before = tree.listChanges().length;
    const error = await pluginGenerator(tree, { name }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PluginGeneratorError);
    expect(error).toMatchObject({ code: 'TFLYTE_USAGE', option: 'name' });
    expect((error as Error).message).toMatch(message);
    expect(tree.listChanges()).toHaveLength(before);
  });

  it('rejects a name whose package directory already exists', async () => {
    tree.write('packages/plugin-athena/package.json', JSON.stringify({ name: '@tflyte/plugin-athena' }));
    await expect(pluginGenerator(tree, { name: 'athena' })).rejects.toThrow(
      'packages/plugin-athena already exists: choose another --name, or remove that directory first',
    );
  });

  it('rejects a name whose package name another directory already uses', async () => {
    tree.write('packages/athena-v2/package.json', JSON.stringify({ name: '@tflyte/plugin-athena' }));
    await expect(pluginGenerator(tree, { name: 'athena' })).rejects.toThrow(
      'packages/athena-v2/package.json is already named @tflyte/plugin-athena: choose another --name',
    );
  });

  it('rejects a task type or target Flyte does not have', async () => {
    await expect(pluginGenerator(tree, { name: 'my-job', taskType: 'My Job' })).rejects.toMatchObject({ option: 'taskType' });
    // A caller outside nx skips schema.json's enum check.
    const target = 'pod' as 'k8sPod';
    await expect(pluginGenerator(tree, { name: 'my-job', target })).rejects.toThrow(/--target 'pod' is not a TaskTemplate target: use one of container, k8sPod, sql/);
  });

  it('refuses to run outside a tflyte workspace', async () => {
    tree.delete('packages/core/package.json');
    await expect(pluginGenerator(tree, { name: 'my-job' })).rejects.toThrow(/packages\/core\/package.json not found: run the generator from the root of the tflyte workspace/);
  });
});

describe('a generated package, end to end', () => {
  it('is created by `nx g @tflyte/tools:plugin` and passes its own tests and typecheck, for every target', { timeout: 60_000 }, async () => {
    const root = await mkdtemp(join(tmpdir(), 'tflyte-plugin-generator-'));
    try {
      await writeWorkspace(root);
      const variants = [
        ['e2e-container'],
        ['e2e-pod', '--target=k8sPod'],
        ['e2e-sql', '--target=sql', '--taskType=e2e_sql'],
      ];
      for (const [name, ...flags] of variants) {
        const generated = await run(root, bin('nx'), ['g', '@tflyte/tools:plugin', `--name=${name}`, ...flags, '--no-interactive']);
        expect(generated.code, generated.output).toBe(0);
      }

      // `runner` loads the temp workspace's vitest.config.ts without writing a bundled copy into node_modules.
      const tests = await run(root, bin('vitest'), ['run', 'packages/plugin-e2e-', '--configLoader', 'runner', '--reporter=json', '--outputFile=results.json']);
      const report = await readFile(join(root, 'results.json'), 'utf8').then((text) => JSON.parse(text) as VitestJsonReport, () => undefined);
      expect(report, tests.output).toBeDefined();
      expect(failedTests(report!, root)).toEqual([]);
      expect(report!.testResults.map((file) => file.name.slice(root.length + 1)).sort()).toEqual(
        variants.flatMap(([name]) => [`packages/plugin-${name}/src/backend.test.ts`, `packages/plugin-${name}/src/task.test.ts`]).sort(),
      );
      expect(tests.code, tests.output).toBe(0);

      const typechecks = await Promise.all(
        variants.map(([name]) => run(join(root, `packages/plugin-${name}`), bin('tsc'), ['-p', 'tsconfig.json', '--noEmit'])),
      );
      for (const typecheck of typechecks) expect(typecheck.code, typecheck.output).toBe(0);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});

/** The part of vitest's JSON report this test reads. */
interface VitestJsonReport {
  readonly testResults: readonly {
    readonly name: string;
    readonly assertionResults: readonly { readonly fullName: string; readonly status: string; readonly failureMessages: readonly string[] }[];
  }[];
}

/** `file › test: first line of the failure` for every test that did not pass. */
function failedTests(report: VitestJsonReport, root: string): string[] {
  return report.testResults.flatMap((file) =>
    file.assertionResults
      .filter((test) => test.status !== 'passed')
      .map((test) => `${file.name.slice(root.length + 1)} › ${test.fullName}: ${test.failureMessages[0]?.split('\n')[0] ?? test.status}`),
  );
}

/** The smallest tflyte workspace: the repo's root configs, its installed node_modules, core and idl. */
async function writeWorkspace(root: string): Promise<void> {
  await writeFile(join(root, 'package.json'), JSON.stringify({ name: 'generator-e2e', private: true, type: 'module', workspaces: ['packages/*'] }));
  await writeFile(join(root, 'nx.json'), await readFile(join(REPO, 'nx.json')));
  await writeFile(join(root, 'tsconfig.base.json'), await readFile(join(REPO, 'tsconfig.base.json')));
  await writeFile(
    join(root, 'vitest.config.ts'),
    `import { defineConfig } from 'vitest/config';
export default defineConfig({
  cacheDir: '.cache/vite',
  resolve: { conditions: ['@tflyte/source'] },
  ssr: { resolve: { conditions: ['@tflyte/source'] } },
  test: { include: ['packages/*/src/**/*.test.ts'], cache: false, fsModuleCache: false },
});
`,
  );
  await symlink(join(REPO, 'node_modules'), join(root, 'node_modules'), 'dir');
  await mkdir(join(root, 'packages'));
  for (const pkg of ['core', 'idl']) await symlink(join(REPO, 'packages', pkg), join(root, 'packages', pkg), 'dir');
}

function bin(name: string): string {
  return join(REPO, 'node_modules/.bin', name);
}

/** Runs a node script with this Node, offline and non-interactive; resolves with its exit code and output. */
function run(cwd: string, script: string, args: readonly string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], {
      cwd,
      env: {
        // Not the VITEST_* variables of the run this test is in: the child vitest is a run of its own.
        ...Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('VITEST'))),
        PATH: `${dirname(process.execPath)}:${process.env['PATH'] ?? ''}`,
        NX_DAEMON: 'false',
        NX_NO_CLOUD: 'true',
        NX_INTERACTIVE: 'false',
        NX_TUI: 'false',
        CI: 'true',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}
