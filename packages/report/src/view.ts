/**
 * What a report shows of one run, computed from its history (or, for a run recorded without one,
 * from the attempts the state store kept): nodes with their attempts on one clock, map nodes with
 * per-element outcomes, data edges between nodes, inputs, outputs, errors, log links and decks.
 */
import type { DeckRecord, ExecutorEvent, FailureKind, JsonValue, LogLink, RunRecord, StateStore } from '@tflyte/core';
import type { RunHistory } from './history.ts';

export type Outcome = 'succeeded' | 'failed' | 'cached' | 'running' | 'cancelled' | 'pending';

export interface ErrorView {
  readonly kind: FailureKind;
  readonly code: string;
  readonly message: string;
}

export interface AttemptView {
  readonly attempt: number;
  readonly backend: string;
  readonly start: number;
  /** When the backend first reported RUNNING; before that the attempt was queued. */
  readonly runningAt: number | undefined;
  readonly end: number | undefined;
  readonly outcome: Outcome;
  readonly error: ErrorView | undefined;
}

export interface MapView {
  readonly total: number;
  readonly counts: Readonly<Record<Outcome, number>>;
  /** One outcome per element, in element order. */
  readonly outcomes: readonly Outcome[];
  /** Elements that needed more than one attempt. */
  readonly retried: number;
  /** Attempts of all elements together (a cache hit takes none). */
  readonly attempts: number;
  /** Elements that failed for good, grouped by kind and code, most frequent first. */
  readonly failures: readonly MapFailureView[];
}

export interface MapFailureView extends ErrorView {
  /** Elements that failed this way; `message` is the first one's. */
  readonly count: number;
  readonly firstElement: number;
}

export interface NodeView {
  readonly nodeId: string;
  readonly task: string;
  readonly taskType: string | undefined;
  readonly outcome: Outcome;
  readonly start: number | undefined;
  readonly end: number | undefined;
  readonly attempts: readonly AttemptView[];
  readonly map: MapView | undefined;
  readonly inputs: Readonly<Record<string, JsonValue>> | undefined;
  readonly outputs: Readonly<Record<string, JsonValue>> | undefined;
  readonly error: ErrorView | undefined;
  readonly logs: readonly LogLink[];
  readonly decks: readonly DeckRecord[];
}

export interface RunView {
  readonly runId: string;
  readonly entity: string;
  readonly status: string;
  readonly createdAt: number;
  readonly updatedAt: number;
  /** False when the run was recorded without history: only persisted attempts are known. */
  readonly hasHistory: boolean;
  readonly nodes: readonly NodeView[];
  /** [producer, consumer] node ids: a consumer took a value the producer returned. */
  readonly edges: readonly (readonly [string, string])[];
  readonly start: number;
  readonly end: number;
}

const ELEMENT = /^(n\d+)-(\d+)$/;

interface Acc {
  nodeId: string;
  task: string;
  taskType: string | undefined;
  outcome: Outcome;
  start: number | undefined;
  end: number | undefined;
  attempts: Map<
    number,
    { attempt: number; backend: string; start: number; runningAt?: number; end?: number; outcome: Outcome; error?: ErrorView }
  >;
  error: ErrorView | undefined;
  logs: Map<string, LogLink>;
}

