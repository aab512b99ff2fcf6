import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readJson, type Tree } from '@nx/devkit';
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

/** packages/testing/package.json as the generator reads it (a warehouse plugin pins its DuckDB). */
const TESTING_PACKAGE = { name: '@tflyte/testing', version: '9.8.7', peerDependencies: { '@duckdb/node-api': '^1.2.3' } };

const files = (tree: Tree, dir: string): string[] =>
  tree
    .children(dir)
    .flatMap((child) => (tree.isFile(`${dir}/${child}`) ? [`${dir}/${child}`] : files(tree, `${dir}/${child}`)))
    .sort();

const SOURCES = {
  function: ['backend.conformance.test.ts', 'backend.ts', 'config.ts', 'index.ts', 'plugin.test.ts', 'plugin.ts'],
  crd: ['backend.conformance.test.ts', 'backend.test.ts', 'backend.ts', 'config.ts', 'crd.ts', 'index.ts', 'plugin.test.ts', 'plugin.ts'],
  warehouse: [
    'backend.conformance.test.ts',
    'backend.test.ts',
    'backend.ts',
    'client.ts',
    'config.ts',
    'index.ts',
    'plugin.test.ts',
    'plugin.ts',
    'protocol.ts',
    'testing/index.ts',
    'testing/server.ts',
  ],
} as const;
const KINDS = Object.keys(SOURCES) as (keyof typeof SOURCES)[];

