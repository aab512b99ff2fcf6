// `npx tflyte …` as a user starts it, for the examples' crash tests: in a process group of its own (so a
// test can SIGKILL the whole command, npx and all, as `kill -- -<pgid>` does), with what it prints kept.
import { type ChildProcessByStdio, spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface TflyteProcess {
  stdout: string;
  stderr: string;
  readonly child: ChildProcessByStdio<null, Readable, Readable>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface TflyteOptions {
  readonly cwd: string;
  readonly env?: NodeJS.ProcessEnv;
}

const started = new Set<TflyteProcess>();

/** `npx tflyte <args>` in `cwd`. */
export function tflyte(args: readonly string[], options: TflyteOptions): TflyteProcess {
  const child = spawn('npx', ['--prefix', REPO_ROOT, 'tflyte', ...args], {
    cwd: options.cwd,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: options.env ?? process.env,
  });
  const run: TflyteProcess = {
    stdout: '',
    stderr: '',
    child,
    exited: new Promise((done) => child.on('close', (code, signal) => done({ code, signal }))),
  };
  child.stdout.on('data', (chunk: Buffer) => (run.stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (run.stderr += chunk.toString()));
  started.add(run);
  void run.exited.then(() => started.delete(run));
  return run;
}

/** `npx tflyte run --json <args>` in `cwd`. */
export function tflyteRun(args: readonly string[], options: TflyteOptions): TflyteProcess {
  return tflyte(['run', '--json', ...args], options);
}

/** Waits for `condition`; fails with what tflyte printed if it exits first or never gets there. */
export async function until(
  what: string,
  condition: () => boolean | Promise<boolean>,
  run: TflyteProcess,
  deadlineMs = 150_000,
): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (!(await condition())) {
    if (run.child.exitCode !== null || run.child.signalCode !== null) throw new Error(`tflyte exited before ${what}:\n${run.stderr}`);
    if (Date.now() > deadline) throw new Error(`tflyte did not get to: ${what}; it printed:\n${run.stderr}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * SIGKILL to the command's whole process group, then waits until every process of the group is gone
 * (not only npx), since the next run's check that the old run's owner is dead must see it dead.
 */
export async function killGroup(run: TflyteProcess): Promise<void> {
  process.kill(-run.child.pid!, 'SIGKILL');
  await run.exited;
  for (;;) {
    try {
      process.kill(-run.child.pid!, 0);
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** For afterEach/afterAll: kills the groups of commands that are still running, so none outlives its test. */
export async function killStragglers(): Promise<void> {
  await Promise.all([...started].map((run) => killGroup(run).catch(() => undefined)));
}
