/**
 * A run's history: every executor event plus what each node was called with and returned (and the
 * decks it wrote), appended as JSON lines to `<stateDir>/history/<run-id>.jsonl` while the run
 * goes. The state store keeps only what resuming needs (attempts of persisted backends); the
 * report and `tflyte runs show` need the rest, including in-process tasks and cache hits.
 */

import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { create } from '@bufbuild/protobuf';
import {
  collectDecks,
  type DeckRecord,
  type ElementResult,
  type ExecutorEvent,
  type ExecutorEventListener,
  fromLiteralMap,
  type JsonValue,
  type TaskRunner,
  TflyteError,
  type TypeRecord,
} from '@tflyte/core';
import { type LiteralMap, LiteralMapSchema } from '@tflyte/idl/core/literals';

/** What one call of the runner did: a node of the run. */
export interface NodeCall {
  readonly type: 'node';
  readonly nodeId: string;
  readonly task: string;
  readonly taskType: string;
  /** A map task's node runs `elements` sub-nodes `<node>-<i>`. */
  readonly elements: number | undefined;
  readonly inputs: Readonly<Record<string, JsonValue>>;
  readonly outputs: Readonly<Record<string, JsonValue>> | undefined;
  /** Digests of each input and output value (its JSON, keys sorted), so a consumer can be linked to its producer. */
  readonly inputDigests: readonly string[];
  readonly outputDigests: readonly string[];
  readonly error: string | undefined;
  readonly decks: readonly DeckRecord[];
  readonly calledAt: number;
  readonly endedAt: number;
}

export type HistoryLine = { readonly type: 'event'; readonly event: ExecutorEvent } | NodeCall;

export interface RunHistory {
  readonly events: readonly ExecutorEvent[];
  readonly nodes: readonly NodeCall[];
}

export const HISTORY_DIR = 'history';

/** Map nodes up to this size have their element inputs and outputs recorded. */
export const MAX_RECORDED_ELEMENTS = 10_000;

/**
 * Characters of deck HTML kept per node. A map node gathers what all its elements wrote, so without
 * a bound 10,000 decked elements would make the history and the report as large as all of them.
 */
export const MAX_DECK_CHARS = 2_000_000;

export function historyFile(stateDir: string, runId: string): string {
  return join(stateDir, HISTORY_DIR, `${runId}.jsonl`);
}

export interface RecordRunOptions {
  readonly stateDir: string;
  readonly runId: string;
  /** The run's runner (`session.runner({ runId, onEvent: recorder.onEvent })`), wrapped to see each call. */
  readonly runner: TaskRunner;
  readonly now?: () => number;
  /** Default MAX_DECK_CHARS. */
  readonly maxDeckChars?: number;
}

export interface RunRecorder {
  /** Use this runner for the run: each call is recorded, with the decks its task body wrote. */
  readonly runner: TaskRunner;
  /** Pass as the run's `onEvent` (and keep any other listener). */
  readonly onEvent: ExecutorEventListener;
  readonly file: string;
}

/**
 * Records a run as it goes. Node ids follow the executor runner's own numbering (`n0`, `n1`, … in
 * call order), which the wrapper reproduces by counting the same calls.
 */
