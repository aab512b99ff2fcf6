/**
 * One pod on the process node, from binding to its last status write: runs init containers in order, then the
 * main containers, applies the restart policy and activeDeadlineSeconds, stops containers gracefully when the
 * pod is deleted, and composes the status a kubelet would report at each step.
 */
import { mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import { type ContainerLauncher, ContainerProcess, type Exit, type LaunchContext, resolveContainer } from './container-process.ts';
import type { PodLogs } from './pod-logs.ts';
import { isPlainObject, nowTimestamp, type StoredObject } from './types.ts';

/** What a pod run needs from its node. */
export interface PodRunHost {
  readonly name: string;
  readonly workRoot: string;
  readonly restartBackoffMs: number;
  readonly maxGracePeriodMs: number;
  readonly logs: PodLogs;
  currentPod(run: PodRun): StoredObject | undefined;
  launchContext(podDir: string): LaunchContext;
  /** Runs containers of images the image map does not name (container mode). */
  readonly launcher: ContainerLauncher | undefined;
  /** Sets spec.nodeName, as the binding subresource would. */
  bind(run: PodRun): void;
  writeStatus(run: PodRun, status: Record<string, unknown>): void;
  /** Finishes a pending deletion once the containers are stopped. */
  completeDeletion(run: PodRun): void;
  recordEvent(run: PodRun, reason: string, message: string, type?: 'Normal' | 'Warning', component?: string): void;
}

interface Terminated {
  exitCode: number;
  reason: string;
  message?: string;
  startedAt: string;
  finishedAt: string;
  containerID: string;
}

type ContainerStateValue =
  | { waiting: { reason: string; message?: string } }
  | { running: { startedAt: string } }
  | { terminated: Terminated };

interface ContainerRun {
  spec: Record<string, unknown>;
  name: string;
  init: boolean;
  state: ContainerStateValue;
  lastState: ContainerStateValue | Record<string, never>;
  restartCount: number;
  process: Running | undefined;
  containerID: string | undefined;
}

interface Condition {
  status: 'True' | 'False';
  reason?: string;
  lastTransitionTime: string;
}

/** A started container: a local process, or one a launcher runs. */
interface Running {
  readonly id: string;
  readonly exited: Promise<Exit>;
  terminate(graceMs: number): void;
  kill(): void;
}

const CONDITION_ORDER = ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled'];

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export class PodRun {
  readonly uid: string;
  readonly namespace: string;
  readonly name: string;
  dir: string | undefined;
  readonly #node: PodRunHost;
  readonly #containers: ContainerRun[];
  readonly #conditions = new Map<string, Condition>();
  #phase = 'Pending';
  #reason: string | undefined;
  #message: string | undefined;
  #startTime: string | undefined;
  #deadline: NodeJS.Timeout | undefined;
  /** Set when the pod is being deleted (graceful) or the node stops. */
  #stopping = false;
  /** Set when the pod object is gone: nothing may be written any more. */
  #gone = false;
  done: Promise<void> = Promise.resolve();
  /** Resolvers of waits that end when the pod is stopped (a container that can never start). */
  #untilStopped: (() => void)[] = [];

  constructor(node: PodRunHost, pod: StoredObject) {
    this.#node = node;
    this.uid = pod.metadata.uid;
    this.namespace = pod.metadata.namespace ?? '';
    this.name = pod.metadata.name;
    const spec = pod.spec as Record<string, unknown>;
    const list = (key: string, init: boolean): ContainerRun[] =>
      (Array.isArray(spec[key]) ? (spec[key] as unknown[]).filter(isPlainObject) : []).map((c) => ({
        spec: c,
        name: String(c.name),
        init,
        state: { waiting: { reason: init ? 'PodInitializing' : 'ContainerCreating' } },
        lastState: {},
        restartCount: 0,
        process: undefined,
        containerID: undefined,
      }));
    this.#containers = [...list('initContainers', true), ...list('containers', false)];
  }

  /** Separate from the constructor so the node has registered the run before its first write is seen. */
  start(pod: StoredObject): void {
    this.done = this.#run(pod).catch((error: unknown) => {
      this.#phase = 'Failed';
      this.#reason = 'NodeError';
      this.#message = `process node failed: ${String(error)}`;
      this.#write();
    });
  }

  get #restartPolicy(): string {
    const pod = this.#node.currentPod(this);
    return String((pod?.spec as Record<string, unknown> | undefined)?.restartPolicy ?? 'Always');
  }

  #setCondition(type: string, status: 'True' | 'False', reason?: string): void {
    const current = this.#conditions.get(type);
    if (current?.status === status && current.reason === reason) return;
    const next: Condition = { status, lastTransitionTime: current?.status === status ? current.lastTransitionTime : nowTimestamp() };
    if (reason !== undefined) next.reason = reason;
    this.#conditions.set(type, next);
  }

  #containerStatus(c: ContainerRun): Record<string, unknown> {
    const status: Record<string, unknown> = {
      name: c.name,
      state: c.state,
      lastState: c.lastState,
      ready: 'running' in c.state,
      restartCount: c.restartCount,
      image: String(c.spec.image ?? ''),
      imageID: '',
      started: 'running' in c.state,
    };
    if (c.containerID !== undefined) status.containerID = c.containerID;
    return status;
  }

  #statusObject(): Record<string, unknown> {
    const status: Record<string, unknown> = {
      phase: this.#phase,
      conditions: CONDITION_ORDER.filter((t) => this.#conditions.has(t)).map((type) => ({ type, ...this.#conditions.get(type) })),
      hostIP: '127.0.0.1',
      hostIPs: [{ ip: '127.0.0.1' }],
      podIP: '127.0.0.1',
      podIPs: [{ ip: '127.0.0.1' }],
    };
    if (this.#startTime !== undefined) status.startTime = this.#startTime;
    const inits = this.#containers.filter((c) => c.init);
    if (inits.length > 0) status.initContainerStatuses = inits.map((c) => this.#containerStatus(c));
    status.containerStatuses = this.#containers.filter((c) => !c.init).map((c) => this.#containerStatus(c));
    if (this.#reason !== undefined) status.reason = this.#reason;
    if (this.#message !== undefined) status.message = this.#message;
    return status;
  }

  #write(): void {
    if (this.#gone) return;
    this.#node.writeStatus(this, this.#statusObject());
  }

  async #run(pod: StoredObject): Promise<void> {
    this.#setCondition('PodScheduled', 'True');
    this.#node.bind(this);
    this.#node.recordEvent(
      this,
      'Scheduled',
      `Successfully assigned ${this.namespace}/${this.name} to ${this.#node.name}`,
      'Normal',
      'default-scheduler',
    );
    this.dir = await mkdtemp(join(this.#node.workRoot, `tflyte-pod-${this.name}-`));
    if (this.#stopping || this.#gone) return this.#finishStopped();
    this.#startTime = nowTimestamp();
    this.#setCondition('PodReadyToStartContainers', 'True');
    const hasInit = this.#containers.some((c) => c.init);
    this.#setCondition('Initialized', hasInit ? 'False' : 'True', hasInit ? 'ContainersNotInitialized' : undefined);
    this.#setCondition('Ready', 'False', 'ContainersNotReady');
    this.#setCondition('ContainersReady', 'False', 'ContainersNotReady');
    this.#write();
    const deadline = (pod.spec as Record<string, unknown>).activeDeadlineSeconds;
    if (typeof deadline === 'number') this.#deadline = setTimeout(() => this.#deadlineExceeded(), deadline * 1000);

    for (const c of this.#containers.filter((x) => x.init)) {
      const ok = await this.#runToCompletion(c);
      if (this.#stopping || this.#gone) return this.#finishStopped();
      if (!ok) return this.#finish('Failed');
    }
    this.#setCondition('Initialized', 'True');
    const mains = this.#containers.filter((c) => !c.init);
    const results = await Promise.all(mains.map((c) => this.#runToCompletion(c)));
    if (this.#stopping || this.#gone) return this.#finishStopped();
    this.#finish(results.every(Boolean) ? 'Succeeded' : 'Failed');
  }

  /** Runs a container, restarting it per restartPolicy; resolves true when it finally exited 0. */
  async #runToCompletion(c: ContainerRun): Promise<boolean> {
    for (;;) {
      const exit = await this.#runOnce(c);
      if (exit === undefined || this.#stopping || this.#gone) return false;
      const policy = this.#restartPolicy;
      const restart = c.init
        ? policy !== 'Never' && exit.exitCode !== 0
        : policy === 'Always' || (policy === 'OnFailure' && exit.exitCode !== 0);
      if (!restart) return exit.exitCode === 0;
      c.lastState = c.state;
      c.state = { waiting: { reason: 'CrashLoopBackOff', message: `back-off restarting failed container ${c.name} in pod ${this.name}` } };
      this.#updateReadiness();
      this.#write();
      this.#node.recordEvent(
        this,
        'BackOff',
        `Back-off restarting failed container ${c.name} in pod ${this.name}_${this.namespace}(${this.uid})`,
        'Warning',
      );
      await delay(this.#node.restartBackoffMs);
      if (this.#stopping || this.#gone) return false;
      c.restartCount++;
      this.#node.logs.restart(this.uid, c.name);
    }
  }

  /** Starts the container and waits for it; undefined when it could not be started (the pod stays Pending). */
  async #runOnce(c: ContainerRun): Promise<Exit | undefined> {
    const current = this.#node.currentPod(this);
    if (current === undefined || this.dir === undefined) return undefined;
    const resolution = resolveContainer(current, c.spec, this.#node.launchContext(this.dir));
    if (!resolution.ok) {
      c.state = { waiting: { reason: resolution.reason, message: resolution.message } };
      this.#write();
      this.#node.recordEvent(this, 'Failed', `Error: ${resolution.message}`, 'Warning');
      if (resolution.reason === 'ErrImagePull') {
        await delay(this.#node.restartBackoffMs);
        if (this.#stopping || this.#gone) return undefined;
        c.state = { waiting: { reason: 'ImagePullBackOff', message: `Back-off pulling image "${String(c.spec.image)}"` } };
        this.#write();
      }
      // Like a kubelet that cannot start a container: the pod waits here until it is deleted.
      await new Promise<void>((resolve) => this.#untilStopped.push(resolve));
      return undefined;
    }
    const startedAt = nowTimestamp();
    this.#node.logs.append(this.uid, c.name, '');
    const onOutput = (chunk: string): void => this.#node.logs.append(this.uid, c.name, chunk);
    let proc: Running;
    if ('container' in resolution) {
      const launched = this.#node.launcher!.launch(resolution.container, onOutput);
      proc = {
        id: launched.id,
        exited: launched.exited.then((e) => ({ exitCode: e.exitCode, signal: undefined, startError: e.startError })),
        terminate: (graceMs) => launched.terminate(graceMs),
        kill: () => launched.kill(),
      };
    } else {
      proc = new ContainerProcess(resolution.launch, onOutput);
    }
    c.process = proc;
    c.containerID = proc.id;
    c.state = { running: { startedAt } };
    if (!c.init) this.#phase = 'Running';
    this.#updateReadiness();
    this.#write();
    this.#node.recordEvent(this, 'Started', `Started container ${c.name}`);
    const exit = await proc.exited;
    c.process = undefined;
    this.#node.logs.finish(this.uid, c.name);
    const terminated: Terminated = {
      exitCode: exit.exitCode,
      reason: exit.startError !== undefined ? 'StartError' : exit.exitCode === 0 ? 'Completed' : 'Error',
      startedAt,
      finishedAt: nowTimestamp(),
      containerID: c.containerID,
    };
    if (exit.startError !== undefined) terminated.message = exit.startError;
    c.state = { terminated };
    this.#updateReadiness();
    if (!this.#stopping) this.#write();
    return exit;
  }

  #updateReadiness(): void {
    const mains = this.#containers.filter((c) => !c.init);
    const ready = mains.length > 0 && mains.every((c) => 'running' in c.state);
    this.#setCondition('ContainersReady', ready ? 'True' : 'False', ready ? undefined : 'ContainersNotReady');
    this.#setCondition('Ready', ready ? 'True' : 'False', ready ? undefined : 'ContainersNotReady');
  }

  #finish(phase: 'Succeeded' | 'Failed'): void {
    clearTimeout(this.#deadline);
    this.#phase = phase;
    this.#setCondition('PodReadyToStartContainers', 'False');
    this.#setCondition('ContainersReady', 'False', 'PodCompleted');
    this.#setCondition('Ready', 'False', 'PodCompleted');
    this.#write();
  }

  /** After a stop: record the final state, then (if the pod is being deleted) complete the deletion. */
  #finishStopped(): void {
    clearTimeout(this.#deadline);
    if (this.#gone) return;
    const mains = this.#containers.filter((c) => !c.init);
    const allZero = mains.length > 0 && mains.every((c) => 'terminated' in c.state && c.state.terminated.exitCode === 0);
    this.#finish(allZero && this.#reason !== 'DeadlineExceeded' ? 'Succeeded' : 'Failed');
    this.#node.completeDeletion(this);
  }

  #deadlineExceeded(): void {
    if (this.#stopping || this.#gone) return;
    this.#reason = 'DeadlineExceeded';
    this.#message = 'Pod was active on the node longer than the specified deadline';
    this.#node.recordEvent(this, 'DeadlineExceeded', this.#message, 'Normal');
    this.#stopAll(this.#node.maxGracePeriodMs);
  }

  #stopAll(graceMs: number): void {
    this.#stopping = true;
    for (const c of this.#containers) {
      if (c.process !== undefined) {
        this.#node.recordEvent(this, 'Killing', `Stopping container ${c.name}`);
        c.process.terminate(graceMs);
      }
    }
    this.#releaseWaiters();
  }

  #releaseWaiters(): void {
    for (const resolve of this.#untilStopped.splice(0)) resolve();
  }

  /** The pod got a deletionTimestamp: stop containers gracefully; #run then finishes the deletion. */
  terminate(graceMs: number): void {
    if (this.#stopping) return;
    this.#stopAll(graceMs);
  }

  /** The pod object is gone (or the node stops): kill at once and write nothing more. */
  abandon(): void {
    this.#gone = true;
    this.#stopping = true;
    clearTimeout(this.#deadline);
    for (const c of this.#containers) c.process?.kill();
    this.#releaseWaiters();
  }
}
