/**
 * examples/kubernetes end to end: its tflyte.config.ts routes function and container tasks to
 * Kubernetes, here the test API server whose node runs pods for real (function tasks as processes in
 * this repository, container tasks in podman). Each run goes through `tflyte run` in the example's
 * directory with KUBECONFIG pointing at the server, and leaves no pod behind.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CoreV1Api } from '@kubernetes/client-node';
import { openSession, withRunner } from '@tflyte/core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildEllipseImage } from './container/image.ts';
import { calculateEllipseAreaShell } from './container.ts';
import { greet } from './kubernetes/hello.ts';
import { type LocalCluster, REPO_ROOT, startLocalCluster } from './kubernetes/local-cluster.ts';
import { parallelizedMean } from './parallel.ts';

const EXAMPLE_DIR = fileURLToPath(new URL('./kubernetes/', import.meta.url));
const NODE = join(REPO_ROOT, 'node_modules', '.bin', 'node');
const CLI = join(REPO_ROOT, 'packages', 'cli', 'src', 'main.ts');
const NAMESPACE = 'tflyte-examples';

let cluster: LocalCluster;
let scratch: string;
let core: CoreV1Api;
const previousEnv = { ...process.env };

beforeAll(async () => {
  cluster = await startLocalCluster();
  scratch = await mkdtemp(join(tmpdir(), 'tflyte-example-k8s-'));
  core = cluster.server.kubeConfig().makeApiClient(CoreV1Api);
  // What `tflyte run` gets, and what the in-process session below reads when it loads the config.
  Object.assign(process.env, { KUBECONFIG: cluster.kubeconfig, TFLYTE_STATE_DIR: join(scratch, 'state') });
}, 60_000);

afterAll(async () => {
  for (const key of ['KUBECONFIG', 'TFLYTE_STATE_DIR']) {
    if (previousEnv[key] === undefined) delete process.env[key];
    else process.env[key] = previousEnv[key];
  }
  await cluster?.server.close();
  await rm(cluster.kubeconfig, { force: true });
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

/** `tflyte run` in the example's directory. */
function tflyteRun(args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(NODE, ['--conditions=@tflyte/source', CLI, 'run', ...args], {
      cwd: EXAMPLE_DIR,
      env: process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += String(chunk)));
    child.stderr.on('data', (chunk) => (stderr += String(chunk)));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const pods = async () => (await core.listNamespacedPod({ namespace: NAMESPACE })).items.map((p) => p.metadata?.name);
const creates = () => cluster.server.requestCounts.create ?? 0;

describe('examples/kubernetes', () => {
  it('runs a function task as a pod through `tflyte run`', async () => {
    const before = creates();
    const { code, stdout, stderr } = await tflyteRun(['hello.ts', 'greet', '--name', 'Kubernetes']);
    expect(stderr).not.toMatch(/error/i);
    expect(code).toBe(0);
    // The pod's HOSTNAME is its name: the attempt's generated name.
    expect(stdout.trim()).toMatch(/^Hello, Kubernetes, from r[a-z0-9]+-n0-0$/);
    expect(creates() - before).toBe(1);
    await vi.waitFor(async () => expect(await pods()).toEqual([]));
  }, 60_000);

  it('runs the parallelizedMean workflow through `tflyte run`: a pod per task call, map elements in parallel', async () => {
    const before = creates();
    const { code, stdout } = await tflyteRun(['../parallel.ts', 'parallelizedMean', '--values', '[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]']);
    expect(code).toBe(0);
    expect(stdout.trim()).toBe('5.5');
    // preparePartitions, three sumAndLength elements, reduce.
    expect(creates() - before).toBe(5);
    await vi.waitFor(async () => expect(await pods()).toEqual([]));
  }, 120_000);

  it('runs a function task and the workflow through a session configured by the example’s tflyte.config.ts', async () => {
    const before = creates();
    const session = await openSession({ cwd: EXAMPLE_DIR });
    try {
      expect(await withRunner(session.runner(), () => greet({ name: 'session' }))).toMatch(/^Hello, session, from r[a-z0-9]+-n0-0$/);
      expect(await withRunner(session.runner(), () => parallelizedMean({ values: [2, 4, 6, 8], nPartitions: 2 }))).toBe(5);
    } finally {
      session.close();
    }
    expect(creates() - before).toBe(1 + 4);
    await vi.waitFor(async () => expect(await pods()).toEqual([]));
  }, 60_000);

  describe('container tasks (raw-container), in podman', () => {
    it('computes the area of an ellipse in a real container through `tflyte run`', async (ctx) => {
      if (!cluster.containers) ctx.skip();
      await buildEllipseImage();
      const before = creates();
      const { code, stdout, stderr } = await tflyteRun(['--json', '../container.ts', 'calculateEllipseAreaShell', '--a', '3', '--b', '4']);
      expect(stderr).not.toMatch(/error/i);
      expect(code).toBe(0);
      const result = JSON.parse(stdout) as { area: number; metadata: string };
      expect(result.area).toBeCloseTo(Math.PI * 12, 12);
      expect(result.metadata).toBe('[from shell rawcontainer] area of an ellipse with semi-axes 3 and 4');
      expect(creates() - before).toBe(1);
      await vi.waitFor(async () => expect(await pods()).toEqual([]));
    }, 120_000);

    it('runs the same container task through a session configured by the example’s tflyte.config.ts', async (ctx) => {
      if (!cluster.containers) ctx.skip();
      await buildEllipseImage();
      const session = await openSession({ cwd: EXAMPLE_DIR });
      try {
        const { area } = await withRunner(session.runner(), () => calculateEllipseAreaShell({ a: 0.5, b: 2e-5 }));
        expect(area).toBeCloseTo(Math.PI * 1e-5, 15);
      } finally {
        session.close();
      }
      await vi.waitFor(async () => expect(await pods()).toEqual([]));
    }, 120_000);
  });
});
