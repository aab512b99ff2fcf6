import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Readable } from 'node:stream';
import { buildCreateArgs, type ContainerSpec, MANAGED_LABEL } from './create-args.ts';
import { type DetectedRuntime, type DetectOptions, detectContainerRuntime, type RuntimeKind } from './detect.ts';
import {
  ContainerCommandError,
  ContainerRunCancelledError,
  ContainerSpecError,
  ImageUnavailableError,
  pullFailureSummary,
} from './errors.ts';
import { type ExecResult, execCommand } from './exec.ts';
import { TailBuffer } from './tail-buffer.ts';

export const DEFAULT_TAIL_BYTES = 64 * 1024;
const IMAGE_NOT_FOUND = /no such image|image not known|not found/i;

export interface RunOptions {
  /** Aborting stops the container (SIGTERM, then SIGKILL after `stopTimeoutSeconds`) and removes it. */
  signal?: AbortSignal;
  /** Grace period between SIGTERM and SIGKILL on abort. Default 2. */
  stopTimeoutSeconds?: number;
  /** How many trailing bytes of stdout and of stderr to keep. Default 64 KiB. */
  tailBytes?: number;
}

export interface RunResult {
  /** The unique name the container had; it no longer exists when run() settles. */
  name: string;
  exitCode: number;
  stdoutTail: string;
  stderrTail: string;
  durationMs: number;
}

export interface ContainerSummary {
  id: string;
  name: string;
  /** Lower-case runtime state: created, running, exited, ... */
  state: string;
}

/** Image settings for importImage, in Dockerfile terms. */
export interface ImageConfig {
  env?: Readonly<Record<string, string>>;
  cmd?: readonly string[];
  entrypoint?: readonly string[];
  workdir?: string;
}

/**
 * Runs containers in a local podman or docker through its CLI. Every container is labelled
 * `tflyte.managed=true`, has a unique name, and is removed before run() settles, whatever happened.
 */
export class ContainerRuntime {
  readonly kind: RuntimeKind;
  readonly binary: string;
  readonly version: string;
  readonly #env: NodeJS.ProcessEnv;

  constructor(detected: DetectedRuntime) {
    this.kind = detected.kind;
    this.binary = detected.binary;
    this.version = detected.version;
    this.#env = detected.env;
  }

  static async detect(options?: DetectOptions): Promise<ContainerRuntime> {
    return new ContainerRuntime(await detectContainerRuntime(options));
  }

  async run(spec: ContainerSpec, options: RunOptions = {}): Promise<RunResult> {
    const started = performance.now();
    const name = uniqueName(spec.name);
    const createArgs = buildCreateArgs(spec, name);
    const { signal } = options;
    if (signal?.aborted) throw new ContainerRunCancelledError(name, signal.reason);

    const phase = new AbortController();
    let attach: ChildProcess | undefined;
    let stopping: Promise<unknown> | undefined;
    const onAbort = (): void => {
      phase.abort();
      const attached = attach;
      if (attached === undefined) return;
      stopping = (async () => {
        // `-t` is the one spelling of the grace period that podman (--time) and docker (--timeout) share.
        await this.#exec(['stop', '-t', String(options.stopTimeoutSeconds ?? 2), name]).catch(() => undefined);
        // A stop that lands before the container has started is a no-op and start would then run it:
        // end the attached client; the removal below kills whatever is still running.
        attached.kill('SIGKILL');
      })();
    };
    signal?.addEventListener('abort', onAbort, { once: true });

    let outcome: { result: RunResult } | { error: unknown };
    try {
      await this.ensureImage(spec.image, spec.pull ?? 'missing', phase.signal);
      const created = await this.#exec(createArgs, phase.signal);
      if (created.code !== 0) throw new ContainerCommandError([this.binary, ...createArgs], created.code, created.stderr);
      if (signal?.aborted) throw new ContainerRunCancelledError(name, signal.reason);

      const tailBytes = options.tailBytes ?? DEFAULT_TAIL_BYTES;
      const stdout = new TailBuffer(tailBytes);
      const stderr = new TailBuffer(tailBytes);
      attach = spawn(this.binary, ['start', '--attach', name], { env: this.#env, stdio: ['ignore', 'pipe', 'pipe'] });
      const attached = attach;
      attached.stdout?.on('data', (chunk: Buffer) => stdout.push(chunk));
      attached.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));
      const attachCode = await new Promise<number | null>((resolve, reject) => {
        attached.on('error', reject);
        attached.on('close', resolve);
      });
      if (signal?.aborted) throw new ContainerRunCancelledError(name, signal.reason);

      const state = await this.#exitState(name);
      if (state === undefined) {
        // The container never ran (e.g. the OCI runtime could not start it): the runtime's message is in stderr.
        throw new ContainerCommandError([this.binary, 'start', '--attach', name], attachCode, stderr.toString());
      }
      outcome = {
        result: {
          name,
          exitCode: state.exitCode,
          stdoutTail: stdout.toString(),
          stderrTail: stderr.toString(),
          durationMs: performance.now() - started,
        },
      };
    } catch (error) {
      outcome = { error: signal?.aborted ? new ContainerRunCancelledError(name, signal.reason) : error };
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }

    await stopping;
    const removal = await this.removeContainer(name).then(
      () => undefined,
      (error: unknown) => error,
    );
    if ('error' in outcome) throw outcome.error;
    if (removal !== undefined) throw removal;
    return outcome.result;
  }

