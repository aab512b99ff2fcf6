// A task that saves its progress before failing, and resumes from it on the next attempt.
import { currentCheckpoint, t, task } from '@tflyte/core';

export const resumable = task({ inputs: { steps: t.int() }, outputs: t.string(), retries: 1 }, async function resumable({ steps }) {
  const checkpoint = currentCheckpoint();
  const saved = await checkpoint.read();
  const done = saved === undefined ? 0 : Number(new TextDecoder().decode(saved));
  if (done === 0) {
    // The first attempt gets half way, saves that, and dies (a preempted node).
    await checkpoint.write(new TextEncoder().encode(String(Math.floor(steps / 2))));
    throw new Error('preempted after checkpointing');
  }
  return `resumed at step ${done} of ${steps}, prev=${checkpoint.prevExists()}`;
});
