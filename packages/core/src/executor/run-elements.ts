/**
 * The scheduling of an array run (Flyte's ArrayNode): elements start in index order with at most
 * `concurrency` in flight, and none starts once failures have made `minSuccesses` unreachable.
 * Shared by the executor's runArray and by runners that only have runTask.
 */
import type { LiteralMap } from '@tflyte/idl/core/literals';
import { CancelledError } from '../errors.ts';

/** What became of one element of an array run. */
export type ElementResult =
  | { readonly ok: true; readonly outputs: LiteralMap }
  /** `skipped`: never started, because failures had made `minSuccesses` unreachable or the run was cancelled. */
  | { readonly ok: false; readonly error: unknown; readonly skipped: boolean };

/**
 * The elements of an array run, read by index as each one starts. An array is one; a map task
 * passes a view that builds element i's inputs from its input collections only when i starts, so
 * a million-element map never holds a million input maps.
 */
export interface ArrayElements {
  readonly length: number;
  at(index: number): LiteralMap | undefined;
}

/**
 * Receives each element's result as it ends (skipped ones at the end, in index order). With a sink
 * the run keeps no per-element state: the caller stores what it needs (a map task: the output literal).
 */
export type ElementSink = (index: number, result: ElementResult) => void;

export interface ElementLimits {
  /** Names the task in the error of skipped elements. */
  readonly task: string;
  readonly concurrency: number;
  readonly minSuccesses: number;
  /** Once aborted, no element starts; those left are skipped. */
  readonly signal?: AbortSignal | undefined;
  /** When given, results go here and the run resolves with an empty array. */
  readonly onResult?: ElementSink | undefined;
}

/** Runs `run(index)` for each of `count` elements under `limits`; one result per element, in index order (or to `onResult`). */
export async function runElements(
  count: number,
  limits: ElementLimits,
  run: (index: number) => Promise<LiteralMap>,
): Promise<ElementResult[]> {
  const { concurrency, minSuccesses, signal } = limits;
  const results: ElementResult[] = limits.onResult === undefined ? new Array<ElementResult>(count) : [];
  const deliver: ElementSink =
    limits.onResult ??
    ((index, result) => {
      results[index] = result;
    });
  let next = 0;
  let failures = 0;
  const worker = async (): Promise<void> => {
    while (next < count && count - failures >= minSuccesses && signal?.aborted !== true) {
      const index = next++;
      let result: ElementResult;
      try {
        result = { ok: true, outputs: await run(index) };
      } catch (error) {
        failures += 1;
        result = { ok: false, error, skipped: false };
      }
      deliver(index, result);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));

  // Elements start in index order, so those never started are exactly the ones from `next` on.
  if (next < count) {
    const notStarted = new CancelledError(
      limits.task,
      signal?.aborted === true
        ? 'the run was cancelled before this element started'
        : `not started: ${failures} of ${count} elements failed, so ${minSuccesses} could no longer succeed`,
    );
    const skipped: ElementResult = { ok: false, error: notStarted, skipped: true };
    for (let index = next; index < count; index++) deliver(index, skipped);
  }
  return results;
}