  /** Containers created by tflyte, optionally narrowed to those carrying all of `labels`. */
  async listContainers(filter: { labels?: Readonly<Record<string, string>> } = {}): Promise<ContainerSummary[]> {
    const labels = { ...filter.labels, [MANAGED_LABEL]: 'true' };
    const args = ['ps', '--all', '--no-trunc', ...Object.entries(labels).map(([k, v]) => `--filter=label=${k}=${v}`)];
    // podman prints a JSON array for `json`; docker prints one object per line for `{{json .}}`.
    args.push(this.kind === 'podman' ? '--format=json' : '--format={{json .}}');
    const output = (await this.#check(args)).trim();
    const rows: unknown[] = output.startsWith('[')
      ? JSON.parse(output)
      : output
          .split('\n')
          .filter(Boolean)
          .map((line) => JSON.parse(line));
    return rows.map((row) => toSummary(row as PsRow));
  }

  /** Force-removes a container (killing it if running); removing one that does not exist is not an error. */
  async removeContainer(name: string): Promise<void> {
    // podman's rm -f would otherwise wait the container's stop timeout (10 s) before SIGKILL.
    const args = this.kind === 'podman' ? ['rm', '--force', '--time=0', name] : ['rm', '--force', name];
    const result = await this.#exec(args);
    if (result.code !== 0 && !/no such container/i.test(result.stderr)) {
      throw new ContainerCommandError([this.binary, ...args], result.code, result.stderr);
    }
  }

  /**
   * Makes sure `ref` is a local image before a container is created from it, pulling it once when
   * `pull` is 'missing'. Pulling separately from `create` keeps the runtime's retry chatter out of the
   * task's error, and an image that cannot be had fails as ImageUnavailableError (not retried).
   * 'always' is left to `create --pull=always`.
   */
  async ensureImage(ref: string, pull: 'missing' | 'never' | 'always', signal?: AbortSignal): Promise<void> {
    if (pull === 'always' || (await this.imageExists(ref))) return;
    if (pull === 'never') throw new ImageUnavailableError(ref, this.kind, 'pulling is off');
    // `localhost/` names an image built on this machine (podman's convention): there is no registry to ask.
    if (ref.startsWith('localhost/')) throw new ImageUnavailableError(ref, this.kind, 'a localhost/ image is never pulled');
    const args = ['pull', '--quiet', ref];
    const pulled = await this.#exec(args, signal);
    if (pulled.code !== 0) {
      throw new ImageUnavailableError(ref, this.kind, `could not be pulled (${pullFailureSummary(pulled.stderr)})`, {
        cause: new ContainerCommandError([this.binary, ...args], pulled.code, pulled.stderr),
      });
    }
  }

  async imageExists(ref: string): Promise<boolean> {
    const args = ['image', 'inspect', '--format={{.Id}}', ref];
    const result = await this.#exec(args);
    if (result.code === 0) return true;
    if (IMAGE_NOT_FOUND.test(result.stderr)) return false;
    throw new ContainerCommandError([this.binary, ...args], result.code, result.stderr);
  }

  /** Removes an image tag; removing one that does not exist is not an error. */
  async removeImage(ref: string): Promise<void> {
    const args = ['image', 'rm', ref];
    const result = await this.#exec(args);
    if (result.code !== 0 && !IMAGE_NOT_FOUND.test(result.stderr)) {
      throw new ContainerCommandError([this.binary, ...args], result.code, result.stderr);
    }
  }

  /**
   * Creates image `ref` from a root filesystem: a tar stream, or a directory that is archived with
   * GNU tar (files owned by root in the image). No registry is involved.
   */
  async importImage(source: Readable | string, ref: string, config: ImageConfig = {}): Promise<void> {
    if (!ref || ref.startsWith('-')) throw new ContainerSpecError('ref', `must be an image reference, got ${JSON.stringify(ref)}`);
    const args = ['import', ...imageChanges(config).map((change) => `--change=${change}`), '-', ref];
    if (typeof source !== 'string') {
      const result = await this.#exec(args, undefined, source);
      if (result.code !== 0) throw new ContainerCommandError([this.binary, ...args], result.code, result.stderr);
      return;
    }
    const tarArgs = ['-C', source, '--numeric-owner', '--owner=0', '--group=0', '-c', '.'];
    const tar = spawn('tar', tarArgs, { stdio: ['ignore', 'pipe', 'pipe'] });
    const tarStderr: Buffer[] = [];
    tar.stderr.on('data', (chunk: Buffer) => tarStderr.push(chunk));
    const tarDone = new Promise<number | null>((resolve, reject) => {
      tar.on('error', reject);
      tar.on('close', resolve);
    });
    const [imported, tarCode] = await Promise.all([this.#exec(args, undefined, tar.stdout).finally(() => tar.kill()), tarDone]);
    if (imported.code !== 0) throw new ContainerCommandError([this.binary, ...args], imported.code, imported.stderr);
    if (tarCode !== 0) throw new ContainerCommandError(['tar', ...tarArgs], tarCode, Buffer.concat(tarStderr).toString('utf8'));
  }

  /** A container's state and, once it has ended, its exit code; undefined when there is no such container. */
  async containerState(name: string): Promise<{ readonly status: string; readonly exitCode: number | undefined } | undefined> {
    const result = await this.#exec(['inspect', '--format={{.State.Status}} {{.State.ExitCode}}', name]);
    const match = /^(\w+) (-?\d+)$/.exec(result.stdout.trim());
    if (result.code !== 0 || !match) return undefined;
    const status = match[1] ?? '';
    return { status, exitCode: ['exited', 'stopped'].includes(status) ? Number(match[2]) : undefined };
  }

  /** Exit code of a container that ran and ended; undefined when it never ran or cannot be inspected. */
  async #exitState(name: string): Promise<{ exitCode: number } | undefined> {
    const state = await this.containerState(name);
    return state?.exitCode === undefined ? undefined : { exitCode: state.exitCode };
  }

  async #check(args: readonly string[]): Promise<string> {
    const result = await this.#exec(args);
    if (result.code !== 0) throw new ContainerCommandError([this.binary, ...args], result.code, result.stderr);
    return result.stdout;
  }

  #exec(args: readonly string[], signal?: AbortSignal, input?: Readable): Promise<ExecResult> {
    return execCommand(this.binary, args, { env: this.#env, ...(signal ? { signal } : {}), ...(input ? { input } : {}) });
  }
}

/** The fields of a `ps` row that podman (Id, Names[]) and docker (ID, comma-separated Names) both provide. */
interface PsRow {
  Id?: string;
  ID?: string;
  Names?: string[] | string;
  State?: string;
}

function toSummary(row: PsRow): ContainerSummary {
  const names = Array.isArray(row.Names) ? row.Names : (row.Names ?? '').split(',');
  return { id: row.Id ?? row.ID ?? '', name: names[0] ?? '', state: (row.State ?? '').toLowerCase() };
}

function uniqueName(prefix: string | undefined): string {
  const readable = (prefix ?? '')
    .replace(/[^A-Za-z0-9_.-]+/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .slice(0, 40);
  return `tflyte-${readable ? `${readable}-` : ''}${randomBytes(6).toString('hex')}`;
}

function imageChanges(config: ImageConfig): string[] {
  const changes: string[] = [];
  for (const [key, value] of Object.entries(config.env ?? {})) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) throw new ContainerSpecError(`env.${key}`, 'must be a shell-style variable name');
    changes.push(`ENV ${key}=${JSON.stringify(value)}`);
  }
  if (config.entrypoint) changes.push(`ENTRYPOINT ${JSON.stringify(config.entrypoint)}`);
  if (config.cmd) changes.push(`CMD ${JSON.stringify(config.cmd)}`);
  if (config.workdir) changes.push(`WORKDIR ${config.workdir}`);
  return changes;
}
