/**
 * Every command the documentation tells a user to type works as written. The commands are read from
 * the documents themselves: each line of a ```sh block in README.md, CONTRIBUTING.md, packages/*\/README.md, docs/*.md,
 * tools/README.md and examples/**\/README.md, and each command line (indented by three spaces or more)
 * in the leading comment of an example (examples/*.ts, examples/*\/*.ts). Each one must have an entry
 * in COMMANDS: either it is run here, as written, by bash in the place the document puts the user (the
 * repository root, a scratch directory for a new project, and wherever a `cd` of the same block
 * leads), or the document's command needs what a test cannot have here (a registry, a real cluster,
 * the whole suite) and another test or CI step runs it against a local stand-in; that file must hold
 * the command's own words. A new command in a document fails "every command has an entry" until it is
 * given one (CONTRIBUTING.md says so). Inline `code` in prose names commands; it is not an instruction.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { probeContainerRuntime } from '@tflyte/plugin-container';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(ROOT, 'node_modules', '.bin');
// Where a user's new project (`tflyte init`) goes: outside the repository, as a user's would be.
const SCRATCH_PARENT = mkdtempSync(join(tmpdir(), 'tflyte-readme-commands-'));

interface DocCommand {
  readonly file: string;
  readonly line: number;
  /** The command as the document writes it (continuation lines joined, trailing comment dropped). */
  readonly text: string;
  /** Commands of one block (or one example's comment) run in sequence; a `cd` carries over. */
  readonly block: number;
}

/** How a command is run here. `run` is the part run, when part of the line is covered elsewhere. */
type Run = {
  readonly run?: string;
  readonly expect?: string | RegExp;
  /** The block starts in a fresh scratch directory (a new project), not at the repository root. */
  readonly inScratch?: true;
  /** A server the next commands talk to: started, read until `ready` matches, stopped at the end. */
  readonly background?: { readonly ready: RegExp; readonly env: string };
  readonly needs?: 'container-runtime';
  /** Where the part left out of `run` is done. */
  readonly rest?: Covered;
};
type Covered = { readonly coveredBy: string; readonly contains: string; readonly why: string };
type How = Run | Covered;

