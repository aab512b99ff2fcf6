/**
 * Local runs (`mode: 'local'`): the task runs through the executor with `spark-submit --master
 * local[N]`, the layered conf and the rendered arguments. The spark-submit on PATH here is the test
 * stand-in, which records what it was given and writes outputs as the application would.
 */
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createExecutor, createRegistry, executorRunner, openStateStore, TaskFailedError, t, withRunner } from '@tflyte/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type SparkBackendOptions, sparkPlugin, sparkTask } from './index.ts';

const FAKE = fileURLToPath(new URL('./test-support/fake-spark-submit.mjs', import.meta.url));
const SEED_CONF = {
  'spark.driver.memory': '1000M',
  'spark.executor.memory': '1000M',
  'spark.executor.cores': '1',
  'spark.executor.instances': '2',
};

const wordCount = sparkTask({
  name: 'wordCount',
  inputs: { text: t.file(), minCount: t.int() },
  outputs: { counts: t.dataset({ format: 'csv' }), distinctWords: t.int() },
  application: {
    type: 'python',
    mainApplicationFile: 'local:///opt/app/wordcount.py',
    arguments: ['--input', '{{ .inputs.text }}', '--min', '{{ .inputs.minCount }}', '--out', '{{ .outputs.counts }}'],
  },
  sparkConf: SEED_CONF,
  hadoopConf: { 'fs.s3a.fast.upload': 'true' },
  env: { APP_MODE: 'test' },
  image: 'ghcr.io/example/spark:3.5.0',
});
const failing = sparkTask({
  name: 'failing',
  application: { type: 'python', mainApplicationFile: 'local:///opt/app/fail.py' },
  image: 'spark',
  retries: 1,
});

let scratch: string;
let bin: string;
let record: string;
beforeEach(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'tflyte-spark-local-'));
  bin = join(scratch, 'bin');
  record = join(scratch, 'record.jsonl');
  await mkdir(bin);
  await writeFile(join(bin, 'spark-submit'), `#!/bin/sh\nexec "${process.execPath}" "${FAKE}" "$@"\n`);
  await chmod(join(bin, 'spark-submit'), 0o755);
});
afterEach(() => rm(scratch, { recursive: true, force: true }));

async function withExecutor<T>(options: SparkBackendOptions, body: () => Promise<T>): Promise<T> {
  const registry = createRegistry();
  registry.register(sparkPlugin(options));
  const store = openStateStore(join(scratch, 'state'));
  try {
    return await withRunner(executorRunner(createExecutor({ registry, store, stateDir: join(scratch, 'state'), systemRetries: 0 })), body);
  } finally {
    store.close();
  }
}

const env = () => ({ PATH: `${bin}:/usr/bin:/bin`, SPARK_SUBMIT_RECORD: record });
const recorded = async () =>
  (await readFile(record, 'utf8'))
    .trim()
    .split('\n')
    .map(
      (l) =>
        JSON.parse(l) as {
          options: { master: string; name: string; conf: Record<string, string> };
          application: string;
          args: string[];
          env: Record<string, string>;
        },
    );

describe("sparkPlugin({ mode: 'local' })", () => {
  it('runs the application with spark-submit --master local[N], the layered conf and rendered arguments, and collects its outputs', async () => {
    const input = join(scratch, 'words.txt');
    await writeFile(input, 'a b a c a b\n');
    const result = await withExecutor({ mode: 'local', defaultSparkConf: { 'spark.ui.enabled': 'false' }, local: { env: env() } }, () =>
      wordCount({ text: { uri: pathToFileURL(input).href }, minCount: 2 }),
    );
    expect(result.distinctWords).toBe(2);
    expect(await readFile(join(fileURLToPath(result.counts.uri), 'part-00000.csv'), 'utf8')).toBe('word,count\na,3\nb,2\n');
    const [submit] = await recorded();
    // Two executors of one core each: two local threads. Kubernetes-only conf is left out.
    expect(submit!.options.master).toBe('local[2]');
    expect(submit!.options.conf).toEqual({ ...SEED_CONF, 'spark.ui.enabled': 'false', 'spark.hadoop.fs.s3a.fast.upload': 'true' });
    expect(submit!.application).toBe('/opt/app/wordcount.py');
    expect(submit!.args).toEqual(['--input', pathToFileURL(input).href, '--min', '2', '--out', result.counts.uri]);
    expect(submit!.env).toMatchObject({
      APP_MODE: 'test',
      FLYTE_ATTEMPT_NUMBER: '0',
      TFLYTE_OUTPUT_DOCUMENT: expect.stringMatching(/tflyte-outputs\.json$/),
    });
  });

  it('fails a non-zero exit as a retryable USER error with the end of its stderr, and retries', async () => {
    const run = withExecutor({ mode: 'local', local: { env: env(), threads: 1 } }, () => failing({}));
    await expect(run).rejects.toBeInstanceOf(TaskFailedError);
    await expect(run).rejects.toMatchObject({
      failure: { kind: 'user', retryable: true, code: 'SparkSubmitFailed', message: expect.stringContaining('ValueError: bad input') },
      attempts: 2,
    });
    expect((await recorded()).map((r) => r.options.master)).toEqual(['local[1]', 'local[1]']);
  });

  it('says what to install or configure when there is no spark-submit', async () => {
    const run = withExecutor({ mode: 'local', local: { env: { PATH: '/nonexistent' } } }, () => failing({}));
    await expect(run).rejects.toMatchObject({
      failure: {
        kind: 'system',
        retryable: false,
        code: 'SPARK_SUBMIT_NOT_FOUND',
        message: expect.stringMatching(/'spark-submit' is not on PATH\. Install Apache Spark .* sparkSubmit: '\/path\/to\/spark-submit'/),
      },
      attempts: 1,
    });
  });
});
