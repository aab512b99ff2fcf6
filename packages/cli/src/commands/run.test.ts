import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { type AthenaTestServer, startAthenaServer } from '@tflyte/plugin-athena/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../main.ts';
import { EXIT } from '../usage-error.ts';

const REPO_ROOT = resolve(import.meta.dirname, '../../../..');
const fixtures = resolve(import.meta.dirname, '../test-fixtures');
const pluginUrl = new URL('../../../plugin-athena/src/index.ts', import.meta.url).href;
const coreUrl = new URL('../../../core/src/index.ts', import.meta.url).href;
let project: string;
let server: AthenaTestServer;
const children: Bin[] = [];

beforeEach(async () => {
  // A query that stays RUNNING until the test advances it (or it is stopped).
  server = await startAthenaServer({
    queuedMs: 0,
    runningMs: Number.POSITIVE_INFINITY,
    workGroups: { primary: { outputLocation: 's3://results/' } },
  });
  await server.sql('CREATE SCHEMA bench; CREATE TABLE bench.numbers(n INTEGER); INSERT INTO bench.numbers VALUES (1), (2);');
  project = mkdtempSync(join(tmpdir(), 'tflyte-run-'));
  writeFileSync(
    join(project, 'tflyte.config.ts'),
    `import { athenaPlugin } from ${JSON.stringify(pluginUrl)};\n` +
      `export default { plugins: [athenaPlugin({ endpoint: ${JSON.stringify(server.endpoint)}, region: 'us-east-1', ` +
      `credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' }, poll: { initialMs: 20, multiplier: 1, maxMs: 20 } })] };\n`,
  );
});
afterEach(async () => {
  // A failed assertion must not leave a CLI behind.
  for (const child of children.splice(0)) if (child.process.exitCode === null && child.process.signalCode === null) child.kill('SIGKILL');
  await server.close();
  rmSync(project, { recursive: true, force: true });
});

interface Bin {
  readonly process: ChildProcessByStdio<null, Readable, Readable>;
  stdout: string;
  stderr: string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Signals the whole process group, as a terminal's Ctrl-C or `kill -- -<pgid>` does. */
  kill(signal: NodeJS.Signals): void;
}

/**
 * `npx tflyte <args>` in the project, in a process group of its own (npx, its shell and the CLI);
 * `via: 'bin'` starts the `tflyte` bin itself, whose exit status is then the CLI's (npx reports its
 * own). `exited` waits for the CLI too: it holds the pipes until it ends.
 */
function tflyte(args: readonly string[], via: 'npx' | 'bin' = 'npx'): Bin {
  const options = { cwd: project, detached: true, stdio: ['ignore', 'pipe', 'pipe'] as ['ignore', 'pipe', 'pipe'] };
  const child =
    via === 'npx'
      ? spawn('npx', ['--prefix', REPO_ROOT, 'tflyte', ...args], options)
      : spawn(join(REPO_ROOT, 'node_modules', '.bin', 'tflyte'), args, {
          ...options,
          env: { ...process.env, PATH: `${join(REPO_ROOT, 'node_modules', '.bin')}:${process.env.PATH ?? ''}` },
        });
  const bin: Bin = {
    process: child,
    stdout: '',
    stderr: '',
    exited: new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal }))),
    kill: (signal) => process.kill(-child.pid!, signal),
  };
  child.stdout.on('data', (chunk: Buffer) => (bin.stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (bin.stderr += chunk.toString()));
  children.push(bin);
  return bin;
}

/**
 * The `tflyte` bin on a terminal: util-linux `script` gives it a pseudo-terminal for stdout and stderr
 * (so it draws progress as it does for a user), and what the terminal shows arrives as `stdout`.
 */
function tflyteOnTerminal(args: readonly string[]): Bin {
  const quote = (arg: string) => `'${arg.replaceAll("'", "'\\''")}'`;
  const command = [join(REPO_ROOT, 'node_modules', '.bin', 'tflyte'), ...args].map(quote).join(' ');
  const child = spawn('script', ['--quiet', '--flush', '--return', '--command', command, '/dev/null'], {
    cwd: project,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1', PATH: `${join(REPO_ROOT, 'node_modules', '.bin')}:${process.env.PATH ?? ''}` },
  });
  const bin: Bin = {
    process: child,
    stdout: '',
    stderr: '',
    exited: new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal }))),
    kill: (signal) => process.kill(-child.pid!, signal),
  };
  child.stdout.on('data', (chunk: Buffer) => (bin.stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (bin.stderr += chunk.toString()));
  children.push(bin);
  return bin;
}