const PB_OUTPUT = '_pb_output';
const INSTALLS_THE_SCAFFOLD = 'npx tflyte init scaffold';
const COMMANDS: Readonly<Record<string, How>> = {
  "README.md: npm install && npx tflyte run examples/basics.ts slope --x '[-3,0,3]' --y '[7,4,-2]'": {
    run: "npx tflyte run examples/basics.ts slope --x '[-3,0,3]' --y '[7,4,-2]'",
    expect: /^-1\.5$/m,
    rest: { coveredBy: '.ci/run', contains: 'npm ci', why: 'installing changes the shared node_modules; CI installs from a clean clone' },
  },
  'README.md: npm test': { coveredBy: '.ci/run', contains: 'npm test', why: 'the whole suite, of which this file is part' },
  'README.md: npx tflyte run examples/basics.ts mean --help': { expect: /--values/ },
  "README.md: npx tflyte run examples/parallel.ts parallelizedMean --values '[1,2,3,4,5,6]'": { expect: /^3\.5$/m },
  'README.md: npx tflyte serialize examples/basics.ts --image ghcr.io/acme/app:1 --out _pb_output': {
    expect: /\/_pb_output\/\d+_examples\.basics\.slope_1\.pb$/m,
  },
  'README.md: npx tflyte plugins': { expect: /^TASK TYPE\s+VERSION/m },

  // Outside any project `npx` fetches the package by name (@tflyte/cli; `tflyte` is only its bin): here the
  // scratch directory's node_modules, linked to the workspace's, stands in for the registry.
  'CONTRIBUTING.md: npm ci': {
    coveredBy: '.ci/run',
    contains: 'npm ci',
    why: 'installing changes the shared node_modules; CI starts with it',
  },
  'CONTRIBUTING.md: npm test': { coveredBy: '.ci/run', contains: 'npm test', why: 'the whole suite, of which this file is part' },
  'CONTRIBUTING.md: npm run typecheck': { coveredBy: '.ci/run', contains: 'npm run typecheck', why: 'CI runs exactly this' },
  'CONTRIBUTING.md: npm run lint': { coveredBy: '.ci/run', contains: 'npm run lint', why: 'CI runs exactly this' },
  'CONTRIBUTING.md: npx nx run-many -t build': {
    coveredBy: '.ci/run',
    contains: 'npx nx run-many -t build',
    why: "CI runs it (without nx's cache); a build here would make the repository's bin run it instead of the sources",
  },
  'CONTRIBUTING.md: tools/ci/pack-smoke.sh': {
    coveredBy: '.ci/run',
    contains: 'tools/ci/pack-smoke.sh',
    why: 'minutes of packing and installing: CI runs it',
  },
  'packages/cli/README.md: npx @tflyte/cli init my-project': { inScratch: true, expect: /my-project/ },
  'packages/cli/README.md: cd my-project && npm install': {
    run: 'cd my-project',
    rest: {
      coveredBy: 'tools/ci/pack-smoke.sh',
      contains: INSTALLS_THE_SCAFFOLD,
      why: 'the packages are not on a registry here: the pack smoke test installs them from their tarballs and runs the scaffold',
    },
  },
  'packages/cli/README.md: npx tflyte run src/hello.ts hello --name world': { expect: /^Hello, world!$/m },
  'packages/cli/README.md: npx tflyte run src/hello.ts hello --help': { expect: /--name/ },

  'packages/connector/README.md: cd my-project': {
    coveredBy: 'examples/connector.test.ts',
    contains: "'connector', 'serve'",
    why: 'my-project stands for a project with athenaPlugin(): examples/connector/serve is one',
  },
  'packages/connector/README.md: npx tflyte connector serve --port 8000': {
    coveredBy: 'examples/connector.test.ts',
    contains: "'connector', 'serve'",
    why: 'a server that runs until stopped, there on a free port and answering a Flyte client',
  },
  "packages/plugin-hive/README.md: TFLYTE_HIVE_URL='jdbc:hive2://hs2.example.com:10000/sales' HIVE_USER=ada HIVE_PASSWORD=… npx tflyte run examples/hive.ts ordersByRegion --region eu --min-amount 10":
    {
      coveredBy: 'examples/hive.test.ts',
      contains: 'TFLYTE_HIVE_URL',
      why: 'needs a HiveServer2: there the test server, by the same variables',
    },
  'packages/testing/README.md: npm install --save-dev @tflyte/testing': {
    coveredBy: 'tools/ci/pack-smoke.sh',
    contains: 'npm_ install',
    why: 'not on a registry here: the pack smoke test installs every package, @tflyte/testing too, from its tarball',
  },

  'docs/writing-a-plugin.md: npx nx g @tflyte/tools:plugin --name=acme --kind=warehouse': {
    coveredBy: 'tools/src/generators/plugin/plugin.test.ts',
    contains: 'warehouse',
    why: 'generates a package into the shared tree: the generator test does it in a scratch workspace, for every kind',
  },
  'docs/writing-a-plugin.md: npm install': {
    coveredBy: 'tools/src/generators/plugin/plugin.test.ts',
    contains: 'workspace',
    why: 'links the generated package: the generator test builds a workspace of its own',
  },
  'docs/writing-a-plugin.md: npx vitest run packages/plugin-acme': {
    coveredBy: 'tools/src/generators/plugin/plugin.test.ts',
    contains: "bin('vitest')",
    why: "the generator test runs the generated package's tests with vitest",
  },
  'docs/performance.md: npm run bench': {
    coveredBy: '.ci/run',
    contains: 'npm run bench -- --quick',
    why: 'minutes at full size: CI runs every bench small',
  },
  'docs/performance.md: npm run bench -- --quick': {
    coveredBy: '.ci/run',
    contains: 'npm run bench -- --quick',
    why: 'CI runs exactly this',
  },
  'docs/performance.md: npm run bench -- --only map': {
    coveredBy: '.ci/run',
    contains: 'npm run bench -- --quick',
    why: 'the map bench at full size takes minutes; CI runs it small',
  },
  'docs/performance.md: npx node --conditions=@tflyte/source tools/src/bench/plot.ts': {
    coveredBy: '.ci/run',
    contains: 'npm run bench -- --quick',
    why: 'the map bench from 1k to 1M elements takes minutes; CI runs the same bench small',
  },
  'docs/performance.md: npm run bench -- --only connector': {
    coveredBy: '.ci/run',
    contains: 'npm run bench -- --quick',
    why: '1,000 jobs, three rounds a side: CI runs the same bench small',
  },
  'docs/performance.md: npx node --conditions=@tflyte/source tools/src/bench/connector-load.ts 50 --quick': { expect: /\S/ },
  "packages/remote/README.md: npx tflyte run --remote examples/basics.ts mean --values '[1,2,3,4,5]'": {
    coveredBy: 'examples/remote.test.ts',
    contains: "'run', '--remote', 'examples/basics.ts', 'mean', '--values', '[1,2,3,4,5]'",
    why: 'needs a Flyte cluster: there the FlyteAdmin test server',
  },
  "packages/remote/README.md: npx tflyte run --remote examples/workflows.ts spread --values '[1,2,3,4,5]'": {
    coveredBy: 'examples/remote.test.ts',
    contains: "'examples/workflows.ts', 'spread', '--values', '[1,2,3,4,5]'",
    why: 'needs a Flyte cluster: there the FlyteAdmin test server',
  },
  'packages/remote/README.md: npx tflyte register examples/ --project flytesnacks --domain development': {
    coveredBy: 'examples/remote.test.ts',
    contains: "tflyte(['register'",
    why: 'needs a Flyte cluster: there the FlyteAdmin test server',
  },
  'packages/remote/README.md: npx tflyte runs --remote [--limit 20] [--json]': {
    coveredBy: 'examples/remote.test.ts',
    contains: "'runs', '--remote', '--limit'",
    why: 'a synopsis; needs a Flyte cluster: there the FlyteAdmin test server',
  },
  'packages/remote/README.md: npx tflyte fetch <execution-name>': {
    coveredBy: 'examples/remote.test.ts',
    contains: "tflyte(['fetch'",
    why: 'a placeholder for an execution a cluster has: there one the FlyteAdmin test server ran',
  },
  'packages/report/README.md: npx tflyte run wf.ts pipeline --report': {
    coveredBy: 'packages/cli/src/main.test.ts',
    contains: "'run', '--report'",
    why: 'wf.ts stands for a workflow of yours: there examples/basics.ts',
  },
  'packages/report/README.md: npx tflyte runs --all --json': {
    coveredBy: 'examples/report.test.ts',
    contains: "'runs'",
    why: 'reads the runs the test recorded',
  },
  'packages/report/README.md: npx tflyte runs show <run-id> [--json]': {
    coveredBy: 'examples/report.test.ts',
    contains: "'runs', 'show', runId, '--json'",
    why: 'a synopsis with a run id: there of a run the test made',
  },
  'packages/report/README.md: npx tflyte report <run-id> [--out r.html]': {
    coveredBy: 'examples/report.test.ts',
    contains: "'report', runId, '--out', 'r.html'",
    why: 'a synopsis with a run id: there of a run the test made',
  },
  'tools/README.md: npx nx g @tflyte/tools:plugin --name=<name> [--kind=function|crd|warehouse] [--taskType=<type>] [--target=container|k8sPod] [--dry-run]':
    {
      coveredBy: 'tools/src/generators/plugin/plugin.test.ts',
      contains: 'pluginGenerator(tree, { name:',
      why: 'a synopsis with placeholders: the generator test runs each kind',
    },

  'examples/athena.ts: npx tflyte run examples/athena.ts ordersByRegion --region eu --min-amount 10': {
    coveredBy: 'examples/athena.test.ts',
    contains: 'ordersByRegion',
    why: 'needs Athena: there the wire-level test server',
  },
  'examples/bigquery.ts: npx tflyte run examples/bigquery.ts ordersByRegion --region eu --min-amount 10': {
    coveredBy: 'examples/bigquery.test.ts',
    contains: 'ordersByRegion',
    why: 'needs BigQuery: there the wire-level test server',
  },
  'examples/snowflake.ts: npx tflyte run examples/snowflake.ts ordersByRegion --region eu --min-amount 10': {
    coveredBy: 'examples/snowflake.test.ts',
    contains: 'ordersByRegion',
    why: 'needs Snowflake: there the wire-level test server',
  },
  'examples/hive.ts: npx tflyte run examples/hive.ts ordersByRegion --region eu --min-amount 10': {
    coveredBy: 'examples/hive.test.ts',
    contains: "'ordersByRegion', '--region', 'eu', '--min-amount', '10'",
    why: 'needs a HiveServer2: there the test server',
  },
  "examples/hive.ts: TFLYTE_HIVE_URL='jdbc:hive2://hs2.example.com:10000/sales' HIVE_USER=ada HIVE_PASSWORD=… npx tflyte run …": {
    coveredBy: 'examples/hive.test.ts',
    contains: 'HIVE_PASSWORD',
    why: 'needs a HiveServer2: there the test server, by the same variables',
  },
  'examples/spark.ts: npx tflyte run examples/spark.ts wordCount --text ./words.txt --min-count 2': {
    coveredBy: 'examples/spark.test.ts',
    contains: 'wordCount',
    why: 'needs a cluster with the spark-operator: there the Kubernetes test server and its operator',
  },
  'examples/connector/serve/tflyte.config.ts: npx tflyte connector serve --port 8000': {
    coveredBy: 'examples/connector.test.ts',
    contains: "'connector', 'serve'",
    why: 'a server that runs until stopped, there on a free port and answering a Flyte client',
  },
  'examples/container.ts: npx node --conditions=@tflyte/source examples/container/image.ts': {
    needs: 'container-runtime',
    expect: /^built localhost\/tflyte-examples\/rawcontainers-shell:v2$/m,
  },
  'examples/container.ts: npx tflyte run examples/container.ts calculateEllipseAreaShell --a 2 --b 3': {
    needs: 'container-runtime',
    expect: /"area":18\.849555921538/,
  },
  'examples/container/image.ts: npx node --conditions=@tflyte/source examples/container/image.ts': {
    needs: 'container-runtime',
    expect: /^built localhost\/tflyte-examples\/rawcontainers-shell:v2$/m,
  },
  'examples/kubernetes/local-cluster.ts: npx node --conditions=@tflyte/source examples/kubernetes/local-cluster.ts': {
    background: { ready: /^export KUBECONFIG=(\S+)$/m, env: 'KUBECONFIG' },
  },
  'examples/kubernetes/local-cluster.ts: cd examples/kubernetes && npx tflyte run hello.ts greet --name you': {
    expect: /^Hello, you, from \S+$/m,
  },
};

