import { TaskExecution_Phase } from '@tflyte/idl/core/execution';

/** How the executor treats a reported phase. UNDEFINED and numbers outside the enum are `unknown`. */
export type PhaseClass = 'live' | 'succeeded' | 'failed' | 'aborted' | 'unknown';

export function classifyPhase(phase: number): PhaseClass {
  switch (phase) {
    case TaskExecution_Phase.QUEUED:
    case TaskExecution_Phase.WAITING_FOR_RESOURCES:
    case TaskExecution_Phase.INITIALIZING:
    case TaskExecution_Phase.RUNNING:
      return 'live';
    case TaskExecution_Phase.SUCCEEDED:
      return 'succeeded';
    case TaskExecution_Phase.FAILED:
    case TaskExecution_Phase.RETRYABLE_FAILED:
      return 'failed';
    case TaskExecution_Phase.ABORTED:
      return 'aborted';
    default:
      return 'unknown';
  }
}

/** `RUNNING`, or `UNKNOWN(42)` for numbers outside the enum. */
export function phaseName(phase: number): string {
  const name = (TaskExecution_Phase as unknown as Record<number, string | undefined>)[phase];
  return typeof name === 'string' ? name : `UNKNOWN(${phase})`;
}

/** True for the phases that end an attempt: SUCCEEDED, FAILED, RETRYABLE_FAILED and ABORTED. */
export function isTerminalPhase(phase: number): boolean {
  const phaseClass = classifyPhase(phase);
  return phaseClass !== 'live' && phaseClass !== 'unknown';
}
