/**
 * One container run as a local process: how the process node turns a container spec into argv/env/cwd (with
 * kubelet's `$(VAR)` expansion and downward-API env), and the process itself in its own process group so that
 * stopping the container stops everything it started.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { constants } from 'node:os';
import { join } from 'node:path';
import { isPlainObject, type KubeObject } from './types.ts';

/** Maps an image to the command prefix that stands in for it (e.g. a podman invocation, or [] to run as is). */
export type ImageMap = Readonly<Record<string, readonly string[]>> | ((image: string) => readonly string[] | undefined);

export interface LaunchContext {
  podDir: string;
  imageMap: ImageMap | undefined;
  unknownImages: 'run' | 'pull-error';
  inheritEnv: boolean;
  /** Host and port of the API server, exposed as KUBERNETES_SERVICE_HOST/PORT. */
  apiHost: string;
  apiPort: number;
}

export interface Launch {
  argv: string[];
  env: Record<string, string>;
  cwd: string;
}

export type Resolution =
  | { ok: true; launch: Launch }
  | { ok: false; reason: 'CreateContainerConfigError' | 'CreateContainerError' | 'ErrImagePull'; message: string };

/** kubelet's expansion: `$(NAME)` becomes the variable when defined, `$$` escapes a dollar. */
export function expandVars(text: string, env: Readonly<Record<string, string>>): string {
  return text.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (match, name: string | undefined) => {
    if (name === undefined) return '$';
    return env[name] ?? match;
  });
}

function fieldRef(pod: KubeObject, path: string): string | undefined {
  const meta = pod.metadata ?? {};
  const spec = isPlainObject(pod.spec) ? pod.spec : {};
  const status = isPlainObject(pod.status) ? pod.status : {};
  const keyed = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(path);
  if (keyed) return meta[keyed[1] as 'labels' | 'annotations']?.[keyed[2]!] ?? '';
  const simple: Record<string, unknown> = {
    'metadata.name': meta.name,
    'metadata.namespace': meta.namespace,
    'metadata.uid': meta.uid,
    'spec.nodeName': spec.nodeName,
    'spec.serviceAccountName': spec.serviceAccountName,
    'status.podIP': status.podIP ?? '127.0.0.1',
    'status.hostIP': status.hostIP ?? '127.0.0.1',
  };
  return path in simple ? String(simple[path] ?? '') : undefined;
}

function imagePrefix(image: string, ctx: LaunchContext): readonly string[] | undefined {
  if (ctx.imageMap === undefined) return [];
  const prefix = typeof ctx.imageMap === 'function' ? ctx.imageMap(image) : ctx.imageMap[image];
  return prefix ?? (ctx.unknownImages === 'run' ? [] : undefined);
}

export function resolveContainer(pod: KubeObject, container: Record<string, unknown>, ctx: LaunchContext): Resolution {
  const image = String(container.image ?? '');
  const prefix = imagePrefix(image, ctx);
  if (prefix === undefined) {
    return { ok: false, reason: 'ErrImagePull', message: `failed to pull image "${image}": not in the process node's imageMap` };
  }
  const env: Record<string, string> = {
    ...(ctx.inheritEnv ? (process.env as Record<string, string>) : { PATH: process.env.PATH ?? '/usr/bin:/bin' }),
    HOME: ctx.podDir,
    HOSTNAME: pod.metadata?.name ?? '',
    KUBERNETES_SERVICE_HOST: ctx.apiHost,
    KUBERNETES_SERVICE_PORT: String(ctx.apiPort),
  };
  if (Array.isArray(container.envFrom) && container.envFrom.length > 0) {
    return { ok: false, reason: 'CreateContainerConfigError', message: 'envFrom is not supported by the process node' };
  }
  for (const entry of Array.isArray(container.env) ? container.env.filter(isPlainObject) : []) {
    const name = String(entry.name);
    if (typeof entry.value === 'string') {
      env[name] = expandVars(entry.value, env);
    } else if (isPlainObject(entry.valueFrom)) {
      const source = entry.valueFrom;
      const ref = isPlainObject(source.fieldRef) ? fieldRef(pod, String(source.fieldRef.fieldPath)) : undefined;
      if (ref !== undefined) {
        env[name] = ref;
        continue;
      }
      const keyRef = [source.secretKeyRef, source.configMapKeyRef].find(isPlainObject);
      if (keyRef?.optional === true) continue;
      const what = isPlainObject(source.secretKeyRef) ? `secret "${String(source.secretKeyRef.name)}"` : isPlainObject(source.configMapKeyRef) ? `configmap "${String(source.configMapKeyRef.name)}"` : `env source for ${name}`;
      return { ok: false, reason: 'CreateContainerConfigError', message: `${what} not found` };
    } else {
      env[name] = '';
    }
  }
  const command = Array.isArray(container.command) ? container.command.map(String) : [];
  const args = Array.isArray(container.args) ? container.args.map(String) : [];
  const argv = [...prefix, ...command, ...args].map((part) => expandVars(part, env));
  if (argv.length === 0) {
    return { ok: false, reason: 'CreateContainerError', message: 'no command specified: the process node has no image entrypoint to fall back on' };
  }
  const workingDir = typeof container.workingDir === 'string' && container.workingDir !== '' ? container.workingDir : '';
  const cwd = join(ctx.podDir, workingDir);
  mkdirSync(cwd, { recursive: true });
  return { ok: true, launch: { argv, env, cwd } };
}

export interface Exit {
  exitCode: number;
  signal: string | undefined;
  /** Set when the process could not be started at all (kubelet's StartError). */
  startError: string | undefined;
}

export class ContainerProcess {
  readonly #child: ChildProcess;
  readonly exited: Promise<Exit>;
  #killTimer: NodeJS.Timeout | undefined;

  constructor(launch: Launch, onOutput: (chunk: string) => void) {
    this.#child = spawn(launch.argv[0]!, launch.argv.slice(1), {
      cwd: launch.cwd,
      env: launch.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.#child.stdout!.setEncoding('utf8').on('data', onOutput);
    this.#child.stderr!.setEncoding('utf8').on('data', onOutput);
    this.exited = new Promise((resolve) => {
      let startError: string | undefined;
      this.#child.on('error', (error) => {
        startError = error.message;
      });
      // A container ends with its main process: whatever it left running in its group goes too.
      this.#child.on('exit', () => this.#signalGroup('SIGKILL'));
      this.#child.on('close', (code, signal) => {
        clearTimeout(this.#killTimer);
        const signalNumber = signal === null ? 0 : (constants.signals[signal] ?? 9);
        resolve({ exitCode: startError !== undefined ? 128 : (code ?? 128 + signalNumber), signal: signal ?? undefined, startError });
      });
    });
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  #signalGroup(signal: NodeJS.Signals): void {
    const pid = this.#child.pid;
    if (pid === undefined) return;
    try {
      process.kill(-pid, signal);
    } catch {
      // the group is already gone
    }
  }

  /** SIGTERM, then SIGKILL once the grace period is over, as the kubelet stops a container. */
  terminate(graceMs: number): void {
    this.#signalGroup('SIGTERM');
    clearTimeout(this.#killTimer);
    this.#killTimer = setTimeout(() => this.#signalGroup('SIGKILL'), graceMs);
  }

  kill(): void {
    this.#signalGroup('SIGKILL');
  }
}