/** The documents whose ```sh blocks are instructions. */
function documents(): string[] {
  const files = ['README.md', 'CONTRIBUTING.md', 'tools/README.md'];
  for (const dir of readdirSync(join(ROOT, 'packages')))
    if (existsSync(join(ROOT, 'packages', dir, 'README.md'))) files.push(`packages/${dir}/README.md`);
  for (const name of readdirSync(join(ROOT, 'docs'))) if (name.endsWith('.md')) files.push(`docs/${name}`);
  const walk = (dir: string): void => {
    for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
      if (entry.isDirectory()) walk(`${dir}/${entry.name}`);
      else if (entry.name === 'README.md') files.push(`${dir}/${entry.name}`);
    }
  };
  walk('examples');
  return files;
}

/** The examples whose leading comment says how to run them. */
function exampleSources(): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(join(ROOT, 'examples'), { withFileTypes: true })) {
    if (entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) files.push(`examples/${entry.name}`);
    if (entry.isDirectory() && entry.name !== 'test-support') {
      for (const inner of readdirSync(join(ROOT, 'examples', entry.name), { withFileTypes: true, recursive: true })) {
        if (inner.isFile() && inner.name.endsWith('.ts') && !inner.name.endsWith('.test.ts')) {
          files.push(relative(ROOT, join(inner.parentPath, inner.name)));
        }
      }
    }
  }
  return files;
}

