import type { LiteralMap } from '@tflyte/idl/core/literals';
import type { TaskTemplate } from '@tflyte/idl/core/tasks';
import { CancelledError } from '../errors.ts';
import type { Backend } from '../plugin/contract.ts';
import type { StateStore } from '../store/state-store.ts';
import type { Clock } from './clock.ts';
import type { EventPayload } from './events.ts';
import type { AttemptFiles } from './memory-attempts.ts';

/** What every node of one `run` or `runArray` call shares, resolved once. */
export interface RunSetup {
  readonly runId: string;
  /** TaskTemplate.id.name, or the task type. */
  readonly task: string;
  readonly template: TaskTemplate;
  readonly backend: Backend;
  /** The caller's cancellation signal, when it gave one. */
  readonly signal: AbortSignal | undefined;
  /** Attempts of in-process backends live in memory (see Backend.inProcess); cache entries always in the store. */
  readonly store: StateStore;
  /** inputs.pb / outputs.pb / error.pb beside each attempt: object storage, or nothing for in-process backends. */
  readonly files: AttemptFiles;
  readonly clock: Clock;
  readonly stateDir: string;
  readonly rawOutputPrefix: string | undefined;
  readonly systemRetries: number;
}

/** One node: the task on one set of inputs. */
export interface RunContext extends RunSetup {
  readonly nodeId: string;
  readonly inputs: LiteralMap;
  readonly emit: (payload: EventPayload) => void;
  /** Whether anyone receives events now: the hot path of small in-process attempts builds none otherwise. */
  readonly listening: () => boolean;
  /**
   * The template's bytes, recorded with the node's attempts (for `abandon`) in the transaction
   * that records each; undefined when it is recorded elsewhere (an array's, at the array node) or
   * not at all (in-process backends).
   */
  readonly templateDocument: (() => Uint8Array) | undefined;
}

/**
 * The one place a node's cancellation is reported: the `cancelled` event, and the CancelledError
 * the run rejects with. `attempt` is the attempt whose job was deleted, when one was live.
 */
export function cancellation(ctx: RunContext, attempt: number | undefined, detail?: string, options?: { cause?: unknown }): CancelledError {
  ctx.emit({ type: 'cancelled', attempt });
  return new CancelledError(ctx.task, detail, options);
}