async function until(what: string, condition: () => boolean, bin?: Bin): Promise<void> {
  while (!condition()) {
    if (bin !== undefined && (bin.process.exitCode !== null || bin.process.signalCode !== null)) {
      throw new Error(`tflyte exited before ${what}:\n${bin.stderr}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

const slowCount = ['run', join(fixtures, 'athena.ts'), 'slowCount', '--above', '0'];
const starts = () => server.requests.filter((r) => r.op === 'StartQueryExecution').length;
const runIdOf = (stderr: string) => /tflyte: run (r[a-z0-9]+)/.exec(stderr)?.[1];

describe('tflyte run, killed and run again', () => {
  it('re-attaches to the live Athena query: one query in all, the same run id, the correct output', async () => {
    const first = tflyte(slowCount);
    // Killed once the query runs and its handle is stored (the progress line follows the store).
    await until('the query ran', () => /RUNNING/.test(first.stderr), first);
    const runId = runIdOf(first.stderr);
    first.kill('SIGKILL');
    await first.exited;
    expect(server.executions().map((e) => e.state)).toEqual(['RUNNING']);

    const second = tflyte(slowCount);
    await until('it re-attached', () => /re-attached to attempt 0/.test(second.stderr), second);
    expect(second.stderr).toContain(`resuming run ${runId} (interrupted`);
    const [query] = server.executions();
    server.advance(query!.queryExecutionId);
    expect(await second.exited).toEqual({ code: 0, signal: null });

    expect(starts()).toBe(1);
    expect(server.executions()).toMatchObject([{ state: 'SUCCEEDED', runs: 1 }]);
    expect(JSON.parse(second.stdout)).toEqual({ results: { uri: `s3://results/${query!.queryExecutionId}.csv`, format: 'csv' } });
    // Finished: the same command now starts a new run, with a query of its own.
    const third = tflyte(slowCount);
    await until('a new query ran', () => server.executions().length === 2, third);
    expect(runIdOf(third.stderr)).not.toBe(runId);
    server.advance(server.executions()[1]!.queryExecutionId);
    expect((await third.exited).code).toBe(0);
  }, 120_000);

  it('refuses --run-id of a run with other inputs or another task version, saying what differs', async () => {
    const counted = join(project, 'counted.ts');
    const source = (version: string) =>
      `import { t, task } from ${JSON.stringify(coreUrl)};\n` +
      `export const square = task({ inputs: { x: t.int() }, outputs: t.int(), version: '${version}' }, function square({ x }) { return x * x; });\n`;
    writeFileSync(counted, source('v1'));
    const first = tflyte(['run', counted, 'square', '--x', '3']);
    expect((await first.exited).code).toBe(0);
    const listed = tflyte(['runs', '--all']);
    expect((await listed.exited).code).toBe(0);
    const runId = /^(r[a-z0-9]+)\s+succeeded\s/m.exec(listed.stdout)?.[1] ?? '';
    expect(runId).not.toBe('');

    const otherInputs = tflyte(['run', '--run-id', runId, counted, 'square', '--x', '4']);
    expect((await otherInputs.exited).code).toBe(EXIT.usage);
    expect(otherInputs.stderr).toContain(`run '${runId}' cannot be resumed with this command: its inputs differ: 'x'`);

    writeFileSync(counted, source('v2'));
    const otherVersion = tflyte(['run', '--run-id', runId, counted, 'square', '--x', '3']);
    expect((await otherVersion.exited).code).toBe(EXIT.usage);
    expect(otherVersion.stderr).toContain(`it ran version 'v1' of 'counted.square', this is version 'v2'`);
    expect(otherVersion.stdout).toBe('');
  }, 120_000);
});

describe('tflyte run, interrupted', () => {
  it('cancels on Ctrl-C through the bin: the running query is stopped before the process exits with 130', async () => {
    const bin = tflyte(slowCount, 'bin');
    await until('the query ran', () => /RUNNING/.test(bin.stderr), bin);
    bin.kill('SIGINT');
    expect(await bin.exited).toEqual({ code: EXIT.cancelled, signal: null });
    expect(server.executions().map((e) => e.state)).toEqual(['CANCELLED']);
    expect(server.requests.filter((r) => r.op === 'StopQueryExecution')).toHaveLength(1);
    expect(bin.stderr).toMatch(/cancelling/);
    expect(bin.stderr).not.toMatch(/left running/);
  });

  it('cancels on one Ctrl-C through npx, which delivers it to the CLI twice (from the terminal and forwarded)', async () => {
    const bin = tflyte(slowCount);
    await until('the query ran', () => /RUNNING/.test(bin.stderr), bin);
    bin.kill('SIGINT');
    await bin.exited;
    expect(server.executions().map((e) => e.state)).toEqual(['CANCELLED']);
    expect(bin.stderr).toContain('cancelled');
    expect(bin.stderr).not.toMatch(/interrupted again|left running/);
  });

  it('exits at a second Ctrl-C while StopQueryExecution never answers, printing the query left running; abandon then stops it', async () => {
    server.faults.script('StopQueryExecution', ['hang']);
    const bin = tflyte([...slowCount.slice(0, 1), '--cancel-timeout', '600', ...slowCount.slice(1)], 'bin');
    await until('the query ran', () => /RUNNING/.test(bin.stderr), bin);
    const runId = runIdOf(bin.stderr)!;
    bin.kill('SIGINT');
    await until('the stop was sent', () => server.requests.some((r) => r.op === 'StopQueryExecution'), bin);
    await until('a second Ctrl-C is armed', () => /press Ctrl-C again/.test(bin.stderr), bin);
    bin.kill('SIGINT');
    expect(await bin.exited).toEqual({ code: EXIT.cancelled, signal: null });
    expect(bin.stderr).toContain('interrupted again; exiting without waiting');
    expect(bin.stderr).toContain(`left running (run ${runId})`);
    expect(bin.stderr).toContain(server.executions()[0]!.queryExecutionId);
    expect(server.executions().map((e) => e.state)).toEqual(['RUNNING']);

    const listed = tflyte(['runs']);
    expect((await listed.exited).code).toBe(0);
    // LIVE JOBS, the column before the task: the query left running.
    expect(listed.stdout).toMatch(new RegExp(`^${runId}\\s+unfinished\\s.*\\s1\\s+src\\.test-fixtures\\.athena\\.slowCount `, 'm'));

    const abandon = tflyte(['runs', 'abandon', runId]);
    expect((await abandon.exited).code).toBe(0);
    expect(abandon.stderr).toContain(`run ${runId} abandoned (1 live job(s) deleted)`);
    expect(server.executions().map((e) => e.state)).toEqual(['CANCELLED']);
    expect(starts()).toBe(1);
  }, 120_000);

  it('gives up cleaning up at the cancel timeout and says what was left running', async () => {
    server.faults.script('StopQueryExecution', ['hang']);
    const bin = tflyte(['run', '--cancel-timeout', '0.5', ...slowCount.slice(1)], 'bin');
    await until('the query ran', () => /RUNNING/.test(bin.stderr), bin);
    bin.kill('SIGTERM');
    expect(await bin.exited).toEqual({ code: EXIT.cancelled, signal: null });
    expect(bin.stderr).toContain('live jobs were not deleted within the cancel timeout of 0.5 s');
    expect(bin.stderr).toContain('left running');
  });
});

describe('tflyte run on a terminal', () => {
  /** The distinct elapsed times the RUNNING line was drawn with. */
  const elapsedOfRunning = (screen: string) =>
    new Set(
      screen
        .split(/\r?\n/)
        .filter((row) => row.includes('RUNNING'))
        .map((row) => / (\d+\.\d)s$/.exec(row)?.[1])
        .filter((elapsed) => elapsed !== undefined),
    );

  it('ticks the elapsed time of a live line between events, and exits once the query ends', async () => {
    const bin = tflyteOnTerminal(slowCount);
    // The query stays RUNNING, so a new elapsed time on its line can only come from the ticker.
    await until('the elapsed time ticked twice', () => elapsedOfRunning(bin.stdout).size >= 3, bin);
    expect(server.requests.filter((r) => r.op === 'StartQueryExecution')).toHaveLength(1);
    server.advance(server.executions()[0]!.queryExecutionId);
    // The ticker must not hold the process open once the run is over.
    expect(await bin.exited).toEqual({ code: 0, signal: null });
    expect(bin.stdout).toContain('"format":"csv"');
  }, 60_000);

  it('runs a quick task and exits: the ticker never outlives the run', async () => {
    const bin = tflyteOnTerminal(['run', join(fixtures, 'tasks.ts'), 'mean', '--values', '[1,2,6]']);
    expect(await bin.exited).toEqual({ code: 0, signal: null });
    expect(bin.stdout.trim().split(/\r?\n/).at(-1)).toBe('3');
  }, 60_000);

  it('prints plain lines, one per change and without cursor movement, when stderr is not a terminal', async () => {
    const bin = tflyte(slowCount, 'bin');
    await until('the query ran', () => /RUNNING/.test(bin.stderr), bin);
    server.advance(server.executions()[0]!.queryExecutionId);
    expect(await bin.exited).toEqual({ code: 0, signal: null });
    expect(bin.stderr).not.toContain('\u001b[');
    expect(bin.stderr.match(/RUNNING/g)).toHaveLength(1);
  });
});

describe('tflyte run --remote', () => {
  const where = () => {
    const file = join(project, 'where.ts');
    writeFileSync(
      file,
      `import { t, task } from ${JSON.stringify(coreUrl)};\n` +
        `export const where = task({ inputs: { remote: t.string() }, outputs: t.string() }, function where({ remote }) { return \`at \${remote}\`; });\n`,
    );
    return file;
  };
  const io = (out: string[], err: string[]) => ({
    cwd: project,
    out: (l: string) => out.push(l),
    err: (l: string) => err.push(l),
    env: {},
    isTTY: false,
  });

  it('is an input of the task after the file and task: a task input named remote runs locally', async () => {
    const out: string[] = [];
    expect(await main(['run', where(), 'where', '--remote', 'eu-west'], io(out, []))).toBe(0);
    expect(out).toEqual(['at eu-west']);
  });

  it('is the run flag before the file: the run goes to a Flyte cluster', async () => {
    const err: string[] = [];
    // No file or task given: the remote mode's own usage error shows which mode took the command.
    expect(await main(['run', '--remote'], io([], err))).toBe(EXIT.usage);
    expect(err.join('\n')).toContain('run --remote: expected <file.ts> <task>');
    // After run's own options too, and a remote-only option's value is not taken for the file.
    expect(await main(['run', '--json', '--project', 'p', '--domain', 'd', '--remote'], io([], err))).toBe(EXIT.usage);
    expect(err.join('\n')).not.toContain('unknown option --project');
  });
});

describe('tflyte run with a remote backend', () => {
  it('lists the configured plugins', async () => {
    const out: string[] = [];
    const code = await main(['plugins'], { cwd: project, out: (l) => out.push(l), err: () => {}, env: {}, isTTY: false });
    expect(code).toBe(0);
    expect(out[0]).toMatch(/^TASK TYPE\s+VERSION\s+PACKAGE\s+BACKEND$/);
    expect(out.slice(1).map((l) => l.split(/\s+/).slice(0, 3))).toEqual([
      ['container', 'v0', '@tflyte/core'],
      ['presto', 'v0', '@tflyte/plugin-athena'],
    ]);
  });
});

describe('tflyte cache clear', () => {
  it('forgets cached results, so the next run executes again', async () => {
    const io = (out: string[]) => ({ cwd: project, out: (l: string) => out.push(l), err: () => {}, env: {}, isTTY: false });
    const executions = join(project, 'executions.txt');
    writeFileSync(executions, '');
    const tasks = join(project, 'cached.ts');
    writeFileSync(
      tasks,
      `import { appendFileSync } from 'node:fs';\nimport { t, task } from ${JSON.stringify(coreUrl)};\n` +
        `export const cachedSquare = task({ inputs: { x: t.int() }, outputs: t.int(), cache: { version: '1' } }, function cachedSquare({ x }) {\n` +
        `  appendFileSync(${JSON.stringify(executions)}, 'ran\\n');\n  return x * x;\n});\n`,
    );
    const ran = () => readFileSync(executions, 'utf8').split('\n').filter(Boolean).length;
    const outputs: string[] = [];
    expect(await main(['run', tasks, 'cachedSquare', '--x', '4'], io(outputs))).toBe(0);
    expect(await main(['run', tasks, 'cachedSquare', '--x', '4'], io(outputs))).toBe(0);
    expect(ran()).toBe(1);
    const cleared: string[] = [];
    expect(await main(['cache', 'clear'], io(cleared))).toBe(0);
    expect(cleared[0]).toMatch(/^removed 1 cached result from .*state\.db$/);
    expect(await main(['run', tasks, 'cachedSquare', '--x', '4'], io(outputs))).toBe(0);
    expect(ran()).toBe(2);
    expect(outputs).toEqual(['16', '16', '16']);
    expect(await main(['cache', 'clean'], io([]))).toBe(EXIT.usage);
  });
});