/** Drops a trailing `# comment` (the documents put what a command prints there). */
const withoutComment = (line: string) => line.replace(/\s+#\s.*$/, '').trim();

const COMMAND_START = /^(?:(?:npx|npm|node|cd|tflyte)\s|[A-Z_]+=)/;

function commandsOf(file: string, startBlock: number): DocCommand[] {
  const lines = readFileSync(join(ROOT, file), 'utf8').split('\n');
  const commands: DocCommand[] = [];
  let block = startBlock;
  const push = (index: number, raw: string) => {
    const text = withoutComment(raw);
    if (text !== '' && !text.startsWith('#')) commands.push({ file, line: index + 1, text, block });
  };
  if (file.endsWith('.md')) {
    // A ```sh block, or an unlabelled one that starts with a command.
    let fence: { lang: string; lines: [number, string][] } | undefined;
    for (const [index, line] of lines.entries()) {
      const marker = /^```(\S*)\s*$/.exec(line);
      if (marker === null) {
        fence?.lines.push([index, line]);
        continue;
      }
      if (fence === undefined) {
        fence = { lang: marker[1] as string, lines: [] };
        continue;
      }
      const firstLine = fence.lines.find(([, text]) => text.trim() !== '')?.[1].trim() ?? '';
      if (['sh', 'bash', 'shell'].includes(fence.lang) || (fence.lang === '' && COMMAND_START.test(firstLine))) {
        block++;
        let pending = '';
        let pendingAt = 0;
        for (const [at, text] of fence.lines) {
          if (pending === '') pendingAt = at;
          // A line ending in a backslash goes on with the next, as bash reads it.
          if (/\\\s*$/.test(text)) {
            pending += `${text.replace(/\\\s*$/, '').trim()} `;
            continue;
          }
          push(pendingAt, pending + text.trim());
          pending = '';
        }
      }
      fence = undefined;
    }
    return commands;
  }
  // An example's leading comment: the lines indented as commands.
  block++;
  for (const [index, line] of lines.entries()) {
    if (!/^\s*(\/\/|\/\*\*|\*)/.test(line)) break;
    const match = /^\s*(?:\/\/|\*) {3,}(\S.*)$/.exec(line);
    if (match && COMMAND_START.test(match[1] as string)) push(index, match[1] as string);
  }
  return commands;
}

const allCommands = (() => {
  const commands: DocCommand[] = [];
  for (const file of [...documents(), ...exampleSources()]) commands.push(...commandsOf(file, commands.at(-1)?.block ?? 0));
  return commands;
})();
const keyOf = (command: DocCommand) => `${command.file}: ${command.text}`;
const isCovered = (how: How): how is Covered => 'coveredBy' in how;

describe('the commands in the documentation', () => {
  it('every command has an entry saying how it is run, and every entry is a command a document still has', () => {
    const keys = allCommands.map(keyOf);
    expect(keys.filter((key) => COMMANDS[key] === undefined)).toEqual([]);
    expect(Object.keys(COMMANDS).filter((key) => !keys.includes(key))).toEqual([]);
  });

  it('a command run elsewhere is run by that file, which holds its own words', () => {
    for (const [key, how] of Object.entries(COMMANDS)) {
      const covered = isCovered(how) ? how : how.rest;
      if (covered === undefined) continue;
      const text = readFileSync(join(ROOT, covered.coveredBy), 'utf8');
      expect(text, `${key} is said to be run by ${covered.coveredBy}`).toContain(covered.contains);
    }
  });

  it("plugin-athena's first snippet is examples/athena.ts, which examples/athena.test.ts runs", () => {
    const readme = readFileSync(join(ROOT, 'packages/plugin-athena/README.md'), 'utf8');
    const snippet = /```ts\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
    const example = readFileSync(join(ROOT, 'examples/athena.ts'), 'utf8');
    const lines = snippet.split('\n').filter((line) => line.trim() !== '');
    expect(lines.length).toBeGreaterThan(5);
    expect(lines.filter((line) => !example.includes(line))).toEqual([]);
    expect(readFileSync(join(ROOT, 'examples/athena.test.ts'), 'utf8')).toContain('withRunner(session.runner(), () => ordersByRegion(');
  });

  it('names the repository Node and the local bin: no bare `node` or `tflyte` a user shell may not have', () => {
    const bare = allCommands.filter((c) => /(^|&&\s*|=\S*\s)(node|tflyte)\s/.test(c.text)).map(keyOf);
    expect(bare).toEqual([]);
  });
});

