import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  currentDeck,
  type ExecutorEvent,
  mapTask,
  NonRetryableError,
  openSession,
  type Session,
  TaskFailedError,
  TflyteError,
  t,
  task,
  withRunner,
} from '@tflyte/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { historyFile, readRunHistory, recordRun } from './history.ts';

const load = task({ inputs: { n: t.int() }, outputs: t.list(t.struct()), enableDeck: true }, function load({ n }) {
  currentDeck().markdown(`# Loaded ${n}`);
  currentDeck('Sample').table([{ id: 0 }]);
  return Array.from({ length: n }, (_, i) => ({ id: i }));
});
const double = task({ inputs: { row: t.struct() }, outputs: t.int() }, function double({ row }) {
  return Number(row['id']) * 2;
});
const sum = task({ inputs: { xs: t.list(t.int()) }, outputs: t.int() }, function sum({ xs }) {
  return xs.reduce((a, b) => a + b, 0);
});
const broken = task({ inputs: { why: t.string() }, outputs: t.int(), enableDeck: true }, function broken({ why }) {
  currentDeck().markdown('got this far');
  throw new NonRetryableError(why);
});

let flakyCalls = 0;
const flaky = task({ inputs: { x: t.int() }, outputs: t.int(), retries: 1, enableDeck: true }, function flaky({ x }) {
  flakyCalls++;
  currentDeck().markdown(`attempt ${flakyCalls}`);
  if (flakyCalls === 1) throw new Error('the first attempt fails');
  return x;
});
const tagged = task({ inputs: { x: t.int() }, outputs: t.int(), enableDeck: true }, function tagged({ x }) {
  currentDeck().markdown(`element ${x}`);
  return x;
});

const oddFails = task({ inputs: { x: t.int() }, outputs: t.int() }, function oddFails({ x }) {
  if (x % 2 === 1) throw new NonRetryableError(`odd ${x}`);
  return x;
});

const countMissing = task({ inputs: { xs: t.list(t.optional(t.int())) }, outputs: t.int() }, function countMissing({ xs }) {
  return xs.filter((x) => x === null).length;
});

