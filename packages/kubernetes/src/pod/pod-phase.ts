/**
 * A pod's status as a task status, by Flyte's pod plugin tables (flytek8s pod_helper.go
 * DemystifyPending / DemystifyFailure / DemystifySuccess and DeterminePrimaryContainerPhase):
 * - Pending: unschedulable → WAITING_FOR_RESOURCES; image pulls and container creation →
 *   INITIALIZING, failing once their grace period (from the Ready condition's lastTransitionTime,
 *   the kubelet's clock) is over; unknown waiting reasons → SYSTEM retryable.
 * - Failed: node shutdown, evictions, preemption and a SIGKILLed primary (exit 137/247) → SYSTEM
 *   retryable "Interrupted"; OOMKilled → USER retryable; otherwise USER retryable with the reason.
 * - Running: the primary container's exit decides; Succeeded: success unless a container was OOMKilled.
 */
import { failure, initializing, type LogLink, queued, running, succeeded, type TaskStatus, waitingForResources } from '@tflyte/core';
import type { ResourcePhase } from '../resource-backend.ts';
import { allContainerStatuses, type ContainerStatusView, type PodView, PRIMARY_CONTAINER_ANNOTATION } from './pod-view.ts';

export interface PodPhaseOptions {
  /** ImagePullBackOff is tolerated this long. Flyte default 3 min. */
  readonly imagePullBackoffGraceMs: number;
  /** CreateContainerError is tolerated this long. Flyte default 3 min. */
  readonly createContainerErrorGraceMs: number;
  /** CreateContainerConfigError is tolerated this long (e.g. a secret created late). Flyte default 0. */
  readonly createContainerConfigErrorGraceMs: number;
  /** A pod pending this long fails (retryable); 0 turns the limit off (Flyte default). */
  readonly podPendingTimeoutMs: number;
}

export const DEFAULT_POD_PHASE_OPTIONS: PodPhaseOptions = {
  imagePullBackoffGraceMs: 3 * 60_000,
  createContainerErrorGraceMs: 3 * 60_000,
  createContainerConfigErrorGraceMs: 0,
  podPendingTimeoutMs: 0,
};

/** Exit codes of a SIGKILLed container: 128+9, and 247 as some runtimes report it. */
const SIGKILL_EXIT_CODES = new Set([137, 247]);
const OOM_KILLED = 'OOMKilled';
const INTERRUPTED = 'Interrupted';
/** Pod reasons of failures that are the node's doing, not the task's. */
const NODE_REASONS = new Set(['Shutdown', 'Terminated', 'NodeShutdown', 'NodeAffinity', 'Evicted']);

const RUNNING: TaskStatus = running();

export function podPhase(pod: PodView, now: number, options: PodPhaseOptions, logs: readonly LogLink[] = []): ResourcePhase | undefined {
  const status = pod.status ?? {};
  const scheduled = status.phase !== undefined && status.phase !== 'Pending' && status.phase !== 'Unknown';
  const links = scheduled ? logs : [];
  const withLogs = (s: TaskStatus): TaskStatus => (links.length > 0 ? { ...s, logs: links } : s);
  const primary = pod.metadata?.annotations?.[PRIMARY_CONTAINER_ANNOTATION];
  switch (status.phase) {
    case 'Succeeded':
      return { status: withLogs(demystifySuccess(pod)) };
    case 'Failed':
      return { status: withLogs(demystifyFailure(pod, primary)) };
    case 'Pending':
    case undefined:
      return demystifyPending(pod, now, options);
    case 'Unknown':
      // The node stopped reporting; keep the last status until it does again or the pod goes.
      return undefined;
    default: {
      if (primary !== undefined) return { status: withLogs(primaryContainerPhase(pod, primary)) };
      // No primary container: every container must succeed, so the task runs until they all have.
      const all = allContainerStatuses(pod);
      const done = all.length > 0 && all.every((c) => c.state?.terminated?.exitCode === 0);
      return { status: withLogs(done ? succeeded() : RUNNING) };
    }
  }
}

function exitLine(c: ContainerStatusView): string {
  const t = c.state?.terminated;
  if (t === undefined) return '';
  if (t.exitCode === 0) return `\n[${c.name}] terminated with ExitCode 0.`;
  return `\n[${c.name}] terminated with exit code (${t.exitCode}). Reason [${t.reason ?? ''}]. Message: \n${t.message ?? ''}.`;
}

function demystifySuccess(pod: PodView): TaskStatus {
  const oom = allContainerStatuses(pod).find((c) => c.state?.terminated?.reason?.includes(OOM_KILLED));
  if (oom !== undefined) return failure('user', true, OOM_KILLED, `Pod reported success despite being OOMKilled${exitLine(oom)}`);
  return succeeded();
}

function demystifyFailure(pod: PodView, primary: string | undefined): TaskStatus {
  const status = pod.status ?? {};
  let code = status.reason || 'UnknownError';
  let message = status.message || 'Pod failed. No message received from kubernetes.';
  // The node's doing (shutdown, eviction, preemption), not the task's.
  let interrupted = NODE_REASONS.has(code) || (status.conditions ?? []).some((c) => c.type === 'DisruptionTarget' && c.status === 'True');
  for (const c of allContainerStatuses(pod)) {
    const t = c.state?.terminated;
    if (t === undefined) continue;
    if (t.reason?.includes(OOM_KILLED)) code = OOM_KILLED;
    // Nodes that go away SIGKILL what runs on them.
    else if (SIGKILL_EXIT_CODES.has(t.exitCode) && (primary === undefined || c.name === primary)) interrupted = true;
    message += exitLine(c);
  }
  if (interrupted) return failure('system', true, INTERRUPTED, message);
  // Deliberately beyond Flyte: a primary container that failed on its own decides, as it does while the
  // pod is Running, so the result does not depend on which of the two updates the watch delivered.
  const own = primary === undefined ? undefined : status.containerStatuses?.find((c) => c.name === primary)?.state?.terminated;
  if (code === 'UnknownError' && own !== undefined && own.exitCode !== 0) code = own.reason || 'Error';
  // Nothing recorded why: the kubelet had no chance to, as when its node vanished.
  if (code === 'UnknownError') return failure('system', true, code, message);
  return failure('user', true, code, message);
}