const containerRuntime = (await probeContainerRuntime()).available;
const backgrounds: ChildProcess[] = [];
afterAll(() => {
  for (const child of backgrounds) if (child.exitCode === null && child.pid !== undefined) process.kill(-child.pid, 'SIGTERM');
  rmSync(join(ROOT, PB_OUTPUT), { recursive: true, force: true });
  rmSync(SCRATCH_PARENT, { recursive: true, force: true });
});

/** `bash -c command` with the repository's bin first on PATH (as an npm project's shell would find npx's), collecting output. */
function bash(command: string, cwd: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn('bash', ['-c', command], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, stdout, stderr }));
  });
}

function startBackground(command: string, cwd: string, env: NodeJS.ProcessEnv, ready: RegExp): Promise<RegExpExecArray> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn('bash', ['-c', `exec ${command}`], { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    backgrounds.push(child);
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = ready.exec(output);
      if (match) resolvePromise(match);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('close', (code) => reject(new Error(`'${command}' exited (${code}) before it was ready:\n${output}`)));
  });
}

const byBlock = new Map<number, DocCommand[]>();
for (const command of allCommands) {
  const how = COMMANDS[keyOf(command)];
  if (how === undefined || isCovered(how)) continue;
  byBlock.set(command.block, [...(byBlock.get(command.block) ?? []), command]);
}