describe('plugin generator', () => {
  let tree: Tree;
  beforeEach(() => {
    tree = createTreeWithEmptyWorkspace();
    tree.write('packages/core/package.json', JSON.stringify(CORE_PACKAGE));
    tree.write('packages/testing/package.json', JSON.stringify(TESTING_PACKAGE));
  });
  const read = (name: string, file: string) => tree.read(`packages/plugin-${name}/${file}`, 'utf-8') ?? '';

  it.each(KINDS)(
    'writes packages/plugin-<name> for --kind=%s: package.json, tsconfigs, a README, the sources and their tests (the conformance suite among them)',
    async (kind) => {
      await pluginGenerator(tree, { name: 'my-job', kind });
      expect(files(tree, 'packages/plugin-my-job')).toEqual(
        ['README.md', 'package.json', ...SOURCES[kind].map((f) => `src/${f}`), 'tsconfig.json', 'tsconfig.lib.json']
          .map((f) => `packages/plugin-my-job/${f}`)
          .sort(),
      );
      expect(read('my-job', 'src/backend.conformance.test.ts')).toContain("from '@tflyte/testing/conformance';");
    },
  );

  it('defaults to a function plugin', async () => {
    await pluginGenerator(tree, { name: 'my-job' });
    expect(read('my-job', 'src/plugin.ts')).toContain("body: { kind: 'function', fn: fn as (inputs: never) => unknown },");
    expect(read('my-job', 'src/backend.ts')).toContain('async do(ctx: AttemptContext) {');
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
      devDependencies: { '@tflyte/testing': '9.8.7' },
    });
    expect(Object.entries(pkg.exports['.'])).toEqual([
      ['@tflyte/source', './src/index.ts'],
      ['types', './dist/index.d.ts'],
      ['default', './dist/index.js'],
    ]);
  });

  it('gives a crd plugin @tflyte/kubernetes, and a warehouse plugin @tflyte/warehouse and a ./testing subpath whose server dependencies are optional peers', async () => {
    await pluginGenerator(tree, { name: 'my-crd', kind: 'crd' });
    expect(readJson(tree, 'packages/plugin-my-crd/package.json').dependencies).toMatchObject({ '@tflyte/kubernetes': '9.8.7' });
    await pluginGenerator(tree, { name: 'my-query', kind: 'warehouse' });
    const pkg = readJson(tree, 'packages/plugin-my-query/package.json');
    expect(pkg.dependencies).toMatchObject({ '@tflyte/warehouse': '9.8.7' });
    expect(pkg.dependencies).not.toHaveProperty('@duckdb/node-api');
    expect(pkg.exports['./testing']).toEqual({
      '@tflyte/source': './src/testing/index.ts',
      types: './dist/testing/index.d.ts',
      default: './dist/testing/index.js',
    });
    expect(pkg.peerDependencies).toEqual({ '@duckdb/node-api': '^1.2.3', '@tflyte/testing': '9.8.7' });
    expect(pkg.peerDependenciesMeta).toEqual({ '@duckdb/node-api': { optional: true }, '@tflyte/testing': { optional: true } });
  });

  it("gives the package packages/core's tsconfig.json and tsconfig.lib.json", async () => {
    await pluginGenerator(tree, { name: 'my-job' });
    for (const name of ['tsconfig.json', 'tsconfig.lib.json']) {
      const core = JSON.parse(await readFile(join(REPO, 'packages/core', name), 'utf8'));
      expect(readJson(tree, `packages/plugin-my-job/${name}`), name).toEqual(core);
    }
  });

  it('derives identifiers from the name and writes the task type, target and core range into the plugin definition', async () => {
    await pluginGenerator(tree, { name: 'big-query', kind: 'warehouse', taskType: 'bigquery_query_job_task' });
    expect(read('big-query', 'src/config.ts')).toContain("export const BIG_QUERY_TASK_TYPE = 'bigquery_query_job_task';");
    expect(read('big-query', 'src/config.ts')).toContain('export interface BigQueryConfig {');
    expect(read('big-query', 'src/plugin.ts')).toContain(
      'export function bigQueryPlugin(options: BigQueryBackendOptions): Plugin<BigQueryConfig, WebApiHandle<string>, BigQueryConfig> {',
    );
    expect(read('big-query', 'src/plugin.ts')).toContain("packageName: '@tflyte/plugin-big-query',");
    expect(read('big-query', 'src/plugin.ts')).toContain("coreVersion: '^9.8.7',");
    expect(read('big-query', 'src/plugin.ts')).toContain("target: 'sql',");
    expect(read('big-query', 'src/index.ts')).toContain("export { bigQuery, bigQueryPlugin, bigQueryTask } from './plugin.ts';");
    expect(read('big-query', 'src/testing/index.ts')).toContain('export { startBigQueryServer, BIG_QUERY_OPERATIONS }');
    expect(read('big-query', 'src/index.ts')).not.toContain('export *');
  });

  it('defaults the task type to the name (<name>_query for a warehouse plugin) and derives the target from the kind', async () => {
    await pluginGenerator(tree, { name: 'my-job' });
    await pluginGenerator(tree, { name: 'my-crd', kind: 'crd' });
    await pluginGenerator(tree, { name: 'my-db', kind: 'warehouse' });
    expect(read('my-job', 'src/config.ts')).toContain("export const MY_JOB_TASK_TYPE = 'my-job';");
    expect(read('my-job', 'src/plugin.ts')).toContain("target: 'container',");
    expect(read('my-crd', 'src/plugin.ts')).toContain("target: 'container',");
    expect(read('my-crd', 'src/crd.ts')).toContain("kind: 'MyCrdJob', plural: 'mycrdjobs'");
    expect(read('my-db', 'src/config.ts')).toContain("export const MY_DB_TASK_TYPE = 'my_db_query';");
    expect(read('my-db', 'src/plugin.ts')).toContain("target: 'sql',");
  });

  it('writes a k8sPod target for --kind=function --target=k8sPod', async () => {
    await pluginGenerator(tree, { name: 'my-job', target: 'k8sPod' });
    expect(read('my-job', 'src/plugin.ts')).toContain("target: 'k8sPod',");
  });

  it.each([...KINDS.map((kind) => [kind, undefined] as const), ['function', 'k8sPod'] as const])(
    'leaves no template syntax in the %s variant (target %s)',
    async (kind, target) => {
      await pluginGenerator(tree, { name: 'my-job', kind, ...(target === undefined ? {} : { target }) });
      for (const file of files(tree, 'packages/plugin-my-job')) {
        expect(tree.read(file, 'utf-8'), file).not.toMatch(/<%|%>|\.template$/);
      }
    },
  );

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

  // A caller outside nx skips schema.json's enum checks, so the generator checks its options itself.
  it.each([
    [{ kind: 'operator' }, 'kind', /--kind 'operator' is not a plugin kind: use one of function, crd, warehouse/],
    [{ taskType: 'My Job' }, 'taskType', /--taskType 'My Job' is not a Flyte task type/],
    [{ target: 'pod' }, 'target', /--target 'pod' is not a TaskTemplate target: use one of container, k8sPod for --kind=function/],
    [{ target: 'sql' }, 'target', /--target 'sql' does not fit --kind=function: use one of container, k8sPod/],
    [
      { kind: 'warehouse', target: 'container' },
      'target',
      /--target 'container' does not fit --kind=warehouse: drop --target \(a warehouse plugin's tasks always use sql\)/,
    ],
    [{ kind: 'crd', target: 'k8sPod' }, 'target', /--target 'k8sPod' does not fit --kind=crd: drop --target/],
  ])('rejects %j, naming the option and the fix', async (options, option, message) => {
    const error = await pluginGenerator(tree, { name: 'my-job', ...(options as object) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PluginGeneratorError);
    expect(error).toMatchObject({ code: 'TFLYTE_USAGE', option });
    expect((error as Error).message).toMatch(message);
  });

  it('accepts the target a kind always has', async () => {
    await pluginGenerator(tree, { name: 'my-db', kind: 'warehouse', target: 'sql' });
    expect(read('my-db', 'src/plugin.ts')).toContain("target: 'sql',");
  });

  it('refuses to run outside a tflyte workspace', async () => {
    tree.delete('packages/core/package.json');
    await expect(pluginGenerator(tree, { name: 'my-job' })).rejects.toThrow(
      /packages\/core\/package.json not found: run the generator from the root of the tflyte workspace/,
    );
    tree.write('packages/core/package.json', JSON.stringify(CORE_PACKAGE));
    tree.delete('packages/testing/package.json');
    await expect(pluginGenerator(tree, { name: 'my-db', kind: 'warehouse' })).rejects.toMatchObject({
      option: 'kind',
      message: expect.stringMatching(/needs packages\/testing\/package.json/),
    });
  });
});

