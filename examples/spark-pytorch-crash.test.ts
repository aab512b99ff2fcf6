// `npx tflyte run` of the Spark and PyTorch examples on the Kubernetes test cluster, killed with
// SIGKILL while its custom resource waits for the operator, then the same command run again: it
// resumes the run, re-attaches to the SparkApplication / PyTorchJob the first process created, and
// prints the outputs once the operator (let go only now) has run it. The server saw one object.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  hostMountedImage,
  type KubeTestNode,
  type KubeTestServer,
  startKubeApiServer,
  startTrainingOperator,
  type TrainingOperator,
} from '@tflyte/testing/kubernetes';
import { afterEach, describe, expect, it } from 'vitest';
import { haveTorch, PYTHON } from '../packages/plugin-pytorch/src/test-fixtures/torch.ts';
import { type SparkCluster, startSparkCluster } from '../packages/plugin-spark/src/test-support/cluster.ts';
import { killGroup, type TflyteProcess, tflyteRun, until } from './test-support/tflyte-bin.ts';

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
const SPARK_PLUGIN = new URL('../packages/plugin-spark/src/index.ts', import.meta.url).href;
const PYTORCH_PLUGIN = new URL('../packages/plugin-pytorch/src/index.ts', import.meta.url).href;

const children: TflyteProcess['child'][] = [];
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGKILL');
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A project directory whose tflyte.config.ts holds `config`, and a kubeconfig for the server, as a user has them. */
function project(server: KubeTestServer, config: string): { dir: string; kubeconfig: string } {
  const dir = mkdtempSync(join(tmpdir(), 'tflyte-crd-crash-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'tflyte.config.ts'), config);
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(kubeconfig, server.kubeConfig().exportConfig());
  return { dir, kubeconfig };
}

/** `npx tflyte run --json <args>` in the project, pointed at the test cluster. */
function run(where: { dir: string; kubeconfig: string }, args: readonly string[]): TflyteProcess {
  const started = tflyteRun(args, { cwd: where.dir, env: { ...process.env, KUBECONFIG: where.kubeconfig } });
  children.push(started.child);
  return started;
}

describe('npx tflyte run of a CRD task, killed with SIGKILL and run again', () => {
  it('Spark: the second command re-attaches to the one SparkApplication and prints the word count', { timeout: 240_000 }, async () => {
    const IMAGE = 'ghcr.io/example/pyspark-wordcount:1.0';
    const cluster: SparkCluster = await startSparkCluster({ images: [IMAGE], operator: { paused: true } });
    cleanups.push(() => cluster.close());
    const where = project(
      cluster.server,
      `import { sparkPlugin } from ${JSON.stringify(SPARK_PLUGIN)};\nexport default { plugins: [sparkPlugin({ namespace: ${JSON.stringify(cluster.namespace)} })] };\n`,
    );
    const text = join(where.dir, 'words.txt');
    writeFileSync(text, 'to be or not to be\n');
    const args = [resolve(REPO_ROOT, 'examples/spark.ts'), 'wordCount', '--text', text, '--min-count', '2'];

    const first = run(where, args);
    await until(
      'the application was created and reported',
      async () => (await cluster.applications()).length === 1 && /QUEUED/i.test(first.stderr),
      first,
    );
    await killGroup(first);
    expect(await cluster.applicationsCreated()).toBe(1);

    const second = run(where, args);
    await until('it resumed the run', () => /resuming run/.test(second.stderr), second);
    cluster.operator!.resume();
    expect(await second.exited, second.stderr).toEqual({ code: 0, signal: null });
    expect(JSON.parse(second.stdout)).toMatchObject({ distinctWords: 2, counts: { format: 'csv' } });
    expect(cluster.operator!.submitted).toHaveLength(1);
    expect(await cluster.applicationsCreated()).toBe(1);
  });

  it.skipIf(!haveTorch)(
    'PyTorch: the second command re-attaches to the one PyTorchJob, whose three real ranks then train',
    { timeout: 300_000 },
    async () => {
      const NS = 'training';
      const server = await startKubeApiServer({
        crds: [readFileSync(resolve(REPO_ROOT, '../shared/schemas/kubeflow.org_pytorchjobs.yaml'), 'utf8')],
      });
      cleanups.push(() => server.close());
      const node: KubeTestNode = server.startNode({
        imageMap: {
          'ghcr.io/tflyte-examples/pytorch:1.13': hostMountedImage(server, {
            namespace: NS,
            cwd: REPO_ROOT,
            executables: { python3: PYTHON },
          }),
        },
      });
      cleanups.push(() => node.stop());
      const operator: TrainingOperator = await startTrainingOperator(server, {
        namespace: NS,
        paused: true,
        env: { OMP_NUM_THREADS: '1' },
      });
      cleanups.push(() => operator.stop());
      const where = project(
        server,
        `import { pytorchPlugin } from ${JSON.stringify(PYTORCH_PLUGIN)};\nexport default { plugins: [pytorchPlugin({ kubernetes: { namespace: ${JSON.stringify(NS)} } })] };\n`,
      );
      const args = [resolve(REPO_ROOT, 'examples/pytorch.ts'), 'trainTinyModel', '--steps', '2', '--lr', '0.05'];

      const first = run(where, args);
      await until('the job was admitted and reported', () => operator.jobs.length === 1 && /QUEUED/i.test(first.stderr), first);
      await killGroup(first);

      const second = run(where, args);
      await until('it resumed the run', () => /resuming run/.test(second.stderr), second);
      operator.resume();
      expect(await second.exited, second.stderr).toEqual({ code: 0, signal: null });
      expect(JSON.parse(second.stdout)).toMatchObject({ world_size: 3, rank_sum: 6 });
      expect(operator.jobs).toHaveLength(1);
      expect(operator.pods).toHaveLength(3);
    },
  );
});
