// A function task. Under this directory's tflyte.config.ts it runs as a Kubernetes pod, which is
// what the greeting shows: a pod's HOSTNAME is its name.
import { t, task } from '@tflyte/core';

export const greet = task({ inputs: { name: t.string() }, outputs: t.string() }, function greet({ name }) {
  return `Hello, ${name}, from ${process.env.HOSTNAME ?? 'somewhere'}`;
});
