/**
 * Spark tasks run end to end: the task is called as a user calls it, through an executor with
 * sparkPlugin() registered, against the Kubernetes test API server holding the real SparkApplication
 * CRD, with the spark-operator emulation creating the driver pod, the test node running it, and the
 * application moving SUBMITTED → RUNNING → COMPLETED/FAILED. Applications are counted on the server.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CancelledError, executorRunner, TaskFailedError, t, toLiteralMap, toTaskTemplate, withRunner } from '@tflyte/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { sparkTask } from './index.ts';
import { type SparkCluster, startSparkCluster, TEST_IMAGE } from './test-support/cluster.ts';

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
  image: TEST_IMAGE,
});

const appTask = (file: string, extra: { retries?: number } = {}) =>
  sparkTask({
    name: 'app',
    outputs: { distinctWords: t.int() },
    application: { type: 'python', mainApplicationFile: `local:///opt/app/${file}` },
    sparkConf: SEED_CONF,
    image: TEST_IMAGE,
    ...extra,
  });

const phases = (cluster: SparkCluster) => cluster.events.flatMap((e) => (e.type === 'status-changed' ? [e.phaseName] : []));

let cluster: SparkCluster;
let scratch: string;
beforeEach(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'tflyte-spark-test-'));
});
afterEach(async () => {
  await cluster?.close();
  await rm(scratch, { recursive: true, force: true });
});

describe('a Spark task through the executor and the operator', () => {
  it('runs a word count: one SparkApplication, its dataset and scalar outputs, the application deleted afterwards', async () => {
    const record = join(scratch, 'spark-submit.jsonl');
    cluster = await startSparkCluster({
      operator: { driverEnv: { SPARK_SUBMIT_RECORD: record } },
      plugin: { logs: { mixed: [{ name: 'Kubernetes Logs', template: 'https://k8s/{{ .namespace }}/{{ .podName }}' }] } },
    });
    const input = join(scratch, 'words.txt');
    await writeFile(input, 'the cat and the hat and the bat\n');
    const result = await withRunner(executorRunner(cluster.executor, { runId: 'wc' }), () =>
      wordCount({ text: { uri: pathToFileURL(input).href }, minCount: 2 }),
    );

    expect(result.distinctWords).toBe(2);
    expect(result.counts.uri).toMatch(/\/raw\/counts$/);
    expect(await readFile(join(fileURLToPath(result.counts.uri), 'part-00000.csv'), 'utf8')).toBe('word,count\nthe,3\nand,2\n');
    expect(phases(cluster)).toEqual(expect.arrayContaining(['INITIALIZING', 'RUNNING', 'SUCCEEDED']));
    const running = cluster.events.find((e) => e.type === 'status-changed' && e.phaseName === 'RUNNING');
    expect(running?.type === 'status-changed' && running.logs).toEqual(
      expect.arrayContaining([
        { name: 'Kubernetes Logs (Driver Logs)', uri: 'https://k8s/spark/wc-n0-0-driver' },
        { name: 'Spark Driver UI', uri: 'https://spark-ui.test/wc-n0-0' },
      ]),
    );

    // What spark-submit was given: the application, its rendered arguments, the driver's env.
    const [submitted] = (await readFile(record, 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { application: string; args: string[]; env: Record<string, string> });
    expect(submitted!.application).toBe('local:///opt/app/wordcount.py');
    expect(submitted!.args).toEqual(['--input', pathToFileURL(input).href, '--min', '2', '--out', result.counts.uri]);
    expect(submitted!.env).toMatchObject({
      FLYTE_MAX_ATTEMPTS: '1',
      FLYTE_ATTEMPT_NUMBER: '0',
      FLYTE_INTERNAL_EXECUTION_ID: 'wc-n0',
      TFLYTE_OUTPUT_DOCUMENT: expect.stringMatching(/\/raw\/tflyte-outputs\.json$/),
    });

    expect(cluster.sparkRequests('POST')).toBe(1);
    expect(cluster.operator?.submitted).toEqual(['wc-n0-0']);
    await vi.waitFor(async () => expect(await cluster.applications()).toEqual([]));
    expect(cluster.sparkRequests('DELETE')).toBe(1);
  });

  it('creates the application as Flyte builds it: cluster mode, restart policy, conf, service account, executors', async () => {
    cluster = await startSparkCluster();
    const input = join(scratch, 'words.txt');
    await writeFile(input, 'a b\n');
    await cluster.executor.run(
      toTaskTemplate(wordCount),
      toLiteralMap(wordCount.inputs, { text: { uri: pathToFileURL(input).href }, minCount: 1 }),
      { runId: 'shape' },
    );
    const post = cluster.server.requests.find((r) => r.method === 'POST' && r.path.endsWith('/sparkapplications'))!;
    const app = JSON.parse(post.body) as {
      metadata: { labels: Record<string, string> };
      spec: Record<string, unknown> & { sparkConf: Record<string, string> };
    };
    expect(app.metadata.labels['app.kubernetes.io/managed-by']).toBe('tflyte');
    expect(app.spec).toMatchObject({
      type: 'Python',
      mode: 'cluster',
      image: TEST_IMAGE,
      mainApplicationFile: 'local:///opt/app/wordcount.py',
      restartPolicy: { type: 'OnFailure', onSubmissionFailureRetries: 14 },
      driver: { memory: '1000M', serviceAccount: 'spark', image: TEST_IMAGE },
      executor: { cores: 1, instances: 2, memory: '1000M', serviceAccount: 'spark' },
    });
    expect(app.spec.sparkConf).toMatchObject({
      ...SEED_CONF,
      'spark.kubernetes.executor.limit.cores': '1',
      'spark.kubernetes.executor.podNamePrefix': 'shape-n0-0',
    });
  });

  it('fails a failed application as a retryable USER error and retries it with a new application', async () => {
    cluster = await startSparkCluster();
    const run = withRunner(executorRunner(cluster.executor, { runId: 'fails' }), () => appTask('fail.py', { retries: 1 })({}));
    await expect(run).rejects.toBeInstanceOf(TaskFailedError);
    await expect(run).rejects.toMatchObject({
      failure: {
        kind: 'user',
        retryable: true,
        code: 'DownstreamSystemError',
        message: expect.stringContaining('driver container failed with ExitCode: 1'),
      },
      attempts: 2,
    });
    expect(cluster.operator?.submitted).toEqual(['fails-n0-0', 'fails-n0-1']);
    expect(cluster.sparkRequests('POST')).toBe(2);
    await vi.waitFor(async () => expect(await cluster.applications()).toEqual([]));
  });

  it('fails as a non-retryable USER error naming the output when the application writes no output document', async () => {
    cluster = await startSparkCluster();
    const run = withRunner(executorRunner(cluster.executor), () => appTask('no-outputs.py', { retries: 2 })({}));
    await expect(run).rejects.toMatchObject({
      failure: {
        kind: 'user',
        retryable: false,
        code: 'SPARK_OUTPUT_MISSING',
        message: expect.stringContaining("outputs 'distinctWords'"),
      },
      attempts: 1,
    });
  });

  it('fails naming the output when the document holds a value of the wrong type', async () => {
    cluster = await startSparkCluster();
    const run = withRunner(executorRunner(cluster.executor), () => appTask('bad-outputs.py')({}));
    await expect(run).rejects.toMatchObject({
      failure: { kind: 'user', code: 'SPARK_OUTPUT_INVALID', message: expect.stringContaining("output 'distinctWords'") },
    });
  });

  it('deletes the application when the run is cancelled', async () => {
    cluster = await startSparkCluster();
    const controller = new AbortController();
    const run = withRunner(executorRunner(cluster.executor, { signal: controller.signal }), () => appTask('sleep.py')({}));
    await vi.waitFor(() => expect(phases(cluster)).toContain('RUNNING'), { timeout: 10_000, interval: 10 });
    controller.abort();
    await expect(run).rejects.toBeInstanceOf(CancelledError);
    await vi.waitFor(async () => expect(await cluster.applications()).toEqual([]));
    expect(cluster.sparkRequests('POST')).toBe(1);
    expect(cluster.sparkRequests('DELETE')).toBeGreaterThanOrEqual(1);
  });
});

describe('application states driven by hand', () => {
  it('maps each operator state the watch sees, in order, and succeeds on COMPLETED', async () => {
    cluster = await startSparkCluster({ operator: false });
    const task = sparkTask({
      name: 'noOutputs',
      application: { type: 'java', mainApplicationFile: 'local:///app.jar', mainClass: 'Main' },
      image: TEST_IMAGE,
    });
    const run = cluster.executor.run(toTaskTemplate(task), toLiteralMap({}, {}), { runId: 'manual' });
    const ref = { group: 'sparkoperator.k8s.io', resource: 'sparkapplications', namespace: 'spark', name: 'manual-n0-0' };
    await vi.waitFor(() => expect(cluster.server.getObject(ref)).toBeDefined());
    const step = async (state: string, phase: string) => {
      cluster.server.setStatus(ref, { applicationState: { state }, driverInfo: { podName: 'manual-n0-0-driver' } });
      await vi.waitFor(() => expect(phases(cluster).at(-1)).toBe(phase));
    };
    await step('SUBMITTED', 'INITIALIZING');
    await step('RUNNING', 'RUNNING');
    await step('PENDING_RERUN', 'RUNNING');
    cluster.server.setStatus(ref, { applicationState: { state: 'COMPLETED' }, driverInfo: {} });
    expect((await run).literals).toEqual({});
    expect(cluster.sparkRequests('POST')).toBe(1);
  });
});
