// A map-reduce mean: split the values into partitions, sum each partition in parallel with a map
// task, then combine. Flyte's `parallelized_mean` example, in TypeScript.
import { mapTask, t, task, workflow } from '@tflyte/core';

export const preparePartitions = task(
  { inputs: { values: t.list(t.float()), nPartitions: t.int() }, outputs: t.list(t.list(t.float())) },
  function preparePartitions({ values, nPartitions }) {
    const size = Math.ceil(values.length / nPartitions);
    const partitions: number[][] = [];
    for (let i = 0; i < values.length; i += size) partitions.push(values.slice(i, i + size));
    return partitions;
  },
);

/** [sum, count] of one partition. */
export const sumAndLength = task({ inputs: { values: t.list(t.float()) }, outputs: t.list(t.float()) }, function sumAndLength({ values }) {
  return [values.reduce((a, b) => a + b, 0), values.length];
});

export const reduce = task({ inputs: { results: t.list(t.list(t.float())) }, outputs: t.float() }, function reduce({ results }) {
  let total = 0;
  let count = 0;
  for (const [sum = 0, length = 0] of results) {
    total += sum;
    count += length;
  }
  return total / count;
});

export const parallelizedMean = workflow(
  { inputs: { values: t.list(t.float()), nPartitions: t.int().default(3) }, outputs: t.float() },
  function parallelizedMean({ values, nPartitions }) {
    const partitions = preparePartitions({ values, nPartitions });
    const results = mapTask(sumAndLength, { concurrency: 4 })({ values: partitions });
    return reduce({ results });
  },
);
