/**
 * One rank as a local process: its own process group (so a stop reaches whatever it started), its
 * output teed into a log file, and the last lines kept for a failure message.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import type { Clock } from '@tflyte/core';

export interface RankSpec {
  /** Global rank. */
  readonly rank: number;
  /** `master-0`, `worker-1`: the replica it stands for, as its pod would be named. */
  readonly replica: string;
  readonly command: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string;
  readonly logFile: string;
}

export interface RankExit {
  readonly rank: number;
  readonly replica: string;
  /** Exit code, or undefined when a signal ended it. */
  readonly code: number | undefined;
  readonly signal: NodeJS.Signals | undefined;
  /** The last lines it printed (stdout and stderr interleaved). */
  readonly tail: readonly string[];
  /** Stopped by us (the attempt was cancelled or another rank failed). */
  readonly stopped: boolean;
}

const TAIL_LINES = 20;

export class RankProcess {
  readonly spec: RankSpec;
  readonly exited: Promise<RankExit>;
  readonly #child: ChildProcess;
  readonly #tail: string[] = [];
  #partial = '';
  #stopped = false;
  #done = false;

  constructor(spec: RankSpec) {
    this.spec = spec;
    const [program, ...args] = spec.command;
    const log = createWriteStream(spec.logFile, { flags: 'a' });
    this.#child = spawn(program!, args, { cwd: spec.cwd, env: spec.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const onData = (chunk: Buffer): void => {
      log.write(chunk);
      this.#collect(chunk.toString('utf8'));
    };
    this.#child.stdout!.on('data', onData);
    this.#child.stderr!.on('data', onData);
    this.exited = new Promise((resolve) => {
      const finish = (code: number | null, signal: NodeJS.Signals | null, spawnError?: Error): void => {
        if (this.#done) return;
        this.#done = true;
        if (spawnError !== undefined) this.#collect(`cannot start ${program}: ${spawnError.message}\n`);
        if (this.#partial !== '') this.#keep(this.#partial);
        log.end(() =>
          resolve({
            rank: spec.rank,
            replica: spec.replica,
            code: code ?? (spawnError === undefined ? undefined : 127),
            signal: signal ?? undefined,
            tail: [...this.#tail],
            stopped: this.#stopped,
          }),
        );
      };
      this.#child.once('error', (error) => finish(null, null, error));
      this.#child.once('close', (code, signal) => finish(code, signal));
    });
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  /** SIGTERM to the process group, SIGKILL after `graceMs` on `clock` (as the kubelet stops a pod). */
  async stop(clock: Clock, graceMs: number): Promise<RankExit> {
    if (!this.#done) {
      this.#stopped = true;
      this.#signal('SIGTERM');
      const exited = new AbortController();
      const killed = clock.sleep(graceMs, exited.signal).then(
        () => this.#signal('SIGKILL'),
        () => undefined,
      );
      await Promise.race([this.exited, killed]);
      exited.abort();
    }
    return this.exited;
  }

  #signal(signal: NodeJS.Signals): void {
    const pid = this.#child.pid;
    if (pid === undefined || this.#done) return;
    try {
      process.kill(-pid, signal);
    } catch {
      // The group is gone already.
    }
  }

  #collect(text: string): void {
    const lines = (this.#partial + text).split('\n');
    this.#partial = lines.pop() ?? '';
    for (const line of lines) this.#keep(line);
  }

  #keep(line: string): void {
    this.#tail.push(line);
    if (this.#tail.length > TAIL_LINES) this.#tail.shift();
  }
}
