/**
 * A PyTorchJob's status → the attempt's status, by Flyte's kfoperators table: the newest True
 * condition decides (Created → queued, Running/Restarting → running, Succeeded, Failed → a retryable
 * USER failure, Suspended → queued). A job the operator has not started within `operatorTimeoutMs`
 * of its creation (and that is not suspended) fails as a retryable SYSTEM error: the operator is
 * missing or stuck.
 */
import { type LogLink, type TaskStatus, failure, queued, running, succeeded } from '@tflyte/core';
import type { ResourcePhase } from '@tflyte/kubernetes';
import type { JobConditionView, PyTorchJobView } from './pytorch-job.ts';

/** Flyte's `plugins.kf-operator.timeout`. */
export const DEFAULT_OPERATOR_TIMEOUT_MS = 60_000;

const time = (text: string | undefined): number => (text === undefined ? Number.NaN : Date.parse(text));

/** The newest True condition (by transition time; the later one in the list on a tie), or undefined. */
export function currentCondition(conditions: readonly JobConditionView[]): JobConditionView | undefined {
  let newest: JobConditionView | undefined;
  for (const condition of conditions) {
    if (condition.status !== 'True') continue;
    const at = time(condition.lastTransitionTime ?? condition.lastUpdateTime);
    const best = time(newest?.lastTransitionTime ?? newest?.lastUpdateTime);
    if (newest === undefined || !(at < best)) newest = condition;
  }
  return newest;
}

export function pytorchJobPhase(job: PyTorchJobView, now: number, logs: readonly LogLink[], operatorTimeoutMs = DEFAULT_OPERATOR_TIMEOUT_MS): ResourcePhase {
  const status = job.status ?? {};
  const suspended = job.spec?.runPolicy?.suspend === true;
  const created = time(job.metadata?.creationTimestamp);
  let recheckAt: number | undefined;
  if (!suspended && status.startTime === undefined && !Number.isNaN(created)) {
    const deadline = created + operatorTimeoutMs;
    if (now > deadline) {
      const message = `the training operator has not started PyTorchJob ${job.metadata?.name ?? ''} within ${operatorTimeoutMs / 1000} s of its creation (${job.metadata?.creationTimestamp}): is the kubeflow training operator installed and running?`;
      return { status: failure('system', true, 'OperatorTimeout', message) };
    }
    // Nothing else may change the job if the operator is missing: look again when the timeout is due.
    recheckAt = deadline + 1;
  }
  const conditions = status.conditions ?? [];
  const current = currentCondition(conditions);
  if (conditions.length > 0 && current === undefined) {
    return { status: failure('system', true, 'NoActiveCondition', `PyTorchJob ${job.metadata?.name ?? ''} has conditions but none of them is True`) };
  }
  const result = current === undefined ? queued({ message: 'JobCreated' }) : statusOf(current, logs);
  return recheckAt === undefined ? { status: result } : { status: result, recheckAt };
}

function statusOf(condition: JobConditionView, logs: readonly LogLink[]): TaskStatus {
  switch (condition.type) {
    case 'Created':
      return queued({ message: 'JobCreated' });
    case 'Running':
    case 'Restarting':
      return running({ message: condition.reason ?? condition.type, logs });
    case 'Succeeded':
      return succeeded(undefined, { logs });
    case 'Failed':
      return { ...failure('user', true, 'DownstreamSystemError', `Job failed: ${condition.reason ?? ''} - ${condition.message ?? ''}`), logs };
    case 'Suspended':
      return queued({ message: 'Suspended' });
    default:
      return queued({ message: condition.type ?? 'JobCreated' });
  }
}