export function buildRunView(run: RunRecord, history: RunHistory | undefined, store: StateStore | undefined): RunView {
  const acc = new Map<string, Acc>();
  const node = (nodeId: string, task: string): Acc => {
    let a = acc.get(nodeId);
    if (a === undefined)
      acc.set(
        nodeId,
        (a = {
          nodeId,
          task,
          taskType: undefined,
          outcome: 'pending',
          start: undefined,
          end: undefined,
          attempts: new Map(),
          error: undefined,
          logs: new Map(),
        }),
      );
    return a;
  };
  for (const event of history?.events ?? []) apply(node(event.nodeId, event.task), event);
  if (history === undefined && store !== undefined) {
    for (const a of store
      .listAttemptsByStatus(['creating', 'running', 'succeeded', 'failed', 'aborted'])
      .filter((a) => a.runId === run.runId)) {
      const n = node(a.nodeId, a.taskName);
      n.taskType = a.taskType;
      const outcome: Outcome =
        a.status === 'succeeded' ? 'succeeded' : a.status === 'failed' ? 'failed' : a.status === 'aborted' ? 'cancelled' : 'running';
      const error = a.failure && { kind: a.failure.kind, code: a.failure.code, message: a.failure.message };
      n.attempts.set(a.attempt, {
        attempt: a.attempt,
        backend: a.backend,
        start: a.createdAt,
        ...(a.endedAt === undefined ? {} : { end: a.endedAt }),
        outcome,
        ...(error ? { error } : {}),
      });
      n.start = Math.min(n.start ?? a.createdAt, a.createdAt);
      n.end = Math.max(n.end ?? 0, a.endedAt ?? a.updatedAt);
      n.outcome = outcome;
      if (error) n.error = error;
    }
  }

  const calls = new Map((history?.nodes ?? []).map((c) => [c.nodeId, c]));
  const elementsOf = new Map<string, Acc[]>();
  const top: Acc[] = [];
  for (const a of acc.values()) {
    const m = ELEMENT.exec(a.nodeId);
    if (m !== null && (calls.get(m[1]!)?.elements !== undefined || !acc.has(m[1]!))) {
      const list = elementsOf.get(m[1]!) ?? [];
      list[Number(m[2])] = a;
      elementsOf.set(m[1]!, list);
    } else top.push(a);
  }
  for (const [parent, list] of elementsOf) {
    if (!acc.has(parent)) top.push(node(parent, list.find(Boolean)?.task ?? parent));
  }
  for (const c of calls.values()) if (!acc.has(c.nodeId)) top.push(node(c.nodeId, c.task));

  const nodes: NodeView[] = top
    .sort((x, y) => Number(x.nodeId.slice(1)) - Number(y.nodeId.slice(1)))
    .map((a) => {
      const call = calls.get(a.nodeId);
      const elements = elementsOf.get(a.nodeId);
      const map =
        call?.elements !== undefined || elements !== undefined ? mapView(call?.elements ?? elements!.length, elements ?? []) : undefined;
      const start = min([a.start, call?.calledAt, ...(elements ?? []).map((e) => e?.start)]);
      const end = max([a.end, call?.endedAt, ...(elements ?? []).map((e) => e?.end)]);
      const outcome =
        map !== undefined
          ? mapOutcome(map, call)
          : a.outcome === 'pending' && call !== undefined
            ? call.error
              ? 'failed'
              : 'succeeded'
            : a.outcome;
      const firstElementError = elements?.find((e) => e?.error !== undefined)?.error;
      return {
        nodeId: a.nodeId,
        task: call?.task ?? a.task,
        taskType: call?.taskType ?? a.taskType,
        outcome,
        start,
        end,
        attempts: [...a.attempts.values()].sort((x, y) => x.attempt - y.attempt).map(attemptView),
        map,
        inputs: call?.inputs,
        outputs: call?.outputs,
        error: a.error ?? firstElementError ?? (call?.error ? { kind: 'user' as const, code: 'ERROR', message: call.error } : undefined),
        logs: [...a.logs.values(), ...(elements ?? []).flatMap((e) => (e ? [...e.logs.values()] : [])).slice(0, 20)],
        decks: call?.decks ?? [],
      };
    });

  const producers = new Map<string, string>();
  const edges: [string, string][] = [];
  for (const c of history?.nodes ?? []) {
    for (const d of new Set(c.inputDigests)) {
      const from = producers.get(d);
      if (from !== undefined && from !== c.nodeId && !edges.some(([f, t]) => f === from && t === c.nodeId)) edges.push([from, c.nodeId]);
    }
    for (const d of c.outputDigests) producers.set(d, c.nodeId);
  }
  const start = min([run.createdAt, ...nodes.map((n) => n.start)]) ?? run.createdAt;
  const end = max([run.status === 'running' ? undefined : run.updatedAt, ...nodes.map((n) => n.end)]) ?? run.updatedAt;
  return {
    runId: run.runId,
    entity: run.entity,
    status: run.status,
    createdAt: run.createdAt,
    updatedAt: run.updatedAt,
    hasHistory: history !== undefined,
    nodes,
    edges,
    start,
    end: Math.max(end, start + 1),
  };
}

