/**
 * Benchmark: a map task of a trivial function over n elements through the executor (`tflyte run`'s
 * path: a session, its runner, one array node), against a bounded-concurrency promise pool running
 * the task's own implementation on the same Literals: the same input collection, one LiteralMap per
 * element, the output literals gathered into a collection and converted back. That pool is the floor
 * of any executor on Literals. Sides alternate in fresh processes; every element of every run is
 * checked. Reported: wall and CPU time and peak RSS, medians with the spread, and their ratios.
 *
 *   npm run bench [-- --quick]
 *   node --conditions=@tflyte/source tools/src/bench/map-fanout.ts [n …]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { create } from '@bufbuild/protobuf';
import { mapTask, openSession, t, task, toLiteralMap, withRunner } from '@tflyte/core';
import { type Literal, LiteralCollectionSchema, LiteralMapSchema, LiteralSchema } from '@tflyte/idl/core/literals';
import { measure, of, paired, runSide, type Sample, show, sideArgs, verdict } from './paired.ts';

export const increment = task({ inputs: { x: t.int() }, outputs: t.int() }, function increment({ x }) {
  return x + 1;
});

const CONCURRENCY = 256;

function check(out: readonly number[], n: number): void {
  if (out.length !== n) throw new Error(`expected ${n} results, got ${out.length}`);
  for (let i = 0; i < n; i++) if (out[i] !== i + 1) throw new Error(`element ${i}: expected ${i + 1}, got ${String(out[i])}`);
}

async function executorSide(n: number): Promise<void> {
  const stateDir = mkdtempSync(join(tmpdir(), 'tflyte-bench-'));
  const session = await openSession({ cwd: stateDir, config: { plugins: [], stateDir } });
  const map = mapTask(increment, { concurrency: CONCURRENCY });
  const xs = Array.from({ length: n }, (_, i) => i);
  try {
    const done = measure();
    const out = await withRunner(session.runner(), () => map({ x: xs }));
    check(out, n);
    done();
  } finally {
    session.close();
    rmSync(stateDir, { recursive: true, force: true });
  }
}

/** What a user would write instead of a map task, on the same Literals. */
async function poolSide(n: number): Promise<void> {
  const map = mapTask(increment, { concurrency: CONCURRENCY });
  const execute = increment.kind.execute!;
  const xs = Array.from({ length: n }, (_, i) => i);
  const done = measure();
  const inputs = toLiteralMap(map.inputs, { x: xs }).literals.x!;
  const items = inputs.value.case === 'collection' ? inputs.value.value.literals : [];
  const gathered = new Array<Literal>(n);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < n) {
      const i = next++;
      const out = await execute(create(LiteralMapSchema, { literals: { x: items[i]! } }));
      gathered[i] = out.literals.o0!;
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const list = create(LiteralCollectionSchema);
  list.literals = gathered;
  const out = map.outputs.types.o0!.fromLiteral(create(LiteralSchema, { value: { case: 'collection', value: list } })) as number[];
  check(out, n);
  done();
}

type Side = 'pool' | 'executor';

export interface MapFanoutResult {
  readonly n: number;
  readonly samples: Record<Side, Sample[]>;
}

export function runMapFanout(sizes: readonly number[], rounds: number): { text: string; results: MapFanoutResult[] } {
  const lines = [`map task of a trivial function, concurrency ${CONCURRENCY}; ${rounds} alternating runs per side, medians (min–max)`];
  const results: MapFanoutResult[] = [];
  for (const n of sizes) {
    // The largest sizes take a run each: every run is a few seconds of one core per side.
    const r = n >= 1_000_000 ? Math.min(rounds, 2) : rounds;
    const samples = paired<Side>(['pool', 'executor'], r, (side) => runSide(import.meta.filename, side, [n]));
    results.push({ n, samples });
    const row = (side: Side) =>
      `    ${side.padEnd(9)} wall ${show(of(samples[side], 'wallMs'))} ms   cpu ${show(of(samples[side], 'cpuMs'))} ms   peak RSS ${show(of(samples[side], 'peakRssMb'))} MB`;
    const ratio = (field: 'wallMs' | 'cpuMs' | 'peakRssMb') => of(samples.executor, field).median / of(samples.pool, field).median;
    lines.push(
      `  n = ${n.toLocaleString('en')}`,
      row('pool'),
      row('executor'),
      verdict('executor / pool, CPU time', ratio('cpuMs'), 1.5),
      verdict('executor / pool, wall time (shared machine)', ratio('wallMs'), 1.5),
      verdict('executor / pool, peak RSS', ratio('peakRssMb'), 1.2),
    );
  }
  return { text: lines.join('\n'), results };
}

const child = sideArgs();
if (child !== undefined) {
  await { executor: executorSide, pool: poolSide }[child.side as Side](Number(child.args[0]));
} else if (import.meta.main) {
  const sizes = process.argv
    .slice(2)
    .filter((a) => /^\d+$/.test(a))
    .map(Number);
  console.log(runMapFanout(sizes.length > 0 ? sizes : [1000, 10_000], 3).text);
}
