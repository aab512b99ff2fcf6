// `tflyte render` through main(), with KUBECONFIG pointing at the Kubernetes test API server: the
// YAML printed for a Spark task, a PyTorch task and a function task run as a pod is what the
// server accepts (the operators' CRDs with strict field validation, the pod schema), and rendering
// created nothing on the server.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { type KubeTestServer, startKubeApiServer } from '@tflyte/testing/kubernetes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { main } from '../main.ts';
import { EXIT } from '../usage-error.ts';

const REPO_ROOT = resolve(import.meta.dirname, '../../../..');
const SCHEMAS = resolve(REPO_ROOT, '../shared/schemas');
const url = (path: string) => new URL(`../../../${path}`, import.meta.url).href;

let server: KubeTestServer;
let project: string;
const saved = process.env.KUBECONFIG;

beforeAll(async () => {
  server = await startKubeApiServer({
    crds: [
      readFileSync(join(SCHEMAS, 'sparkoperator.k8s.io_sparkapplications.yaml'), 'utf8'),
      readFileSync(join(SCHEMAS, 'kubeflow.org_pytorchjobs.yaml'), 'utf8'),
    ],
  });
  project = mkdtempSync(join(tmpdir(), 'tflyte-render-'));
  writeFileSync(
    join(project, 'tflyte.config.ts'),
    [
      `import { kubernetesPod } from ${JSON.stringify(url('kubernetes/src/index.ts'))};`,
      `import { sparkPlugin } from ${JSON.stringify(url('plugin-spark/src/index.ts'))};`,
      `import { pytorchPlugin } from ${JSON.stringify(url('plugin-pytorch/src/index.ts'))};`,
      `export default { plugins: [sparkPlugin({ namespace: 'spark' }), pytorchPlugin({ kubernetes: { namespace: 'training' } })], backends: { container: kubernetesPod({ namespace: 'pods' }) } };`,
    ].join('\n'),
  );
  writeFileSync(join(project, 'words.txt'), 'to be or not to be\n');
  const kubeconfig = join(project, 'kubeconfig');
  writeFileSync(kubeconfig, server.kubeConfig().exportConfig());
  process.env.KUBECONFIG = kubeconfig;
});
afterAll(async () => {
  if (saved === undefined) delete process.env.KUBECONFIG;
  else process.env.KUBECONFIG = saved;
  await server?.close();
  if (project !== undefined) rmSync(project, { recursive: true, force: true });
});

async function renderYaml(...args: string[]): Promise<{ code: number; object: Record<string, any>; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(['render', ...args], {
    cwd: project,
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    env: process.env,
    isTTY: false,
  });
  return { code, object: code === EXIT.ok ? (parse(out.join('\n')) as Record<string, any>) : {}, err: err.join('\n') };
}

describe('tflyte render', () => {
  it('prints the SparkApplication of examples/spark.ts, which the spark-operator CRD accepts', async () => {
    const { code, object, err } = await renderYaml(
      join(REPO_ROOT, 'examples/spark.ts'),
      'wordCount',
      '--text',
      join(project, 'words.txt'),
      '--min-count',
      '2',
    );
    expect(err).toBe('');
    expect(code).toBe(EXIT.ok);
    expect(object).toMatchObject({
      apiVersion: 'sparkoperator.k8s.io/v1beta2',
      kind: 'SparkApplication',
      metadata: { namespace: 'spark', labels: { 'app.kubernetes.io/managed-by': 'tflyte' } },
    });
    expect(object.spec).toMatchObject({
      mode: 'cluster',
      mainApplicationFile: 'local:///opt/app/wordcount.py',
      sparkConf: { 'spark.executor.instances': '2' },
    });
    expect(object.spec.arguments.slice(2, 4)).toEqual(['--min', '2']);
    expect(server.requestCounts.create ?? 0).toBe(0);
    const custom = server.kubeConfig().makeApiClient(CustomObjectsApi);
    await custom.createNamespacedCustomObject({
      group: 'sparkoperator.k8s.io',
      version: 'v1beta2',
      plural: 'sparkapplications',
      namespace: 'spark',
      body: object,
      fieldValidation: 'Strict',
    });
  });

  it('prints the PyTorchJob of examples/pytorch.ts, which the training operator CRD accepts', async () => {
    const before = server.requestCounts.create ?? 0;
    const { code, object } = await renderYaml(join(REPO_ROOT, 'examples/pytorch.ts'), 'trainTinyModel', '--steps', '3', '--lr', '0.1');
    expect(code).toBe(EXIT.ok);
    expect(object).toMatchObject({ apiVersion: 'kubeflow.org/v1', kind: 'PyTorchJob', metadata: { namespace: 'training' } });
    expect(object.spec.pytorchReplicaSpecs.Master.replicas).toBe(1);
    expect(object.spec.pytorchReplicaSpecs.Worker.replicas).toBe(2);
    expect(object.spec.pytorchReplicaSpecs.Worker.template.spec.containers[0].args).toEqual([
      '--steps',
      '3',
      '--lr',
      '0.1',
      '--out',
      '/var/outputs',
    ]);
    expect(server.requestCounts.create ?? 0).toBe(before);
    const custom = server.kubeConfig().makeApiClient(CustomObjectsApi);
    await custom.createNamespacedCustomObject({
      group: 'kubeflow.org',
      version: 'v1',
      plural: 'pytorchjobs',
      namespace: 'training',
      body: object,
      fieldValidation: 'Strict',
    });
  });

  it('prints the pod of a function task whose type runs on kubernetesPod()', async () => {
    const { code, object } = await renderYaml(join(REPO_ROOT, 'examples/kubernetes/hello.ts'), 'greet', '--name', 'you');
    expect(code).toBe(EXIT.ok);
    expect(object).toMatchObject({ apiVersion: 'v1', kind: 'Pod', metadata: { namespace: 'pods' }, spec: { restartPolicy: 'Never' } });
    await server.kubeConfig().makeApiClient(CoreV1Api).createNamespacedPod({ namespace: 'pods', body: object });
  });

  it('says which backends render when the task type runs elsewhere', async () => {
    writeFileSync(
      join(project, 'local.ts'),
      `import { t, task } from ${JSON.stringify(url('core/src/index.ts'))};\nexport const add = task({ inputs: { a: t.int() }, outputs: t.int() }, function add({ a }) { return a + 1; });\n`,
    );
    const other = mkdtempSync(join(tmpdir(), 'tflyte-render-local-'));
    try {
      writeFileSync(join(other, 'tflyte.config.ts'), 'export default { plugins: [] };\n');
      const err: string[] = [];
      const code = await main(['render', join(project, 'local.ts'), 'add', '--a', '1'], {
        cwd: other,
        out: () => undefined,
        err: (l) => err.push(l),
        env: process.env,
        isTTY: false,
      });
      expect(code).toBe(EXIT.usage);
      expect(err.join('\n')).toMatch(/creates no Kubernetes objects/);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });
});
