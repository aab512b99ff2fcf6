/**
 * Benchmark: a 100,000-element map task of a trivial function through the executor, against a
 * hand-written bounded-concurrency Promise pool making the same calls (the task's own in-process
 * implementation on the same Literal inputs). Each side runs in a fresh child process so wall time
 * and peak RSS are its own; the report is the ratio.
 *
 *   npm run bench            (all benchmarks)
 *   node --conditions=@tflyte/source tools/src/bench/map-fanout.ts [items] [concurrency]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { create } from '@bufbuild/protobuf';
import { LiteralMapSchema } from '@tflyte/idl/core/literals';
import { mapTask, openSession, t, task, toLiteralMap, withRunner } from '@tflyte/core';

export const increment = task({ inputs: { x: t.int() }, outputs: t.int() }, function increment({ x }) {
  return x + 1;
});

interface Sample {
  readonly side: string;
  readonly wallMs: number;
  readonly peakRssMb: number;
}

async function executorSide(n: number, concurrency: number): Promise<void> {
  const stateDir = mkdtempSync(join(tmpdir(), 'tflyte-bench-'));
  const session = await openSession({ cwd: stateDir, config: { plugins: [], stateDir } });
  try {
    const xs = Array.from({ length: n }, (_, i) => i);
    const started = performance.now();
    const out = await withRunner(session.runner(), () => mapTask(increment, { concurrency })({ x: xs }));
    report('executor', started, out.length === n && out[n - 1] === n);
  } finally {
    session.close();
    rmSync(stateDir, { recursive: true, force: true });
  }
}

/** A pool making the same task calls a user would write by hand: `increment({ x })`, in-process. */
async function callsSide(n: number, concurrency: number): Promise<void> {
  const results: number[] = new Array(n);
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const i = next++;
      results[i] = await increment({ x: i });
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  report('pool of task calls', started, results[n - 1] === n);
}

/** A pool calling the task's implementation on Literals directly: the floor of any executor. */
async function poolSide(n: number, concurrency: number): Promise<void> {
  const execute = increment.kind.execute!;
  const results: number[] = new Array(n);
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const i = next++;
      const out = await execute(create(LiteralMapSchema, toLiteralMap(increment.inputs, { x: i })));
      const literal = out.literals.o0;
      results[i] = increment.outputs.types.o0!.fromLiteral(literal!) as number;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  report('promise pool', started, results[n - 1] === n);
}

function report(side: string, started: number, correct: boolean): void {
  if (!correct) throw new Error(`${side}: wrong results`);
  const sample: Sample = { side, wallMs: performance.now() - started, peakRssMb: process.resourceUsage().maxRSS / 1024 };
  process.stdout.write(`${JSON.stringify(sample)}\n`);
}

type Side = 'executor' | 'pool' | 'calls';

function runSide(side: Side, n: number, concurrency: number): Sample {
  const child = spawnSync(process.execPath, ['--conditions=@tflyte/source', import.meta.filename, '--side', side, String(n), String(concurrency)], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  if (child.status !== 0) throw new Error(`${side} side failed: ${child.stderr}`);
  return JSON.parse(child.stdout.trim().split('\n').pop()!) as Sample;
}

export function runMapFanout(n = 100_000, concurrency = 256): string {
  const pool = runSide('pool', n, concurrency);
  const calls = runSide('calls', n, concurrency);
  const executor = runSide('executor', n, concurrency);
  const row = (label: string, s: Sample) => `  ${label.padEnd(34)} ${s.wallMs.toFixed(0).padStart(7)} ms   peak RSS ${s.peakRssMb.toFixed(0)} MB`;
  const ratio = (base: Sample) => `wall ${(executor.wallMs / base.wallMs).toFixed(2)}x, RSS ${(executor.peakRssMb / base.peakRssMb).toFixed(2)}x`;
  return [
    `map task of ${n.toLocaleString('en')} trivial calls, concurrency ${concurrency}`,
    row('pool: implementation on Literals', pool),
    row('pool: direct task calls', calls),
    row('mapTask through the executor', executor),
    `  executor / implementation pool: ${ratio(pool)}   (target wall <= 2x)`,
    `  executor / task-call pool:      ${ratio(calls)}`,
  ].join('\n');
}

const args = process.argv.slice(2);
if (args[0] === '--side') {
  const [, side, n, c] = args;
  await { executor: executorSide, pool: poolSide, calls: callsSide }[side as Side](Number(n), Number(c));
} else if (import.meta.main) {
  console.log(runMapFanout(Number(args[0] ?? 100_000), Number(args[1] ?? 256)));
}
