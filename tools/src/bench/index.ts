/**
 * `npm run bench`: every benchmark, each reported as a ratio against a baseline run side by side in
 * the same invocation (never as absolute timings in tests). `npm run bench -- --quick` runs small
 * versions of them all (CI runs it so the benches cannot rot; it asserts nothing about timings).
 * `-- --only <name>` runs the benches whose name contains it.
 */
import { runPyTorchFirstStep } from '@tflyte/plugin-pytorch/bench';
import { runSparkApplications } from '@tflyte/plugin-spark/bench';
import { runCliStartup } from './cli-startup.ts';
import { runConnectorLoad } from './connector-load.ts';
import { runIdlEncoding } from './idl-encoding.ts';
import { runKubernetesPods } from './kubernetes-pods.ts';
import { runMapFanout } from './map-fanout.ts';
import { quick } from './paired.ts';
import { runPersistedAttempts } from './persisted-attempts.ts';
import { runWarehouseLateness } from './warehouse-lateness.ts';

const small = quick();
const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined;

const benches: ReadonlyArray<[string, () => string | Promise<string>]> = [
  ['map fan-out', () => runMapFanout(small ? [1000, 10_000] : [1000, 10_000, 100_000, 1_000_000], small ? 1 : 3).text],
  ['persisted attempts', () => runPersistedAttempts(small ? 200 : 2000, small ? 1 : 3).text],
  ['idl encoding', () => runIdlEncoding(small ? 5000 : 100_000, small ? 1 : 3).text],
  ['cli start-up', () => runCliStartup(small ? 1 : 7).text],
  ['warehouse lateness', async () => (await runWarehouseLateness(small)).text],
  ['kubernetes pods', () => runKubernetesPods(small ? [100] : [1000, 10_000])],
  ['spark applications', () => runSparkApplications(small ? 20 : 200)],
  ['pytorch first step', () => runPyTorchFirstStep(small ? 1 : 5)],
  ['connector load', () => runConnectorLoad(small ? 50 : 1000)],
];

for (const [name, bench] of benches) {
  if (only !== undefined && !name.includes(only)) continue;
  const started = performance.now();
  process.stdout.write(`== ${name}\n${await bench()}\n   (${((performance.now() - started) / 1000).toFixed(1)} s)\n\n`);
}