for (const commands of byBlock.values()) {
  const first = commands[0] as DocCommand;
  const needsRuntime = commands.some((c) => (COMMANDS[keyOf(c)] as Run).needs === 'container-runtime');
  describe.skipIf(needsRuntime && !containerRuntime)(`${first.file}, as written (line ${first.line})`, () => {
    let cwd = ROOT;
    const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${BIN}:${process.env.PATH ?? ''}` };
    for (const command of commands) {
      const how = COMMANDS[keyOf(command)] as Run;
      it(command.text, async () => {
        if (how.inScratch) {
          cwd = mkdtempSync(join(SCRATCH_PARENT, 'project-'));
          symlinkSync(join(ROOT, 'node_modules'), join(cwd, 'node_modules'));
        }
        const text = how.run ?? command.text;
        expect(command.text).toContain(text);
        if (how.background !== undefined) {
          const match = await startBackground(text, cwd, env, how.background.ready);
          env[how.background.env] = match[1];
          return;
        }
        // A leading `cd` moves the rest of the block, as it does in the user's shell.
        const cd = /^cd (\S+)(?: && (.*))?$/.exec(text);
        if (cd !== null) {
          cwd = resolve(cwd, cd[1] as string);
          expect(existsSync(cwd), `${cwd} exists`).toBe(true);
          // What `npm install` would make there: a node_modules with the (workspace) packages and their bins.
          if (how.rest?.contains === INSTALLS_THE_SCAFFOLD) symlinkSync(join(ROOT, 'node_modules'), join(cwd, 'node_modules'));
          if (cd[2] === undefined) return;
        }
        const result = await bash(cd?.[2] ?? text, cwd, env);
        expect(result, result.stderr).toMatchObject({ code: 0 });
        if (how.expect !== undefined) expect(result.stdout).toMatch(how.expect);
      }, 180_000);
    }
  });
}
