/**
 * examples/spark end to end: `tflyte run` with sparkPlugin() in the project's tflyte.config.ts and
 * KUBECONFIG pointing at the Kubernetes test API server, which holds the SparkApplication CRD, runs
 * the driver pod on its node (the image's spark-submit is the test stand-in) and has the
 * spark-operator emulation move the application through its states. `tflyte serialize` writes the
 * TaskTemplate flytekit-spark would.
 */
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '@tflyte/cli';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type SparkCluster, startSparkCluster } from '../packages/plugin-spark/src/test-support/cluster.ts';
import { wordCount } from './spark.ts';

const IMAGE = 'ghcr.io/example/pyspark-wordcount:1.0';
const EXAMPLE = fileURLToPath(new URL('./spark.ts', import.meta.url));
const PLUGIN = new URL('../packages/plugin-spark/src/index.ts', import.meta.url).href;

describe('examples/spark', () => {
  let cluster: SparkCluster;
  let scratch: string;
  let project: string;
  const saved = { KUBECONFIG: process.env.KUBECONFIG };
  beforeAll(async () => {
    cluster = await startSparkCluster({ images: [IMAGE] });
    scratch = await mkdtemp(join(tmpdir(), 'tflyte-example-spark-'));
    project = join(scratch, 'project');
    await mkdir(project);
    const kubeconfig = join(scratch, 'kubeconfig');
    await writeFile(kubeconfig, cluster.server.kubeConfig().exportConfig());
    process.env.KUBECONFIG = kubeconfig;
    await writeFile(
      join(project, 'tflyte.config.ts'),
      `import { sparkPlugin } from ${JSON.stringify(PLUGIN)};\nexport default { plugins: [sparkPlugin({ namespace: ${JSON.stringify(cluster.namespace)} })], stateDir: '.tflyte' };\n`,
    );
  });
  afterAll(async () => {
    if (saved.KUBECONFIG === undefined) delete process.env.KUBECONFIG;
    else process.env.KUBECONFIG = saved.KUBECONFIG;
    await cluster?.close();
    if (scratch !== undefined) await rm(scratch, { recursive: true, force: true });
  });

  it('counts words with tflyte run: one SparkApplication, a dataset and a typed count, nothing left behind', async () => {
    const text = join(scratch, 'words.txt');
    await writeFile(text, 'to be or not to be that is the question\n');
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(['run', '--json', EXAMPLE, 'wordCount', '--text', text, '--min-count', '2'], {
      cwd: project,
      out: (l) => out.push(l),
      err: (l) => err.push(l),
      env: process.env,
      isTTY: false,
    });
    expect(err.join('\n')).not.toMatch(/error/i);
    expect(code).toBe(0);
    const result = JSON.parse(out.join('\n')) as { counts: { uri: string; format: string }; distinctWords: number };
    expect(result.distinctWords).toBe(2);
    expect(result.counts.format).toBe('csv');
    expect(await readFile(join(fileURLToPath(result.counts.uri), 'part-00000.csv'), 'utf8')).toBe('word,count\nbe,2\nto,2\n');
    expect(cluster.sparkRequests('POST')).toBe(1);
    await vi.waitFor(async () => expect(await cluster.applications()).toEqual([]));
  }, 60_000);

  it('serializes with tflyte serialize as flytekit-spark does', async () => {
    const dir = join(scratch, 'serialized');
    const code = await main(['serialize', EXAMPLE, '--out', dir, '--format', 'json', '--version', 'v1'], {
      cwd: project,
      out: () => undefined,
      err: () => undefined,
      env: process.env,
      isTTY: false,
    });
    expect(code).toBe(0);
    const [file] = await readdir(dir);
    const spec = JSON.parse(await readFile(join(dir, file!), 'utf8')) as {
      template: { type: string; custom: object; container: { image: string; args: string[] } };
    };
    expect(spec.template.type).toBe('spark');
    expect(spec.template.custom).toEqual({
      mainApplicationFile: 'local:///opt/app/wordcount.py',
      sparkConf: {
        'spark.driver.memory': '1000M',
        'spark.executor.memory': '1000M',
        'spark.executor.cores': '1',
        'spark.executor.instances': '2',
      },
    });
    expect(spec.template.container.image).toBe(IMAGE);
    expect(spec.template.container.args).toEqual([
      '--input',
      '{{ .inputs.text }}',
      '--min',
      '{{ .inputs.minCount }}',
      '--out',
      '{{ .rawOutputDataPrefix }}/counts',
    ]);
  });

  it('is named by module and export, as Flyte names tasks', () => {
    expect(wordCount.name).toBe('examples.spark.wordCount');
  });
});
