// A workflow: tasks composed by passing one call's promise into the next. Registered with
// `npx tflyte register examples/workflows.ts`, it becomes a Flyte WorkflowTemplate (one node per
// call, bindings from the promises) with a default launch plan; run on a cluster with
// `npx tflyte run --remote examples/workflows.ts spread --values '[1,2,3,4,5]'`.
import { t, task, workflow } from '@tflyte/core';
import { mean } from './basics.ts';

export const squares = task({ inputs: { values: t.list(t.float()) }, outputs: t.list(t.float()) }, function squares({ values }) {
  return values.map((v) => v * v);
});

export const variance = task(
  { inputs: { average: t.float(), averageOfSquares: t.float() }, outputs: t.float() },
  function variance({ average, averageOfSquares }) {
    return averageOfSquares - average * average;
  },
);

/** The mean and the (population) variance of a list; the arithmetic lives in tasks, the body only wires them. */
export const spread = workflow(
  { inputs: { values: t.list(t.float()) }, outputs: { mean: t.float(), variance: t.float() } },
  function spread({ values }) {
    const average = mean({ values });
    return { mean: average, variance: variance({ average, averageOfSquares: mean({ values: squares({ values }) }) }) };
  },
);
