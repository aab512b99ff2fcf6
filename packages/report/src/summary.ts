/** One line's worth of a run, as `tflyte runs` lists it: what ran, how it ended, how long, how much work. */
import type { RunView } from './view.ts';

export interface RunSummary {
  readonly runId: string;
  readonly task: string;
  readonly status: string;
  readonly startedAt: string;
  readonly durationMs: number;
  readonly nodes: number;
  /** Every attempt of every node, map elements included. */
  readonly attempts: number;
  /** Nodes and map elements served from the cache. */
  readonly cacheHits: number;
  /** False when the run was recorded without history: attempts and cache hits count persisted jobs only. */
  readonly hasHistory: boolean;
}

export function summarizeRun(view: RunView): RunSummary {
  let attempts = 0;
  let cacheHits = 0;
  for (const n of view.nodes) {
    attempts += n.attempts.length + (n.map?.attempts ?? 0);
    cacheHits += n.map === undefined ? (n.outcome === 'cached' ? 1 : 0) : n.map.counts.cached;
  }
  return {
    runId: view.runId,
    task: view.entity,
    status: view.status,
    startedAt: new Date(view.start).toISOString(),
    durationMs: view.end - view.start,
    nodes: view.nodes.length,
    attempts,
    cacheHits,
    hasHistory: view.hasHistory,
  };
}
