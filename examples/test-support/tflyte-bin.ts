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

/** `npx tflyte run --json <args>` in `cwd`. */
export function tflyteRun(args: readonly string[], options: { readonly cwd: string; readonly env?: NodeJS.ProcessEnv }): TflyteProcess {
  const child = spawn('npx', ['--prefix', REPO_ROOT, 'tflyte', 'run', '--json', ...args], {
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
  return run;
}

/** SIGKILL to the command's whole process group, then its end. */
export async function killGroup(run: TflyteProcess): Promise<void> {
  process.kill(-run.child.pid!, 'SIGKILL');
  await run.exited;
}
