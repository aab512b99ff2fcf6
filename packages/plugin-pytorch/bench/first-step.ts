/**
 * Benchmark: time to the first collective step of a local 2-rank PyTorch job (a master and one
 * worker all-reducing once, gloo on 127.0.0.1) run by `tflyte`'s local backend through the executor —
 * free port, data directories, rank processes, logs, rank 0's outputs read back — against the same
 * two ranks launched by hand with the operator's environment contract. Reported: the median of
 * several runs of each, side by side, and their ratio. Needs /usr/bin/python3 with torch.
 *
 *   npm run bench            (all benchmarks)
 *   node --conditions=@tflyte/source packages/plugin-pytorch/bench/first-step.ts [runs]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createExecutor, createRegistry, openStateStore, t, toLiteralMap, toTaskTemplate } from '@tflyte/core';
import { pytorchPlugin, pytorchTask } from '../src/index.ts';
import { haveTorch, PYTHON } from '../src/test-fixtures/torch.ts';

const RANKS = fileURLToPath(new URL('../src/test-fixtures/ranks.py', import.meta.url));
const ENV = { OMP_NUM_THREADS: '1' };

const task = pytorchTask({
  name: 'firstStep',
  image: 'ghcr.io/acme/torch:1',
  command: ['python3', RANKS, 'allreduce', '/var/outputs'],
  outputs: { total: t.float(), world: t.int(), addr: t.string() },
  workers: { replicas: 1 },
  version: 'bench',
});

async function throughTflyte(): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'tflyte-bench-pytorch-'));
  const store = openStateStore(dir);
  try {
    const registry = createRegistry({ plugins: [pytorchPlugin({ local: { executables: { python3: PYTHON }, env: ENV } })] });
    const executor = createExecutor({ registry, store, stateDir: dir });
    const started = performance.now();
    await executor.run(toTaskTemplate(task), toLiteralMap({}, {}));
    return performance.now() - started;
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

async function byHand(): Promise<number> {
  const out = mkdtempSync(join(tmpdir(), 'tflyte-bench-pytorch-hand-'));
  try {
    const started = performance.now();
    const port = await freePort();
    const ranks = [0, 1].map(
      (rank) =>
        new Promise<void>((resolve, reject) => {
          const env = { ...process.env, ...ENV, MASTER_ADDR: '127.0.0.1', MASTER_PORT: String(port), WORLD_SIZE: '2', RANK: String(rank) };
          spawn(PYTHON, [RANKS, 'allreduce', out], { env, stdio: 'ignore' }).on('exit', (code) =>
            code === 0 ? resolve() : reject(new Error(`rank ${rank} exited ${code}`)),
          );
        }),
    );
    await Promise.all(ranks);
    return performance.now() - started;
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

const median = (values: readonly number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

export async function runPyTorchFirstStep(runs = 5): Promise<string> {
  if (!haveTorch) return `skipped: ${PYTHON} cannot import torch (tools/ci/install-pytorch.sh)`;
  const tflyte: number[] = [];
  const hand: number[] = [];
  // Interleaved, so that a busy machine slows both alike.
  for (let i = 0; i < runs; i++) {
    tflyte.push(await throughTflyte());
    hand.push(await byHand());
  }
  const a = median(tflyte);
  const b = median(hand);
  return [
    `2-rank local job (master + worker, one gloo all_reduce), ${runs} runs each, start → job done`,
    `tflyte  median ${a.toFixed(0)} ms`,
    `by hand median ${b.toFixed(0)} ms`,
    `tflyte's local runner takes ${(a / b).toFixed(2)}× the time of launching the ranks by hand`,
  ].join('\n');
}

if (import.meta.main) process.stdout.write(`${await runPyTorchFirstStep(Number(process.argv[2] ?? 5))}\n`);