describe('generated packages, end to end', () => {
  // One workspace and one vitest run for every kind, to keep CI (2 cores) quick.
  it('are created by `nx g @tflyte/tools:plugin` for every kind and pass their own tests (the conformance suite among them) and typecheck', {
    timeout: 240_000,
  }, async () => {
    const root = await mkdtemp(join(tmpdir(), 'tflyte-plugin-generator-'));
    try {
      await writeWorkspace(root);
      const variants = [
        ['e2e-function', '--kind=function'],
        ['e2e-pod', '--kind=function', '--target=k8sPod'],
        ['e2e-crd', '--kind=crd'],
        ['e2e-warehouse', '--kind=warehouse'],
      ] as const;
      for (const [name, ...flags] of variants) {
        const generated = await run(root, bin('nx'), ['g', '@tflyte/tools:plugin', `--name=${name}`, ...flags, '--no-interactive']);
        expect(generated.code, generated.output).toBe(0);
      }

      // `runner` loads the temp workspace's vitest.config.ts without writing a bundled copy into node_modules.
      const tests = await run(root, bin('vitest'), [
        'run',
        'packages/plugin-e2e-',
        '--configLoader',
        'runner',
        '--reporter=json',
        '--outputFile=results.json',
      ]);
      const report = await readFile(join(root, 'results.json'), 'utf8').then(
        (text) => JSON.parse(text) as VitestJsonReport,
        () => undefined,
      );
      expect(report, tests.output).toBeDefined();
      expect(failedTests(report!, root)).toEqual([]);
      const kindOf = (flags: readonly string[]) => flags[0]!.slice('--kind='.length) as keyof typeof SOURCES;
      expect(report!.testResults.map((file) => file.name.slice(root.length + 1)).sort()).toEqual(
        variants
          .flatMap(([name, ...flags]) =>
            SOURCES[kindOf(flags)].filter((f) => f.endsWith('.test.ts')).map((f) => `packages/plugin-${name}/src/${f}`),
          )
          .sort(),
      );
      // Every conformance check that applies to the backend's kind ran and passed; none was skipped.
      for (const [name] of variants) {
        const conformance = report!.testResults.find((file) => file.name.endsWith(`plugin-${name}/src/backend.conformance.test.ts`))!;
        const passed = conformance.assertionResults.filter((test) => test.status === 'passed').length;
        expect(passed, `${name}: conformance checks passed`).toBe(name === 'e2e-function' || name === 'e2e-pod' ? 3 : 6);
      }
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
    readonly assertionResults: readonly {
      readonly fullName: string;
      readonly status: string;
      readonly failureMessages: readonly string[];
    }[];
  }[];
}

/** `file › test: the failure's first lines` (a child process's stderr among them) for every test that did not pass. */
function failedTests(report: VitestJsonReport, root: string): string[] {
  return report.testResults.flatMap((file) =>
    file.assertionResults
      .filter((test) => test.status !== 'passed' && test.status !== 'skipped')
      .map(
        (test) =>
          `${file.name.slice(root.length + 1)} › ${test.fullName}: ${test.failureMessages[0]?.split('\n').slice(0, 8).join('\n') ?? test.status}`,
      ),
  );
}

/** The smallest tflyte workspace: the repo's root configs, its installed node_modules, core, idl and testing (whose versions the generator reads). */
async function writeWorkspace(root: string): Promise<void> {
  await writeFile(
    join(root, 'package.json'),
    JSON.stringify({ name: 'generator-e2e', private: true, type: 'module', workspaces: ['packages/*'] }),
  );
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
  for (const pkg of ['core', 'idl', 'testing']) await symlink(join(REPO, 'packages', pkg), join(root, 'packages', pkg), 'dir');
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
