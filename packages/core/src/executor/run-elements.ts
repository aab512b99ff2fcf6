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

export interface ElementLimits {
  /** Names the task in the error of skipped elements. */
  readonly task: string;
  readonly concurrency: number;
  readonly minSuccesses: number;
  /** Once aborted, no element starts; those left are skipped. */
  readonly signal?: AbortSignal | undefined;
}

/** Runs `run(index)` for each of `count` elements under `limits`; one result per element, in index order. */
export async function runElements(count: number, limits: ElementLimits, run: (index: number) => Promise<LiteralMap>): Promise<ElementResult[]> {
  const { concurrency, minSuccesses, signal } = limits;
  const results = new Array<ElementResult | undefined>(count).fill(undefined);
  let next = 0;
  let failures = 0;
  const worker = async (): Promise<void> => {
    while (next < count && count - failures >= minSuccesses && signal?.aborted !== true) {
      const index = next++;
      try {
        results[index] = { ok: true, outputs: await run(index) };
      } catch (error) {
        failures += 1;
        results[index] = { ok: false, error, skipped: false };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));

  let notStarted: CancelledError | undefined;
  return results.map((result) => {
    if (result !== undefined) return result;
    notStarted ??= new CancelledError(
      limits.task,
      signal?.aborted === true
        ? 'the run was cancelled before this element started'
        : `not started: ${failures} of ${count} elements failed, so ${minSuccesses} could no longer succeed`,
    );
    return { ok: false, error: notStarted, skipped: true };
  });
}
