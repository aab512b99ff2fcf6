/**
 * The status of an operator's job (Kubeflow's PyTorchJob, TFJob, MPIJob, and others that report
 * `status.conditions` the same way) as a task status, as Flyte's kubeflow plugins read it: the
 * current condition is the newest True one, and its type decides the phase.
 *
 * An operator that has not touched a job long after its creation, or conditions none of which is
 * True, are not the job's failure but a status that cannot be read yet: they throw a retryable
 * SYSTEM BackendError, so the executor reads the status again under its status-check bound (Flyte's
 * round errors) instead of failing the attempt on one observation.
 */
import { BackendError, failed, type LogLink, queued, running, succeeded } from '@tflyte/core';
import type { KubeObject } from '../kube/kube-object.ts';
import type { ResourcePhase } from '../resource-backend.ts';

/** One entry of `status.conditions` (kubeflow's JobCondition). */
export interface JobCondition {
  type?: string;
  /** `True`, `False` or `Unknown`. */
  status?: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
  lastUpdateTime?: string;
}

/** The parts of an operator job (as wire JSON) the mapping reads. */
export interface OperatorJobView extends KubeObject {
  spec?: { runPolicy?: { suspend?: boolean }; [field: string]: unknown };
  status?: { conditions?: JobCondition[]; startTime?: string; [field: string]: unknown };
}

export interface OperatorJobPhaseOptions {
  /**
   * How long after its creation a job may have no `status.startTime` before the operator counts as
   * unresponsive (Flyte's `kf-operator.timeout`). Default 1 min; 0 turns the check off.
   */
  readonly startTimeoutMs?: number;
  /** Log links reported with running and terminal statuses. */
  readonly logs?: readonly LogLink[];
}

/** Failure code of a job whose operator reported it Failed (Flyte's DownstreamSystemError, a USER failure). */
export const JOB_FAILED = 'DownstreamSystemError';
/** Failure code of a job status that cannot be read yet (an unresponsive operator, no current condition). */
export const JOB_STATUS_UNREADABLE = 'OperatorStatusUnreadable';

const time = (text: string | undefined): number => {
  const ms = text === undefined ? Number.NaN : Date.parse(text);
  return Number.isNaN(ms) ? Number.NEGATIVE_INFINITY : ms;
};

const unreadable = (message: string): BackendError =>
  new BackendError({ kind: 'system', retryable: true, code: JOB_STATUS_UNREADABLE, message });

/**
 * The newest True condition (by lastTransitionTime, else lastUpdateTime; of equal times the later
 * entry, as operators append), or undefined when there are no conditions yet. Throws when there are some and none is True.
 */
export function currentCondition(conditions: readonly JobCondition[] | undefined): JobCondition | undefined {
  if (conditions === undefined || conditions.length === 0) return undefined;
  let current: JobCondition | undefined;
  for (const condition of conditions) {
    if (condition.status !== 'True') continue;
    const at = (c: JobCondition) => time(c.lastTransitionTime ?? c.lastUpdateTime);
    if (current === undefined || at(condition) >= at(current)) current = condition;
  }
  if (current === undefined) {
    throw unreadable(`the job has conditions but none is True: ${conditions.map((c) => `${c.type ?? '?'}=${c.status ?? '?'}`).join(', ')}`);
  }
  return current;
}

/** An operator job's phase; see the module comment. Pass `ctx.clock.now()` as `now` (phaseOf does). */
export function operatorJobPhase(job: OperatorJobView, now: number, options: OperatorJobPhaseOptions = {}): ResourcePhase | undefined {
  const logs = options.logs ?? [];
  const details = logs.length > 0 ? { logs } : {};
  const startTimeoutMs = options.startTimeoutMs ?? 60_000;
  const suspended = job.spec?.runPolicy?.suspend === true;
  let recheckAt: number | undefined;
  if (startTimeoutMs > 0 && !suspended && job.status?.startTime === undefined) {
    const created = time(job.metadata?.creationTimestamp);
    if (created !== Number.NEGATIVE_INFINITY) {
      const deadline = created + startTimeoutMs;
      if (now >= deadline) {
        throw unreadable(
          `the operator has not started ${job.kind ?? 'the job'} ${job.metadata?.name ?? ''} since its creation at ${job.metadata?.creationTimestamp ?? ''}: is the operator running in the cluster?`,
        );
      }
      recheckAt = deadline;
    }
  }
  const condition = currentCondition(job.status?.conditions);
  const live = (status: ResourcePhase['status']): ResourcePhase => ({ status, ...(recheckAt === undefined ? {} : { recheckAt }) });
  switch (condition?.type) {
    case undefined:
    case 'Created':
      return live(queued({ message: 'JobCreated' }));
    case 'Suspended':
      return live(queued({ message: 'Suspended' }));
    case 'Running':
    case 'Restarting':
      return live(running({ ...(condition.reason ? { message: condition.reason } : {}), ...details }));
    case 'Succeeded':
      return { status: succeeded(undefined, details) };
    case 'Failed':
      return {
        status: failed(
          {
            kind: 'user',
            retryable: true,
            code: JOB_FAILED,
            message: `Job failed: ${condition.reason ?? ''} - ${condition.message ?? ''}`,
          },
          details,
        ),
      };
    default:
      // A condition type this mapping does not know: the last report stands.
      return undefined;
  }
}
