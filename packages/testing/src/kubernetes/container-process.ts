/**
 * One container of a pod on the test node: how a container spec becomes argv/env/cwd (with kubelet's
 * `$(VAR)` expansion and downward-API env), run either as a local process in its own process group
 * (so that stopping the container stops everything it started), or — for images the image map does not
 * stand in for — by an injected container launcher (e.g. podman), with the pod's volumes as bind mounts.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { constants } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { isPlainObject, type KubeObject } from './types.ts';

/**
 * What stands in for an image in process mode. An array is a command prefix run before the container's
 * command and args (e.g. a podman invocation, or [] to run them as is); an ImageConfig is the image's own
 * configuration, applied with Kubernetes semantics.
 */
export type ImageMap =
  | Readonly<Record<string, readonly string[] | ImageConfig>>
  | ((image: string) => readonly string[] | ImageConfig | undefined);

/** An image's OCI configuration, for process mode. */
export interface ImageConfig {
  /** ENTRYPOINT: what runs when the container sets no `command` (its `args` follow). */
  readonly entrypoint?: readonly string[];
  /** WORKDIR, as an absolute host directory: where the container runs unless it sets `workingDir`. */
  readonly workingDir?: string;
  /** ENV: variables under the container's own. */
  readonly env?: Readonly<Record<string, string>>;
}

/** A container as the node asks a launcher to run it: the pod's env only, and its volumes as host paths. */
export interface ContainerLaunch {
  readonly namespace: string;
  readonly podName: string;
  readonly containerName: string;
  readonly image: string;
  /** Replaces the image's ENTRYPOINT when set, as in Kubernetes. */
  readonly command: readonly string[] | undefined;
  /** Replaces the image's CMD when set. */
  readonly args: readonly string[] | undefined;
  readonly env: Readonly<Record<string, string>>;
  readonly workingDir: string | undefined;
  readonly mounts: readonly { readonly hostPath: string; readonly containerPath: string; readonly readOnly: boolean }[];
}

/** A container started by a launcher. */
export interface LaunchedContainer {
  /** Reported as the container status's containerID, e.g. `podman://tflyte-abc`. */
  readonly id: string;
  /** Settles when the container has exited (startError when it never ran, e.g. the image is missing). */
  readonly exited: Promise<{ exitCode: number; startError?: string }>;
  /** SIGTERM, then SIGKILL after the grace period. */
  terminate(graceMs: number): void;
  kill(): void;
}

/**
 * Runs pod containers in a container runtime: the test node's container mode. The node prepares mounts
 * (emptyDir and hostPath volumes) and the environment; the launcher only starts and stops.
 */
export interface ContainerLauncher {
  launch(container: ContainerLaunch, onOutput: (chunk: string) => void): LaunchedContainer;
}

