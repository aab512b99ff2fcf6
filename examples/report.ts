// A run worth looking at: a task that writes a Flyte Deck, a map task over many elements (some
// retried), a reduce, and a flaky step that succeeds on its second attempt. Loading is cached, so
// running it again shows a cache hit. `tflyte report <run>` draws it; on a cluster the deck is the
// task's deck.html.
import { currentDeck, mapTask, NonRetryableError, t, task, workflow } from '@tflyte/core';

export const load = task(
  { inputs: { n: t.int() }, outputs: t.list(t.struct()), enableDeck: true, cache: { version: '1' } },
  function load({ n }) {
    const rows = Array.from({ length: n }, (_, i) => ({ id: i, of: n, value: (i * 7) % 13 }));
    currentDeck().markdown(`# Loaded\n\n**${n}** rows, values 0 to 12.`);
    currentDeck('Sample').table(rows.slice(0, 5));
    return rows;
  },
);

const seen = new Set<string>();

/** Fails the first time it sees every 1000th row of a batch, so those elements take a second attempt. */
export const score = task({ inputs: { row: t.struct() }, outputs: t.int(), retries: 1 }, function score({ row }) {
  const id = Number(row['id']);
  const key = `${String(row['of'])}/${id}`;
  if (id % 1000 === 999 && !seen.has(key)) {
    seen.add(key);
    throw new Error(`row ${id}: transient read error`);
  }
  return Number(row['value']) * 2;
});

export const total = task({ inputs: { scores: t.list(t.int()) }, outputs: t.int() }, function total({ scores }) {
  return scores.reduce((a, b) => a + b, 0);
});

const published = new Set<number>();

/** Times out the first time it publishes a total, so the timeline shows a failed attempt and its retry. */
export const publish = task({ inputs: { total: t.int() }, outputs: t.int(), retries: 1 }, function publish({ total }) {
  if (!published.has(total)) {
    published.add(total);
    throw new Error(`publishing ${total}: the endpoint timed out`);
  }
  return total;
});

export const scoreRows = workflow({ inputs: { n: t.int().default(100) }, outputs: t.int() }, function scoreRows({ n }) {
  const rows = load({ n });
  const scores = mapTask(score, { concurrency: 16 })({ row: rows });
  return publish({ total: total({ scores }) });
});

/** Refuses rows whose value is 12: a map over them keeps going (half may fail) and records why. */
export const strictScore = task({ inputs: { row: t.struct() }, outputs: t.int() }, function strictScore({ row }) {
  if (Number(row['value']) === 12) throw new RangeError(`row ${String(row['id'])}: value 12 is out of range`);
  return Number(row['value']);
});

/** Fails, naming how many rows were refused, when any was. */
export const requireAll = task({ inputs: { scores: t.list(t.optional(t.int())) }, outputs: t.int() }, function requireAll({ scores }) {
  const refused = scores.filter((s) => s === null).length;
  if (refused > 0) throw new NonRetryableError(`${refused} of ${scores.length} rows were refused`);
  return scores.length;
});

/** A run that fails: the report shows the map's failures grouped and the failed node's error. */
export const strictRows = workflow({ inputs: { n: t.int() }, outputs: t.int() }, function strictRows({ n }) {
  const rows = load({ n });
  return requireAll({ scores: mapTask(strictScore, { concurrency: 8, minSuccessRatio: 0.5 })({ row: rows }) });
});
