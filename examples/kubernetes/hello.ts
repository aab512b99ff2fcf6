// A function task. Under this directory's tflyte.config.ts it runs as a Kubernetes pod, which is
// what the greeting shows: a pod's HOSTNAME is its name.
import { t, task } from '@tflyte/core';

export const greet = task({ inputs: { name: t.string() }, outputs: t.string() }, function greet({ name }) {
  return `Hello, ${name}, from ${process.env.HOSTNAME ?? 'somewhere'}`;
});

/** The same greeting after a pause: a pod that is still running when its `tflyte run` is interrupted. */
export const greetSlowly = task(
  { inputs: { name: t.string(), seconds: t.float() }, outputs: t.string() },
  async function greetSlowly({ name, seconds }) {
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
    return `Hello, ${name}, from ${process.env.HOSTNAME ?? 'somewhere'}`;
  },
);
