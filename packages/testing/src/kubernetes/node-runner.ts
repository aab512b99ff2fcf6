/**
 * A kubelet (plus scheduler) for tests: binds Pending pods to itself, runs their containers as local processes
 * and reports status the way the kubelet does — phase Pending → Running → Succeeded/Failed, the
 * PodScheduled/Initialized/ContainersReady/Ready conditions, containerStatuses with waiting/running/terminated
 * states, restart policies, activeDeadlineSeconds, graceful termination on delete — writing through the same
 * store as every client, so watchers see each transition.
 */
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import type { ContainerLauncher, ImageMap, LaunchContext } from './container-process.ts';
import type { ObjectApi, Target } from './object-api.ts';
import type { PodLogs } from './pod-logs.ts';
import { PodRun, type PodRunHost } from './pod-run.ts';
import type { ResourceType } from './resource-type.ts';
import type { StoreEvent } from './store.ts';
import { isPlainObject, type KubeObject, nowTimestamp, type StoredObject } from './types.ts';

export interface ProcessNodeOptions {
  /** Node name written to spec.nodeName; default `tflyte-node`. */
  name?: string;
  /** Containers run as local processes (images are not pulled), except those a `containerLauncher` runs. */
  runtime?: 'process';
  /** Image → command prefix or image config. Without a map (and without a launcher) every image runs its command as is. */
  imageMap?: ImageMap;
  /**
   * Container mode: runs the containers of images the imageMap does not name in a container runtime,
   * with the pod's emptyDir and hostPath volumes bind-mounted (other volume kinds fail the container).
   */
  containerLauncher?: ContainerLauncher;
  /** With an imageMap, what unmapped images do: run as is (default) or fail with ErrImagePull/ImagePullBackOff. */
  unknownImages?: 'run' | 'pull-error';
  /** Pass the test process's environment to containers (default: only PATH, like a clean image). */
  inheritEnv?: boolean;
  /** Pods this node leaves alone return false (e.g. to drive some pods by hand with setPodStatus). */
  podFilter?: (pod: KubeObject) => boolean;
  /** Upper bound on the SIGTERM→SIGKILL wait, whatever the pod's grace period; default 2000 ms. */
  maxGracePeriodMs?: number;
  /** Back-off before a container restart or after an image pull error; default 100 ms. */
  restartBackoffMs?: number;
  /** Where pod working directories are created; default the OS temp dir. */
  workRoot?: string;
}

export interface KubeTestNode {
  readonly name: string;
  /** The working directory of a pod this node runs (containers' cwd; `workingDir` is resolved inside it). */
  podDir(namespace: string, name: string): string | undefined;
  /** Kills every container it runs and stops taking pods; pod objects are left as they are. */
  stop(): Promise<void>;
}

export interface NodeDeps {
  api: ObjectApi;
  logs: PodLogs;
  pods: ResourceType;
  events: ResourceType;
  apiHost: string;
  apiPort: number;
}

export class ProcessNode implements KubeTestNode, PodRunHost {
  readonly name: string;
  readonly logs: PodLogs;
  readonly workRoot: string;
  readonly restartBackoffMs: number;
  readonly maxGracePeriodMs: number;
  readonly launcher: ContainerLauncher | undefined;
  readonly #deps: NodeDeps;
  readonly #options: ProcessNodeOptions;
  readonly #runs = new Map<string, PodRun>();
  #unsubscribe: (() => void) | undefined;

  constructor(deps: NodeDeps, options: ProcessNodeOptions = {}) {
    this.#deps = deps;
    this.#options = options;
    this.name = options.name ?? 'tflyte-node';
    this.logs = deps.logs;
    this.workRoot = options.workRoot ?? tmpdir();
    this.restartBackoffMs = options.restartBackoffMs ?? 100;
    this.maxGracePeriodMs = options.maxGracePeriodMs ?? 2000;
    this.launcher = options.containerLauncher;
  }

  start(): void {
    const { store } = this.#deps.api;
    this.#unsubscribe = store.watch(store.revision, (event) => this.#onEvent(event));
    for (const pod of store.list('pods')) this.#consider(pod);
  }

  #target(run: PodRun): Target {
    return { rt: this.#deps.pods, version: 'v1', namespace: run.namespace };
  }