function primaryContainerPhase(pod: PodView, primary: string): TaskStatus {
  const c = pod.status?.containerStatuses?.find((s) => s.name === primary);
  if (c === undefined || c.state === undefined || c.state.waiting !== undefined || c.state.running !== undefined) {
    const declared = (pod.spec?.containers ?? []).some((x) => x.name === primary);
    if (c === undefined && !declared) {
      return failure('user', false, 'PrimaryContainerNotFound', `Primary container [${primary}] not found in pod's container statuses`);
    }
    return RUNNING;
  }
  const t = c.state.terminated;
  if (t === undefined) return RUNNING;
  const message = exitLine(c).trimStart();
  if (t.reason?.includes(OOM_KILLED)) return failure('user', true, OOM_KILLED, message);
  if (SIGKILL_EXIT_CODES.has(t.exitCode)) return failure('system', true, INTERRUPTED, message);
  if (t.exitCode !== 0) return failure('user', true, t.reason || 'Error', message);
  return succeeded();
}

function demystifyPending(pod: PodView, now: number, options: PodPhaseOptions): ResourcePhase {
  const { phase, since } = pendingPhase(pod, now, options);
  if (phase !== undefined && phase.status.failure !== undefined) return phase;
  const reason = phase?.status.message ?? 'Scheduling';
  if (options.podPendingTimeoutMs > 0) {
    const deadline = since + options.podPendingTimeoutMs;
    if (now >= deadline) return { status: failure('user', true, 'PodPendingTimeout', reason) };
    const recheckAt = phase?.recheckAt === undefined ? deadline : Math.min(phase.recheckAt, deadline);
    return { status: phase?.status ?? queued({ message: reason }), recheckAt };
  }
  return phase ?? { status: queued({ message: reason }) };
}

function graceExceeded(gracePeriodMs: number, message: string): string {
  return `Grace period [${formatMs(gracePeriodMs)}] exceeded|${message}`;
}

/** Go's Duration text for whole seconds or milliseconds (`3m0s`, `500ms`). */
function formatMs(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const s = ms / 1000;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = Number((s % 60).toFixed(3));
  return `${h > 0 ? `${h}h` : ''}${h > 0 || m > 0 ? `${m}m` : ''}${rest}s`;
}

/** DemystifyPending's helper: the phase for a Pending pod, and the time its pending state is measured from. */
function pendingPhase(pod: PodView, now: number, options: PodPhaseOptions): { phase: ResourcePhase | undefined; since: number } {
  const status = pod.status ?? {};
  let since = now;
  for (const condition of status.conditions ?? []) {
    const at = condition.lastTransitionTime === undefined ? Number.NaN : Date.parse(condition.lastTransitionTime);
    since = Number.isNaN(at) ? now : at;
    if (condition.type === 'PodScheduled' && condition.status === 'False') {
      const message = `${condition.reason ?? ''}:${condition.message ?? ''}`;
      // Unschedulable means the cluster lacks the resources for now: waiting, not queued behind other work.
      const reported = condition.reason === 'Unschedulable' ? waitingForResources({ message }) : queued({ message });
      return { phase: { status: reported }, since };
    }
    if (condition.type !== 'Ready' || condition.status !== 'False') continue;
    for (const c of status.containerStatuses ?? []) {
      const waiting = c.ready === true ? undefined : c.state?.waiting;
      if (waiting === undefined) continue;
      const reason = waiting.reason ?? '';
      const finalReason = `${condition.reason ?? ''}|${reason}`;
      const finalMessage = `${condition.message ?? ''}|${waiting.message ?? ''}`;
      const starting = (recheckAt?: number): ResourcePhase => ({
        status: initializing({ message: `[${finalReason}]: ${finalMessage}` }),
        ...(recheckAt === undefined ? {} : { recheckAt }),
      });
      const withGrace = (graceMs: number, fail: (message: string) => TaskStatus): ResourcePhase =>
        now - since >= graceMs ? { status: fail(graceExceeded(graceMs, finalMessage)) } : starting(since + graceMs);
      switch (reason) {
        case 'ErrImagePull':
        case 'ContainerCreating':
        case 'PodInitializing':
          return { phase: starting(), since };
        case 'CreateContainerError':
          return { phase: withGrace(options.createContainerErrorGraceMs, (m) => failure('user', false, finalReason, m)), since };
        case 'CreateContainerConfigError':
          return { phase: withGrace(options.createContainerConfigErrorGraceMs, (m) => failure('user', false, finalReason, m)), since };
        case 'InvalidImageName':
          return { phase: { status: failure('user', false, finalReason, finalMessage) }, since };
        case 'ImagePullBackOff':
          return { phase: withGrace(options.imagePullBackoffGraceMs, (m) => failure('user', true, finalReason, m)), since };
        default:
          // A waiting reason nothing above expects would otherwise leave the task queued forever.
          return { phase: { status: failure('system', true, finalReason, finalMessage) }, since };
      }
    }
  }
  return { phase: undefined, since };
}