export function recordRun(options: RecordRunOptions): RunRecorder {
  const file = historyFile(options.stateDir, options.runId);
  mkdirSync(join(options.stateDir, HISTORY_DIR), { recursive: true });
  const now = options.now ?? Date.now;
  // Synchronous appends: a crash loses at most the line being written, and lines never interleave.
  const append = (line: HistoryLine): void => appendFileSync(file, `${JSON.stringify(line, jsonReplacer)}\n`);
  const inner = options.runner;
  let next = 0;
  // Per running node: its deck scope's restart and the attempt whose decks it holds. Elements of a
  // map share their node's scope, so only whole nodes start afresh on a retry.
  const attempts = new Map<string, { restart: () => void; attempt: number | undefined }>();

  const call = async <T>(
    task: Parameters<TaskRunner['runTask']>[0],
    inputs: Record<string, JsonValue>,
    elements: number | undefined,
    run: () => Promise<T>,
    outputsOf: (value: T) => Record<string, JsonValue> | undefined,
  ): Promise<T> => {
    const nodeId = `n${next++}`;
    const calledAt = now();
    const { result, decks } = await collectDecks(run, {
      maxChars: options.maxDeckChars ?? MAX_DECK_CHARS,
      onScope: ({ restart }) => attempts.set(nodeId, { restart, attempt: undefined }),
    });
    attempts.delete(nodeId);
    const outputs = result.ok ? outputsOf(result.value) : undefined;
    append({
      type: 'node',
      nodeId,
      task: task.name,
      taskType: task.kind.taskType,
      elements,
      inputs,
      outputs,
      inputDigests: digests(inputs),
      outputDigests: outputs === undefined ? [] : digests(outputs),
      error: result.ok ? undefined : result.error instanceof Error ? result.error.message : String(result.error),
      decks,
      calledAt,
      endedAt: now(),
    });
    if (!result.ok) throw result.error;
    return result.value;
  };

  const runner: TaskRunner = {
    runTask: (task, inputs) =>
      call(
        task,
        nativeJson(task.inputs, inputs),
        undefined,
        () => inner.runTask(task, inputs),
        (outputs) => nativeJson(task.outputs.types, outputs),
      ),
    ...(inner.runMap === undefined
      ? {}
      : {
          runMap: (task, elements, mapOptions) => {
            // Element outputs are kept only to link the map node to its consumers; past the cap that
            // link is dropped rather than holding every output of a huge map in memory.
            const outputs: (LiteralMap | undefined)[] = [];
            const keep = elements.length <= MAX_RECORDED_ELEMENTS;
            const sink = mapOptions.onResult;
            const options =
              sink === undefined
                ? mapOptions
                : {
                    ...mapOptions,
                    onResult: (i: number, r: ElementResult) => {
                      if (keep && r.ok) outputs[i] = r.outputs;
                      return sink(i, r);
                    },
                  };
            const all = (of: (i: number) => LiteralMap | undefined) => Array.from({ length: elements.length }, (_, i) => of(i));
            return call(
              task,
              keep
                ? columnsJson(
                    task.inputs,
                    all((i) => elements.at(i)),
                  )
                : {},
              elements.length,
              () => inner.runMap!(task, elements, options),
              (results) => {
                if (!keep) return undefined;
                // A failed element is null, as a map with minSuccessRatio below 1 hands it on.
                const element = (i: number) => (sink === undefined ? (results[i]?.ok ? results[i].outputs : undefined) : outputs[i]);
                return columnsJson(task.outputs.types, all(element));
              },
            );
          },
        }),
  };
  const onEvent: ExecutorEventListener = (event) => {
    if (event.type === 'attempt-started' || event.type === 'attempt-created') {
      const node = attempts.get(event.nodeId);
      if (node !== undefined) {
        if (node.attempt !== undefined && node.attempt !== event.attempt) node.restart();
        node.attempt = event.attempt;
      }
    }
    append({ type: 'event', event });
  };
  return { runner, onEvent, file };
}

/** A run's recorded history, or undefined when it was run without a recorder. */
export function readRunHistory(stateDir: string, runId: string): RunHistory | undefined {
  const file = historyFile(stateDir, runId);
  if (!existsSync(file)) return undefined;
  const events: ExecutorEvent[] = [];
  const nodes: NodeCall[] = [];
  const lines = readFileSync(file, 'utf8').split('\n');
  lines.forEach((text, i) => {
    if (text.trim() === '') return;
    let line: HistoryLine;
    try {
      line = JSON.parse(text) as HistoryLine;
    } catch {
      // The last line of a killed run may be cut short; anything earlier is damage worth naming.
      if (i >= lines.length - 2) return;
      throw new TflyteError('TFLYTE_STATE_CORRUPT', `${file}:${i + 1}: not a JSON line; delete the file to drop this run's history`);
    }
    if (line.type === 'event') events.push(line.event);
    else if (line.type === 'node') nodes.push(line);
  });
  return { events, nodes };
}

/**
 * A map node's inputs or outputs as Flyte's ArrayNode sees them: each name with the list of its
 * element values (null for an element without one), which is also the value a producer returned
 * or a consumer takes.
 */
function columnsJson(types: TypeRecord, elements: readonly (LiteralMap | undefined)[]): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = {};
  for (const [name, type] of Object.entries(types)) {
    if (!elements.some((e) => e?.literals[name] !== undefined)) continue;
    out[name] = elements.map((e) => {
      const literal = e?.literals[name];
      if (literal === undefined) return null;
      return nativeJson({ [name]: type }, create(LiteralMapSchema, { literals: { [name]: literal } }))[name] ?? null;
    });
  }
  return out;
}

/** Stands for values that could not be decoded (and so link nothing). */
const UNREADABLE = '(unreadable)';

function nativeJson(types: TypeRecord, map: LiteralMap): Record<string, JsonValue> {
  if (Object.keys(map.literals).length === 0) return {};
  try {
    return toJson(fromLiteralMap(types, map)) as Record<string, JsonValue>;
  } catch (error) {
    return { [UNREADABLE]: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * One digest per value, of its JSON with object keys sorted. Values rather than Literal bytes, so a
 * value links its producer to its consumer across types that encode it differently (a list of ints
 * returned, a list of optional ints taken).
 */
function digests(values: Readonly<Record<string, JsonValue>>): string[] {
  if (UNREADABLE in values) return [];
  return Object.values(values).map((v) => createHash('sha256').update(canonicalJson(v)).digest('hex').slice(0, 16));
}

function canonicalJson(value: JsonValue): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object')
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k]!)}`)
      .join(',')}}`;
  return JSON.stringify(value);
}

function toJson(value: unknown): JsonValue {
  return JSON.parse(JSON.stringify(value, jsonReplacer) ?? 'null') as JsonValue;
}

function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Uint8Array) return `(${value.length} bytes)`;
  if (value instanceof Map) return Object.fromEntries(value);
  return value;
}