function apply(a: Acc, e: ExecutorEvent): void {
  a.start = Math.min(a.start ?? e.at, e.at);
  a.end = Math.max(a.end ?? e.at, e.at);
  const attempt = (n: number, backend = '') => {
    let at = a.attempts.get(n);
    if (at === undefined) a.attempts.set(n, (at = { attempt: n, backend, start: e.at, outcome: 'running' }));
    return at;
  };
  switch (e.type) {
    case 'run-started':
      a.taskType = e.taskType;
      a.outcome = 'running';
      break;
    case 'attempt-created':
    case 'attempt-started':
    case 'attempt-reattached':
      attempt(e.attempt, e.backend);
      break;
    case 'status-changed': {
      const at = attempt(e.attempt);
      if (e.phaseName === 'RUNNING' && at.runningAt === undefined) at.runningAt = e.at;
      for (const log of e.logs) a.logs.set(log.uri, log);
      break;
    }
    case 'attempt-failed': {
      const at = attempt(e.attempt);
      at.end = e.at;
      at.outcome = 'failed';
      at.error = { kind: e.kind, code: e.code, message: e.message };
      break;
    }
    case 'timed-out':
      attempt(e.attempt).end = e.at;
      break;
    case 'cache-hit':
      a.outcome = 'cached';
      break;
    case 'succeeded': {
      if (!e.fromCache) a.outcome = 'succeeded';
      // The attempt that succeeded is the latest one (attempt numbers start at 0 for some backends).
      const last = [...a.attempts.values()].sort((x, y) => y.attempt - x.attempt)[0];
      if (last !== undefined) {
        last.end = e.at;
        last.outcome = 'succeeded';
      }
      break;
    }
    case 'failed':
      a.outcome = 'failed';
      a.error = { kind: e.kind, code: e.code, message: e.message };
      for (const at of a.attempts.values()) if (at.end === undefined) at.end = e.at;
      break;
    case 'cancelled':
      a.outcome = 'cancelled';
      for (const at of a.attempts.values()) {
        if (at.end === undefined) {
          at.end = e.at;
          at.outcome = 'cancelled';
        }
      }
      break;
    default:
      break;
  }
}

function attemptView(a: {
  attempt: number;
  backend: string;
  start: number;
  runningAt?: number;
  end?: number;
  outcome: Outcome;
  error?: ErrorView;
}): AttemptView {
  return { attempt: a.attempt, backend: a.backend, start: a.start, runningAt: a.runningAt, end: a.end, outcome: a.outcome, error: a.error };
}

function mapView(total: number, elements: readonly (Acc | undefined)[]): MapView {
  const counts: Record<Outcome, number> = { succeeded: 0, failed: 0, cached: 0, running: 0, cancelled: 0, pending: 0 };
  const outcomes: Outcome[] = [];
  let retried = 0;
  let attempts = 0;
  const failures = new Map<string, { kind: ErrorView['kind']; code: string; message: string; count: number; firstElement: number }>();
  for (let i = 0; i < total; i++) {
    const e = elements[i];
    const outcome: Outcome = e === undefined ? 'pending' : e.outcome;
    outcomes.push(outcome);
    counts[outcome]++;
    if (e !== undefined && e.attempts.size > 1) retried++;
    attempts += e?.attempts.size ?? 0;
    if (outcome === 'failed' && e?.error !== undefined) {
      const key = `${e.error.kind}\u0000${e.error.code}`;
      const seen = failures.get(key);
      if (seen === undefined) failures.set(key, { ...e.error, count: 1, firstElement: i });
      else seen.count++;
    }
  }
  const byCount = [...failures.values()].sort((a, b) => b.count - a.count || a.firstElement - b.firstElement);
  return { total, counts, outcomes, retried, attempts, failures: byCount };
}

/**
 * A finished map node's outcome is its call's: with `minSuccessRatio` below 1 it succeeds although
 * some elements failed (the grid shows them). Without a call record the run stopped mid-map.
 */
function mapOutcome(map: MapView, call: { error: string | undefined } | undefined): Outcome {
  if (call !== undefined) {
    if (call.error !== undefined) return 'failed';
    return map.total > 0 && map.counts.cached === map.total ? 'cached' : 'succeeded';
  }
  if (map.counts.failed > 0) return 'failed';
  return map.counts.running > 0 || map.counts.pending > 0 ? 'running' : 'succeeded';
}

const min = (xs: readonly (number | undefined)[]): number | undefined => {
  const v = xs.filter((x): x is number => x !== undefined);
  return v.length === 0 ? undefined : Math.min(...v);
};
const max = (xs: readonly (number | undefined)[]): number | undefined => {
  const v = xs.filter((x): x is number => x !== undefined);
  return v.length === 0 ? undefined : Math.max(...v);
};