export interface LaunchContext {
  podDir: string;
  imageMap: ImageMap | undefined;
  unknownImages: 'run' | 'pull-error';
  inheritEnv: boolean;
  /** Runs containers of images the image map does not name. */
  launcher: ContainerLauncher | undefined;
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
  | { ok: true; container: ContainerLaunch }
  | { ok: false; reason: 'CreateContainerConfigError' | 'CreateContainerError' | 'ErrImagePull'; message: string };

/** kubelet's expansion: `$(NAME)` becomes the variable when defined, `$$` escapes a dollar. */
function expandVars(text: string, env: Readonly<Record<string, string>>): string {
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

type Stand =
  | { kind: 'prefix'; prefix: readonly string[] }
  | { kind: 'image'; config: ImageConfig }
  | { kind: 'launcher' }
  | { kind: 'missing' };

function standIn(image: string, ctx: LaunchContext): Stand {
  const mapped = ctx.imageMap === undefined ? undefined : typeof ctx.imageMap === 'function' ? ctx.imageMap(image) : ctx.imageMap[image];
  if (mapped !== undefined)
    return Array.isArray(mapped) ? { kind: 'prefix', prefix: mapped } : { kind: 'image', config: mapped as ImageConfig };
  if (ctx.launcher !== undefined) return { kind: 'launcher' };
  if (ctx.imageMap === undefined || ctx.unknownImages === 'run') return { kind: 'prefix', prefix: [] };
  return { kind: 'missing' };
}

/** Host paths for the pod's emptyDir and hostPath volumes, by volume name. */
function volumePaths(pod: KubeObject, podDir: string): Map<string, string> {
  const spec = isPlainObject(pod.spec) ? pod.spec : {};
  const paths = new Map<string, string>();
  for (const volume of Array.isArray(spec.volumes) ? spec.volumes.filter(isPlainObject) : []) {
    const name = String(volume.name);
    if (isPlainObject(volume.emptyDir)) {
      const dir = join(podDir, 'volumes', name);
      mkdirSync(dir, { recursive: true });
      paths.set(name, dir);
    } else if (isPlainObject(volume.hostPath) && typeof volume.hostPath.path === 'string') {
      if (volume.hostPath.type === 'DirectoryOrCreate') mkdirSync(volume.hostPath.path, { recursive: true });
      paths.set(name, volume.hostPath.path);
    }
  }
  return paths;
}

export function resolveContainer(pod: KubeObject, container: Record<string, unknown>, ctx: LaunchContext): Resolution {
  const image = String(container.image ?? '');
  const stand = standIn(image, ctx);
  if (stand.kind === 'missing') {
    return { ok: false, reason: 'ErrImagePull', message: `failed to pull image "${image}": not in the process node's imageMap` };
  }
  const service = {
    HOSTNAME: pod.metadata?.name ?? '',
    KUBERNETES_SERVICE_HOST: ctx.apiHost,
    KUBERNETES_SERVICE_PORT: String(ctx.apiPort),
  };
  const env: Record<string, string> =
    stand.kind === 'launcher'
      ? service
      : {
          ...(ctx.inheritEnv ? (process.env as Record<string, string>) : { PATH: process.env.PATH ?? '/usr/bin:/bin' }),
          HOME: ctx.podDir,
          ...service,
          ...(stand.kind === 'image' ? stand.config.env : {}),
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
      const what = isPlainObject(source.secretKeyRef)
        ? `secret "${String(source.secretKeyRef.name)}"`
        : isPlainObject(source.configMapKeyRef)
          ? `configmap "${String(source.configMapKeyRef.name)}"`
          : `env source for ${name}`;
      return { ok: false, reason: 'CreateContainerConfigError', message: `${what} not found` };
    } else {
      env[name] = '';
    }
  }
  const command = Array.isArray(container.command) ? container.command.map((part) => expandVars(String(part), env)) : undefined;
  const args = Array.isArray(container.args) ? container.args.map((part) => expandVars(String(part), env)) : undefined;
  const workingDir = typeof container.workingDir === 'string' && container.workingDir !== '' ? container.workingDir : undefined;
  if (stand.kind === 'launcher') {
    const volumes = volumePaths(pod, ctx.podDir);
    const mounts: ContainerLaunch['mounts'][number][] = [];
    for (const mount of Array.isArray(container.volumeMounts) ? container.volumeMounts.filter(isPlainObject) : []) {
      const hostPath = volumes.get(String(mount.name));
      if (hostPath === undefined) {
        return {
          ok: false,
          reason: 'CreateContainerConfigError',
          message: `volume "${String(mount.name)}" is not an emptyDir or hostPath volume, which is all the test node mounts`,
        };
      }
      mounts.push({ hostPath, containerPath: String(mount.mountPath), readOnly: mount.readOnly === true });
    }
    const name = String(container.name);
    return {
      ok: true,
      container: {
        namespace: pod.metadata?.namespace ?? '',
        podName: pod.metadata?.name ?? '',
        containerName: name,
        image,
        command,
        args,
        env,
        workingDir,
        mounts,
      },
    };
  }
  const entrypoint = stand.kind === 'image' ? (stand.config.entrypoint ?? []) : [];
  const argv =
    stand.kind === 'prefix'
      ? [...stand.prefix.map((part) => expandVars(part, env)), ...(command ?? []), ...(args ?? [])]
      : [...(command ?? entrypoint), ...(args ?? [])];
  if (argv.length === 0) {
    return {
      ok: false,
      reason: 'CreateContainerError',
      message: 'no command specified: the process node has no image entrypoint to fall back on',
    };
  }
  const imageDir = stand.kind === 'image' ? stand.config.workingDir : undefined;
  const cwd = workingDir === undefined && imageDir !== undefined && isAbsolute(imageDir) ? imageDir : join(ctx.podDir, workingDir ?? '');
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

  get id(): string {
    return `process://${this.#child.pid ?? 0}`;
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