  #onEvent(event: StoreEvent): void {
    if (event.resource !== 'pods') return;
    const run = this.#runs.get(event.object.metadata.uid);
    if (event.type === 'DELETED') {
      if (run !== undefined) this.#forget(run, true);
      return;
    }
    if (run === undefined) {
      this.#consider(event.object);
      return;
    }
    const meta = event.object.metadata;
    if (meta.deletionTimestamp !== undefined) {
      const graceMs = Math.min((meta.deletionGracePeriodSeconds ?? 0) * 1000, this.maxGracePeriodMs);
      run.terminate(graceMs);
    }
  }

  #consider(pod: StoredObject): void {
    const spec = isPlainObject(pod.spec) ? pod.spec : {};
    const phase = isPlainObject(pod.status) ? pod.status.phase : undefined;
    if (this.#unsubscribe === undefined || this.#runs.has(pod.metadata.uid)) return;
    if (phase !== 'Pending' || pod.metadata.deletionTimestamp !== undefined) return;
    if (spec.nodeName !== undefined && spec.nodeName !== '' && spec.nodeName !== this.name) return;
    if (this.#options.podFilter !== undefined && !this.#options.podFilter(pod)) return;
    // Another node may have bound it while this event was queued: trust only the stored object.
    const current = this.#deps.api.store.get('pods', pod.metadata.namespace ?? '', pod.metadata.name);
    const boundTo = isPlainObject(current?.spec) ? current.spec.nodeName : undefined;
    if (
      current === undefined ||
      current.metadata.uid !== pod.metadata.uid ||
      (boundTo !== undefined && boundTo !== '' && boundTo !== this.name)
    )
      return;
    const run = new PodRun(this, current);
    this.#runs.set(run.uid, run);
    run.start(current);
  }

  #forget(run: PodRun, dropLogs: boolean): void {
    run.abandon();
    this.#runs.delete(run.uid);
    if (dropLogs) this.logs.forget(run.uid);
    void run.done.then(() => (run.dir === undefined ? undefined : rm(run.dir, { recursive: true, force: true })));
  }

  currentPod(run: PodRun): StoredObject | undefined {
    const pod = this.#deps.api.store.get('pods', run.namespace, run.name);
    return pod?.metadata.uid === run.uid ? pod : undefined;
  }

  launchContext(podDir: string): LaunchContext {
    return {
      podDir,
      imageMap: this.#options.imageMap,
      unknownImages: this.#options.unknownImages ?? 'run',
      inheritEnv: this.#options.inheritEnv ?? false,
      launcher: this.launcher,
      apiHost: this.#deps.apiHost,
      apiPort: this.#deps.apiPort,
    };
  }

  /** The binding subresource's effect: spec.nodeName is set (no validation: pods cannot change spec otherwise). */
  bind(run: PodRun): void {
    this.#deps.api.mutate(this.#deps.pods, run.namespace, run.name, (pod) => {
      if (pod.metadata.uid === run.uid && isPlainObject(pod.spec)) pod.spec.nodeName = this.name;
    });
  }

  writeStatus(run: PodRun, status: Record<string, unknown>): void {
    this.#deps.api.mutate(this.#deps.pods, run.namespace, run.name, (pod) => {
      if (pod.metadata.uid !== run.uid) return;
      const qosClass = isPlainObject(pod.status) ? pod.status.qosClass : undefined;
      pod.status = qosClass === undefined ? status : { ...status, qosClass };
    });
  }

  /** The kubelet's final delete once containers are stopped: grace 0, guarded by the pod's uid. */
  completeDeletion(run: PodRun): void {
    const pod = this.currentPod(run);
    if (pod?.metadata.deletionTimestamp === undefined) return;
    try {
      this.#deps.api.delete(this.#target(run), run.name, { gracePeriodSeconds: 0, preconditions: { uid: run.uid } });
    } catch {
      // already gone, or replaced by a new pod of the same name
    }
  }

  recordEvent(run: PodRun, reason: string, message: string, type: 'Normal' | 'Warning' = 'Normal', component = 'kubelet'): void {
    const now = nowTimestamp();
    try {
      this.#deps.api.create(
        { rt: this.#deps.events, version: 'v1', namespace: run.namespace },
        {
          metadata: { name: `${run.name}.${randomBytes(8).toString('hex')}` },
          involvedObject: { kind: 'Pod', namespace: run.namespace, name: run.name, uid: run.uid, apiVersion: 'v1' },
          reason,
          message,
          type,
          source: { component, host: this.name },
          reportingComponent: component,
          reportingInstance: this.name,
          firstTimestamp: now,
          lastTimestamp: now,
          count: 1,
        },
      );
    } catch {
      // events are best effort, as in the kubelet
    }
  }

  podDir(namespace: string, name: string): string | undefined {
    return [...this.#runs.values()].find((r) => r.namespace === namespace && r.name === name)?.dir;
  }

  async stop(): Promise<void> {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    const runs = [...this.#runs.values()];
    for (const run of runs) this.#forget(run, false);
    await Promise.all(runs.map((run) => run.done));
    await Promise.all(runs.map((run) => (run.dir === undefined ? undefined : rm(run.dir, { recursive: true, force: true }))));
  }
}
