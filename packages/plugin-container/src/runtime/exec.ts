import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';

export interface ExecResult {
  /** Exit code, or null when the process was ended by a signal. */
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface ExecOptions {
  env: NodeJS.ProcessEnv;
  /** Piped to the process's stdin; stdin is closed immediately otherwise. */
  input?: Readable;
  /** Aborting sends SIGTERM; the promise rejects with the signal's reason once the process has exited. */
  signal?: AbortSignal;
}

/**
 * Runs a short runtime command (version, create, inspect, rm, import) to completion and collects its
 * output. Argument arrays only: nothing is ever interpreted by a shell. Rejects only when the process
 * cannot be started or the signal aborts it; a non-zero exit is a result for the caller to judge.
 */
export function execCommand(binary: string, args: readonly string[], options: ExecOptions): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const { signal, input } = options;
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const child = spawn(binary, args, { env: options.env, stdio: [input ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let inputError: unknown;
    child.stdout?.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));
    if (input && child.stdin) {
      // The runtime may exit early (bad ref, full disk) and close stdin: its exit code reports that.
      child.stdin.on('error', () => {});
      input.on('error', (error) => {
        inputError = error;
        child.kill();
      });
      input.pipe(child.stdin);
    }
    // Settle only after the process has exited, so a caller cleaning up after an abort never races it.
    const onAbort = (): void => {
      child.kill('SIGTERM');
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    child.on('error', (error) => {
      signal?.removeEventListener('abort', onAbort);
      reject(error);
    });
    child.on('close', (code) => {
      signal?.removeEventListener('abort', onAbort);
      if (signal?.aborted) reject(signal.reason);
      else if (inputError !== undefined) reject(inputError);
      else resolve({ code, stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8') });
    });
  });
}
