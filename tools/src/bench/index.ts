/**
 * `npm run bench`: every benchmark, each reported as a ratio against a baseline run side by side in
 * the same invocation (never as absolute timings in tests).
 */
import { runPyTorchFirstStep } from '@tflyte/plugin-pytorch/bench';
import { runSparkApplications } from '@tflyte/plugin-spark/bench';
import { runAthenaPolling } from './athena-polling.ts';
import { runBigQueryPolling } from './bigquery-polling.ts';
import { runKubernetesPods } from './kubernetes-pods.ts';
import { runMapFanout } from './map-fanout.ts';
import { runSnowflakePolling } from './snowflake-polling.ts';

const benches: ReadonlyArray<[string, () => string | Promise<string>]> = [
  ['map fan-out', () => runMapFanout()],
  ['athena polling', () => runAthenaPolling()],
  ['bigquery polling', () => runBigQueryPolling()],
  ['kubernetes pods', () => runKubernetesPods()],
  ['snowflake polling', () => runSnowflakePolling()],
  ['spark applications', () => runSparkApplications()],
  ['pytorch first step', () => runPyTorchFirstStep()],
];

for (const [name, bench] of benches) {
  process.stdout.write(`== ${name}\n${await bench()}\n\n`);
}
