// `npx tflyte run` of a function task routed to Kubernetes pods (examples/kubernetes), killed with
// SIGKILL while its pod runs, then the same command run again: it resumes the run and re-attaches to
// the pod the first process created, prints that pod's greeting, and the pod is deleted. The API
// server saw one pod created.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CoreV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type LocalCluster, startLocalCluster } from './kubernetes/local-cluster.ts';
import { killGroup, tflyteRun } from './test-support/tflyte-bin.ts';

const EXAMPLE_DIR = fileURLToPath(new URL('./kubernetes/', import.meta.url));
const NAMESPACE = 'tflyte-examples';

let cluster: LocalCluster;
let scratch: string;
let core: CoreV1Api;

beforeAll(async () => {
  cluster = await startLocalCluster();
  scratch = await mkdtemp(join(tmpdir(), 'tflyte-example-k8s-crash-'));
  core = cluster.server.kubeConfig().makeApiClient(CoreV1Api);
}, 60_000);

afterAll(async () => {
  await cluster?.server.close();
  await rm(cluster.kubeconfig, { force: true });
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

const run = (args: readonly string[]) =>
  tflyteRun(args, { cwd: EXAMPLE_DIR, env: { ...process.env, KUBECONFIG: cluster.kubeconfig, TFLYTE_STATE_DIR: join(scratch, 'state') } });

const runningPods = async () =>
  (await core.listNamespacedPod({ namespace: NAMESPACE })).items.filter((p) => p.status?.phase === 'Running').map((p) => p.metadata?.name);
const creates = () => cluster.server.requestCounts.create ?? 0;

describe('npx tflyte run of a pod task, killed with SIGKILL and run again', () => {
  it('re-attaches to the one pod and prints its greeting; the pod is deleted afterwards', { timeout: 180_000 }, async () => {
    const before = creates();
    const args = ['hello.ts', 'greetSlowly', '--name', 'again', '--seconds', '6'];
    const first = run(args);
    try {
      await vi.waitFor(
        async () => {
          if (first.child.exitCode !== null) throw new Error(`tflyte exited before its pod ran:\n${first.stderr}`);
          expect(await runningPods()).toHaveLength(1);
        },
        { timeout: 120_000, interval: 100 },
      );
    } finally {
      await killGroup(first);
    }
    const [pod] = await runningPods();

    const second = run(args);
    await second.exited;
    expect(second.stderr).toMatch(/resuming run/);
    // The greeting comes from the first command's pod: its HOSTNAME is that pod's name.
    expect(JSON.parse(second.stdout)).toBe(`Hello, again, from ${pod}`);
    expect(creates() - before).toBe(1);
    await vi.waitFor(async () => expect((await core.listNamespacedPod({ namespace: NAMESPACE })).items).toEqual([]), { timeout: 30_000 });
  });
});