let dir: string;
let session: Session;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tflyte-history-'));
  session = await openSession({ cwd: dir, config: { plugins: [], stateDir: dir } });
});
afterEach(() => {
  session.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs `body` as `tflyte run` does: the session's runner for one run id, wrapped by the recorder. */
async function recorded<T>(
  runId: string,
  body: () => Promise<T>,
  maxDeckChars?: number,
): Promise<{ result: T | Error; events: ExecutorEvent[] }> {
  const events: ExecutorEvent[] = [];
  let onEvent: ((e: ExecutorEvent) => void) | undefined;
  const runner = session.runner({ runId, onEvent: (e) => onEvent?.(e) });
  const recorder = recordRun({ stateDir: dir, runId, runner, ...(maxDeckChars === undefined ? {} : { maxDeckChars }) });
  onEvent = (e) => {
    events.push(e);
    recorder.onEvent(e);
  };
  try {
    return { result: await withRunner(recorder.runner, body), events };
  } catch (error) {
    return { result: error as Error, events };
  }
}

describe('recordRun', () => {
  it('records each call as a node numbered as the executor numbers it, with its values, decks and every event', async () => {
    const { result, events } = await recorded('r1', async () => {
      const rows = await load({ n: 3 });
      const doubled = await mapTask(double, { concurrency: 2 })({ row: rows });
      return sum({ xs: doubled });
    });
    expect(result).toBe(6);
    const history = readRunHistory(dir, 'r1')!;
    expect(history.nodes.map((n) => [n.nodeId, n.task, n.elements])).toEqual([
      ['n0', load.name, undefined],
      ['n1', double.name, 3],
      ['n2', sum.name, undefined],
    ]);
    // The recorder's node ids are the executor's: every event belongs to a recorded node or to an element of one.
    expect(new Set(events.map((e) => e.nodeId.replace(/-\d+$/, '')))).toEqual(new Set(['n0', 'n1', 'n2']));
    expect(history.events).toEqual(JSON.parse(JSON.stringify(events)));

    const [n0, n1, n2] = history.nodes;
    expect(n0!.inputs).toEqual({ n: 3 });
    expect(n0!.outputs).toEqual({ o0: [{ id: 0 }, { id: 1 }, { id: 2 }] });
    expect(n0!.decks.map((d) => d.name)).toEqual(['default', 'Sample']);
    expect(n0!.decks[0]!.html).toBe('<h1>Loaded 3</h1>');
    // A map node's inputs and outputs: one list per input, as Flyte's ArrayNode sees them.
    expect(n1!.inputs).toEqual({ row: [{ id: 0 }, { id: 1 }, { id: 2 }] });
    expect(n1!.outputs).toEqual({ o0: [0, 2, 4] });
    expect(n2!.inputs).toEqual({ xs: [0, 2, 4] });
    // Digests link each consumer to its producer's Literal.
    expect(n1!.inputDigests).toEqual(n0!.outputDigests);
    expect(n2!.inputDigests).toEqual(n1!.outputDigests);
    expect(n0!.calledAt).toBeLessThanOrEqual(n0!.endedAt);
    expect(n2!.error).toBeUndefined();
  });

  it('records a call that failed with its error and the decks written before it, and still fails the run', async () => {
    const { result } = await recorded('r2', () => broken({ why: 'the input is empty' }));
    expect(result).toBeInstanceOf(TaskFailedError);
    const [node] = readRunHistory(dir, 'r2')!.nodes;
    expect(node).toMatchObject({ nodeId: 'n0', outputDigests: [] });
    expect(node!.outputs).toBeUndefined();
    expect(node!.error).toContain('the input is empty');
    expect(node!.decks).toEqual([{ name: 'default', html: '<p>got this far</p>' }]);
  });

  it('keeps the deck a retried call’s last attempt wrote, as a cluster keeps the last attempt’s deck.html', async () => {
    flakyCalls = 0;
    const { result } = await recorded('r6', () => flaky({ x: 7 }));
    expect(result).toBe(7);
    expect(flakyCalls).toBe(2);
    expect(readRunHistory(dir, 'r6')!.nodes[0]!.decks).toEqual([{ name: 'default', html: '<p>attempt 2</p>' }]);
  });

  it('gathers what the elements of a map wrote into the map node’s deck', async () => {
    await recorded('r7', () => mapTask(tagged, { concurrency: 1 })({ x: [1, 2, 3] }));
    const [node] = readRunHistory(dir, 'r7')!.nodes;
    expect(node!.decks).toEqual([{ name: 'default', html: '<p>element 1</p>\n<p>element 2</p>\n<p>element 3</p>' }]);
  });

  it('records a map that met its minSuccessRatio despite failed elements as a call without error', async () => {
    const { result } = await recorded('r9', () => mapTask(oddFails, { minSuccessRatio: 0.5 })({ x: [2, 3, 4] }));
    expect(result).toEqual([2, null, 4]);
    const history = readRunHistory(dir, 'r9')!;
    expect(history.nodes[0]).toMatchObject({ nodeId: 'n0', elements: 3 });
    expect(history.nodes[0]!.error).toBeUndefined();
    expect(history.events.filter((e) => e.type === 'failed').map((e) => e.nodeId)).toEqual(['n0-1']);
    expect(history.nodes[0]!.outputs).toEqual({ o0: [2, null, 4] });
  });

  it('links a map to the consumer of its results although the consumer’s type encodes them differently', async () => {
    const { result } = await recorded('r10', async () =>
      countMissing({ xs: await mapTask(oddFails, { minSuccessRatio: 0.5 })({ x: [2, 3, 4] }) }),
    );
    expect(result).toBe(1);
    const [map, consumer] = readRunHistory(dir, 'r10')!.nodes;
    // list<int> with a null returned, list<optional<int>> taken: different Literals, the same value.
    expect(consumer!.inputs).toEqual({ xs: [2, null, 4] });
    expect(consumer!.inputDigests).toEqual(map!.outputDigests);
  });

  it('bounds the deck HTML a node keeps, so a large map of decked elements stays small', async () => {
    // Each element writes '<p>element N</p>' (16 characters for N < 10): four fit in 70.
    await recorded('r8', () => mapTask(tagged, { concurrency: 1 })({ x: [1, 2, 3, 4, 5, 6, 7] }), 70);
    const [deck] = readRunHistory(dir, 'r8')!.nodes[0]!.decks;
    expect(deck!.html.split('\n')).toEqual([
      '<p>element 1</p>',
      '<p>element 2</p>',
      '<p>element 3</p>',
      '<p>element 4</p>',
      '<p class="deck-dropped">… 3 more additions left out: the decks passed their limit of 70 characters</p>',
    ]);
  });

  it('writes one JSON line per event and call to <stateDir>/history/<run-id>.jsonl', async () => {
    const { events } = await recorded('r3', () => sum({ xs: [1, 2] }));
    const lines = readFileSync(historyFile(dir, 'r3'), 'utf8').trimEnd().split('\n');
    expect(historyFile(dir, 'r3')).toBe(join(dir, 'history', 'r3.jsonl'));
    expect(lines).toHaveLength(events.length + 1);
    expect(lines.map((l) => (JSON.parse(l) as { type: string }).type).filter((type) => type === 'node')).toEqual(['node']);
  });
});

describe('readRunHistory', () => {
  it('is undefined for a run recorded without history', () => {
    expect(readRunHistory(dir, 'never-recorded')).toBeUndefined();
  });

  it('drops a last line cut short by a killed run and keeps the rest', async () => {
    await recorded('r4', () => sum({ xs: [1] }));
    const before = readRunHistory(dir, 'r4')!;
    appendFileSync(historyFile(dir, 'r4'), '{"type":"event","event":{"runId":"r4","no');
    expect(readRunHistory(dir, 'r4')).toEqual(before);
  });

  it('refuses a damaged line before the last, naming the file, the line and the fix', async () => {
    await recorded('r5', () => sum({ xs: [1] }));
    const file = historyFile(dir, 'r5');
    const lines = readFileSync(file, 'utf8').split('\n');
    lines[1] = 'not json';
    writeFileSync(file, lines.join('\n'));
    const read = () => readRunHistory(dir, 'r5');
    expect(read).toThrow(TflyteError);
    expect(read).toThrow(expect.objectContaining({ code: 'TFLYTE_STATE_CORRUPT' }));
    expect(read).toThrow(`${file}:2: not a JSON line; delete the file to drop this run's history`);
  });
});
