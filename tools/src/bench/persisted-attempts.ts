/**
 * Benchmark: the executor's own cost per attempt of a persisted (remote) backend — the attempt
 * record with its inputs and template, the handle made durable before the first status check, the
 * end recorded with the outputs — on a real state directory (SQLite store, file store). The backend
 * is a remote service that answers at once (create returns a handle, the first get has succeeded),
 * so what remains is the executor's bookkeeping. A second executor side has a backend that reads
 * its inputs' location, as a pod or a local process does, so inputs.pb is written beside each
 * attempt too. The baseline calls the same backend's create and get directly, as a script without
 * an executor would. Sides alternate in fresh processes; every output is checked. Reported: CPU and
 * wall time per attempt above the baseline (target 0.3 ms).
 *
 *   node --conditions=@tflyte/source tools/src/bench/persisted-attempts.ts [attempts]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { create } from '@bufbuild/protobuf';
import { type AsyncBackend, createExecutor, openStateStore, succeeded, t, task, toLiteralMap, toTaskTemplate } from '@tflyte/core';
import { type LiteralMap, LiteralMapSchema } from '@tflyte/idl/core/literals';
import { measure, of, paired, runSide, type Sample, show, sideArgs, verdict } from './paired.ts';

const echo = task({ inputs: { x: t.int() }, outputs: t.int() }, function echo({ x }) {
  return x;
});

/** A remote service that has finished every job by the first status check; `readsFile`: it reads inputsUri, as a pod would. */
function instantBackend(readsFile = false): AsyncBackend<{ readonly job: string; readonly x: number }> {
  return {
    name: 'bench-remote',
    handleVersion: 1,
    async create(ctx) {
      if (readsFile && !ctx.inputsUri.endsWith('/inputs.pb')) throw new Error('no inputs location');
      const x = echo.inputs.x.fromLiteral(ctx.inputs.literals.x!) as number;
      return { job: ctx.generatedName, x };
    },
    async get(handle) {
      return succeeded(toLiteralMap(echo.outputs.types, { o0: handle.x }));
    },
    async delete() {},
  };
}

const inputsOf = (i: number): LiteralMap => create(LiteralMapSchema, toLiteralMap(echo.inputs, { x: i }));
const outputOf = (outputs: LiteralMap): unknown => echo.outputs.types.o0!.fromLiteral(outputs.literals.o0!);

async function executorSide(n: number, readsFile = false): Promise<void> {
  const stateDir = mkdtempSync(join(tmpdir(), 'tflyte-bench-'));
  const store = openStateStore(stateDir);
  const executor = createExecutor({ store, stateDir, backends: { container: instantBackend(readsFile) } });
  const template = toTaskTemplate(echo, { image: 'bench' });
  try {
    const done = measure();
    for (let i = 0; i < n; i++) {
      const out = await executor.run(template, inputsOf(i), { runId: 'bench', nodeId: `n${i}` });
      if (outputOf(out) !== i) throw new Error(`attempt ${i}: wrong output`);
    }
    done();
  } finally {
    store.close();
    rmSync(stateDir, { recursive: true, force: true });
  }
}

async function directSide(n: number): Promise<void> {
  const backend = instantBackend();
  const template = toTaskTemplate(echo, { image: 'bench' });
  const signal = new AbortController().signal;
  const done = measure();
  for (let i = 0; i < n; i++) {
    const ctx = { template, inputs: inputsOf(i), generatedName: `bench-n${i}-0`, signal } as Parameters<typeof backend.create>[0];
    const handle = await backend.create(ctx);
    const status = await backend.get(handle, ctx);
    if (outputOf(status.outputs!) !== i) throw new Error(`attempt ${i}: wrong output`);
  }
  done();
}

type Side = 'direct' | 'executor' | 'executor+file';

export function runPersistedAttempts(n: number, rounds: number): { text: string; samples: Record<Side, Sample[]> } {
  const samples = paired<Side>(['direct', 'executor', 'executor+file'], rounds, (side) => runSide(import.meta.filename, side, [n]));
  const perAttempt = (side: Side, field: 'cpuMs' | 'wallMs') => (of(samples[side], field).median - of(samples.direct, field).median) / n;
  const row = (side: Side) =>
    `    ${side.padEnd(13)} wall ${show(of(samples[side], 'wallMs'))} ms   cpu ${show(of(samples[side], 'cpuMs'))} ms`;
  return {
    samples,
    text: [
      `${n} sequential attempts of a remote backend that answers at once; ${rounds} alternating runs per side, medians (min–max)`,
      row('direct'),
      row('executor'),
      row('executor+file'),
      verdict('executor overhead per attempt, CPU', perAttempt('executor', 'cpuMs'), 0.3, ' ms'),
      verdict('executor overhead per attempt, wall', perAttempt('executor', 'wallMs'), 0.3, ' ms'),
      verdict('… with inputs.pb read by the backend, CPU', perAttempt('executor+file', 'cpuMs'), 0.3, ' ms'),
      verdict('… with inputs.pb read by the backend, wall', perAttempt('executor+file', 'wallMs'), 0.3, ' ms'),
    ].join('\n'),
  };
}

const child = sideArgs();
if (child !== undefined) {
  const n = Number(child.args[0]);
  await { executor: () => executorSide(n), 'executor+file': () => executorSide(n, true), direct: () => directSide(n) }[
    child.side as Side
  ]();
} else if (import.meta.main) {
  console.log(runPersistedAttempts(Number(process.argv[2] ?? 2000), 3).text);
}
