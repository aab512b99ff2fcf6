/** Flyte's conf layering, row by row: plugin defaults < executorPath < task conf (with features) < derived limits < per-attempt values. */
import { describe, expect, it } from 'vitest';
import { layerSparkConf } from './index.ts';

const attempt = { generatedName: 'run-n0-0', startTimeMs: 1_700_000_000_000 };
const perAttempt = {
  'spark.kubernetes.executor.podNamePrefix': 'run-n0-0',
  'spark.kubernetes.driverEnv.FLYTE_START_TIME': '1700000000000',
};
const layer = (overrides: Partial<Parameters<typeof layerSparkConf>[0]>) =>
  layerSparkConf({ defaults: {}, features: [], executorPath: '', taskConf: {}, ...attempt, ...overrides });

describe('layerSparkConf', () => {
  it.each([
    ['plugin defaults alone', { defaults: { 'spark.ui.enabled': 'false' } }, { 'spark.ui.enabled': 'false' }],
    [
      'task conf wins over defaults',
      { defaults: { 'spark.executor.memory': '1g', 'spark.ui.enabled': 'false' }, taskConf: { 'spark.executor.memory': '4g' } },
      { 'spark.executor.memory': '4g', 'spark.ui.enabled': 'false' },
    ],
    [
      'executorPath sets both pyspark interpreters',
      { executorPath: '/opt/venv/bin/python3' },
      { 'spark.pyspark.python': '/opt/venv/bin/python3', 'spark.pyspark.driver.python': '/opt/venv/bin/python3' },
    ],
    [
      'task conf wins over executorPath',
      { executorPath: '/usr/bin/python3', taskConf: { 'spark.pyspark.python': '/other/python' } },
      { 'spark.pyspark.python': '/other/python', 'spark.pyspark.driver.python': '/usr/bin/python3' },
    ],
    [
      'an enabled feature brings its conf; the switch itself is not passed on',
      {
        features: [{ name: 'gcs', sparkConf: { 'spark.hadoop.fs.gs.impl': 'GoogleHadoopFileSystem' } }],
        taskConf: { 'spark.flyteorg.gcs.enabled': 'true' },
      },
      { 'spark.hadoop.fs.gs.impl': 'GoogleHadoopFileSystem' },
    ],
    [
      'the spark.flyte. prefix switches features too',
      { features: [{ name: 'x', sparkConf: { a: '1' } }], taskConf: { 'spark.flyte.x.enabled': 'true' } },
      { a: '1' },
    ],
    [
      'a disabled or unknown feature brings nothing',
      {
        features: [{ name: 'x', sparkConf: { a: '1' } }],
        taskConf: { 'spark.flyteorg.x.enabled': 'false', 'spark.flyteorg.y.enabled': 'true' },
      },
      {},
    ],
    [
      'core limits follow spark.<role>.cores',
      { taskConf: { 'spark.driver.cores': '2', 'spark.executor.cores': '4' } },
      {
        'spark.driver.cores': '2',
        'spark.executor.cores': '4',
        'spark.kubernetes.driver.limit.cores': '2',
        'spark.kubernetes.executor.limit.cores': '4',
      },
    ],
    [
      'a request.cores setting wins over cores for the limit',
      { taskConf: { 'spark.executor.cores': '4', 'spark.kubernetes.executor.request.cores': '500m' } },
      { 'spark.executor.cores': '4', 'spark.kubernetes.executor.request.cores': '500m', 'spark.kubernetes.executor.limit.cores': '500m' },
    ],
    [
      'an explicit limit is kept',
      { taskConf: { 'spark.executor.cores': '4', 'spark.kubernetes.executor.limit.cores': '8' } },
      { 'spark.executor.cores': '4', 'spark.kubernetes.executor.limit.cores': '8' },
    ],
    [
      'the attempt always names the executor pods and the start time',
      { taskConf: { 'spark.kubernetes.executor.podNamePrefix': 'mine' } },
      {},
    ],
  ])('%s', (_name, layers, expected) => {
    expect(layer(layers)).toEqual({ ...expected, ...perAttempt });
  });
});
