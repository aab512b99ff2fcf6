// The first tasks of the Flyte docs, in TypeScript.
import { t, task } from '@tflyte/core';

/** The arithmetic mean of a list of numbers. */
export const mean = task({ inputs: { values: t.list(t.float()) }, outputs: t.float() }, function mean({ values }) {
  return values.reduce((sum, v) => sum + v, 0) / values.length;
});

/** The least-squares slope of y over x. */
export const slope = task({ inputs: { x: t.list(t.int()), y: t.list(t.int()) }, outputs: t.float() }, function slope({ x, y }) {
  const n = x.length;
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  const sumXY = sum(x.map((xi, i) => xi * y[i]!));
  const sumXX = sum(x.map((xi) => xi * xi));
  return (n * sumXY - sum(x) * sum(y)) / (n * sumXX - sum(x) ** 2);
});
