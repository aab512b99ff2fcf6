import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chmod, copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ContainerRuntime } from './container-runtime.ts';
import { ContainerCommandError, ContainerRunCancelledError, ImageUnavailableError } from './errors.ts';
import { probeContainerRuntime, runtimeOf } from './runtime-availability.ts';
import { ensureBusyboxImage } from './test-images.ts';

const probe = await probeContainerRuntime();

describe.skipIf(!probe.available)('ContainerRuntime in a real container runtime', () => {
  // A label unique to this file, so assertions about leftovers ignore containers of concurrent tests.
  const labels = { 'tflyte.test': randomUUID() };
  const scratchDirs: string[] = [];
  let runtime: ContainerRuntime;
  let busybox: string;

  beforeAll(async () => {
    runtime = runtimeOf(probe);
    busybox = await ensureBusyboxImage(runtime);
  });
  afterEach(async () => {
    await Promise.all(scratchDirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
    expect(await runtime.listContainers({ labels })).toEqual([]);
  });

  async function scratch(): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'tflyte-container-test-'));
    scratchDirs.push(dir);
    return dir;
  }

  it('runs a command, returns its output and exit code, and leaves no container behind', async () => {
    const result = await runtime.run({ image: busybox, command: ['echo', 'hello', 'from busybox'], name: 'echo', labels });
    expect(result).toMatchObject({ exitCode: 0, stdoutTail: 'hello from busybox\n', stderrTail: '' });
    expect(result.name).toMatch(/^tflyte-echo-[0-9a-f]{12}$/);
    expect(result.durationMs).toBeGreaterThan(0);
  });

  it('passes env vars, appends args after the command and honours the workdir', async () => {
    const result = await runtime.run({
      image: busybox,
      command: ['sh', '-c', 'echo "$GREETING|$EMPTY|$1|$(pwd)"', 'sh'],
      args: ['an argument'],
      env: { GREETING: 'hi there; $(not expanded)', EMPTY: '' },
      workdir: '/tmp',
      labels,
    });
    expect(result.stdoutTail).toBe('hi there; $(not expanded)||an argument|/tmp\n');
  });

  it('reads a bind-mounted input dir read-only and writes files the host can read to an output dir', async () => {
    const input = await scratch();
    const output = await scratch();
    await writeFile(join(input, 'in.txt'), 'input data');
    await chmod(output, 0o777);
    const result = await runtime.run({
      image: busybox,
      command: ['sh', '-c', 'tr a-z A-Z < /in/in.txt > /out/result.txt; touch /in/forbidden || echo read-only >&2'],
      mounts: [
        { hostPath: input, containerPath: '/in', readOnly: true },
        { hostPath: output, containerPath: '/out' },
      ],
      labels,
    });
    expect(result.exitCode).toBe(0);
    expect(result.stderrTail).toContain('read-only');
    expect(await readFile(join(output, 'result.txt'), 'utf8')).toBe('INPUT DATA');
  });

  it('reports a non-zero exit code with the tail of stderr', async () => {
    const result = await runtime.run({ image: busybox, command: ['sh', '-c', 'echo partial; echo "it broke" >&2; exit 42'], labels });
    expect(result).toMatchObject({ exitCode: 42, stdoutTail: 'partial\n', stderrTail: 'it broke\n' });
  });

  it('keeps only the last 64 KiB of a large output', async () => {
    const result = await runtime.run({ image: busybox, command: ['sh', '-c', 'head -c 200000 /dev/zero | tr "\\0" x; echo END'], labels });
    expect(result.stdoutTail).toHaveLength(64 * 1024);
    expect(result.stdoutTail.endsWith('xxxEND\n')).toBe(true);
  });

  it('gives network=none containers nothing but a loopback interface', async () => {
    const result = await runtime.run({ image: busybox, command: ['ls', '/sys/class/net'], labels });
    expect(result.stdoutTail.split(/\s+/).filter(Boolean)).toEqual(['lo']);
  });

  it('lets network=host containers reach a server on the host loopback', async () => {
    const server = createServer((_req, res) => res.end('served by the host'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const result = await runtime.run({ image: busybox, command: ['wget', '-qO-', `http://127.0.0.1:${port}/`], network: 'host', labels });
      expect(result).toMatchObject({ exitCode: 0, stdoutTail: 'served by the host' });
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('applies cpu and memory limits to the container cgroup', async () => {
    // cgroup v2 exposes memory.max and cpu.max; v1 hosts have memory/ and cpu/ controllers.
    const script = [
      'if [ -f /sys/fs/cgroup/memory.max ]; then cat /sys/fs/cgroup/memory.max; cat /sys/fs/cgroup/cpu.max',
      'else cat /sys/fs/cgroup/memory/memory.limit_in_bytes; echo "$(cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us) $(cat /sys/fs/cgroup/cpu/cpu.cfs_period_us)"; fi',
    ].join('; ');
    const result = await runtime.run({ image: busybox, command: ['sh', '-c', script], limits: { cpu: '500m', memory: '256Mi' }, labels });
    const [memory, cpu = ''] = result.stdoutTail.trim().split('\n');
    expect(Number(memory)).toBe(256 * 1024 * 1024);
    const [quota, period] = cpu.split(' ').map(Number);
    expect((quota ?? 0) / (period ?? 1)).toBe(0.5);
  });

  it('stops and removes the container when the AbortSignal fires during a long run', async () => {
    const controller = new AbortController();
    const running = runtime.run({ image: busybox, command: ['sleep', '30'], labels }, { signal: controller.signal, stopTimeoutSeconds: 1 });
    const outcome = running.catch((error: unknown) => error);
    while ((await runtime.listContainers({ labels })).every((c) => c.state !== 'running')) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    controller.abort(new Error('user cancelled'));
    const error = await outcome;
    expect(error).toBeInstanceOf(ContainerRunCancelledError);
    expect(error).toMatchObject({ code: 'TFLYTE_CANCELLED', cause: new Error('user cancelled') });
    expect(await runtime.listContainers({ labels })).toEqual([]);
  });

  it('removes the container when the AbortSignal fires while it is still being created', async () => {
    const controller = new AbortController();
    const running = runtime.run({ image: busybox, command: ['sleep', '30'], labels }, { signal: controller.signal });
    controller.abort();
    await expect(running).rejects.toBeInstanceOf(ContainerRunCancelledError);
    expect(await runtime.listContainers({ labels })).toEqual([]);
  });

  it('creates nothing when the signal has already fired', async () => {
    const signal = AbortSignal.abort();
    await expect(runtime.run({ image: busybox, command: ['true'], labels }, { signal })).rejects.toBeInstanceOf(ContainerRunCancelledError);
  });

  it('raises a missing image as ImageUnavailableError before creating anything, and runtime failures as ContainerCommandError', async () => {
    const missing = await runtime.run({ image: 'localhost/tflyte-test/does-not-exist:1', pull: 'never', labels }).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(ImageUnavailableError);
    expect(missing).toMatchObject({
      code: 'TFLYTE_BACKEND',
      image: 'localhost/tflyte-test/does-not-exist:1',
      failure: { kind: 'user', retryable: false, code: 'ErrImagePull' },
    });
    const notFound = await runtime.run({ image: busybox, command: ['no-such-binary'], labels }).catch((e: unknown) => e);
    expect(notFound).toBeInstanceOf(ContainerCommandError);
    expect(notFound).toMatchObject({
      failure: { kind: 'user', code: 'ContainerCannotRun' },
      stderr: expect.stringMatching(/no-such-binary/),
    });
    const mounts = [{ hostPath: join(await scratch(), 'missing'), containerPath: '/in' }];
    await expect(runtime.run({ image: busybox, command: ['true'], mounts, labels })).rejects.toMatchObject({
      failure: { kind: 'user', code: 'CreateContainerError' },
    });
  });

  describe('images', () => {
    const refs: string[] = [];
    afterAll(async () => {
      for (const ref of refs) await runtime.removeImage(ref);
    });

    it('imports a root filesystem from a tar stream with its command and env, and tells whether an image exists', async () => {
      const rootfs = await scratch();
      await mkdir(join(rootfs, 'bin'));
      await copyFile('/bin/busybox', join(rootfs, 'bin', 'sh')); // busybox-static: runs alone, as sh by its name
      await writeFile(join(rootfs, 'message.txt'), 'imported');
      const ref = `localhost/tflyte-test/stream-import:${randomUUID().slice(0, 8)}`;
      refs.push(ref);
      const tar = spawn('tar', ['-C', rootfs, '-c', '.'], { stdio: ['ignore', 'pipe', 'inherit'] });

      expect(await runtime.imageExists(ref)).toBe(false);
      await runtime.importImage(tar.stdout, ref, { env: { SUFFIX: '!' }, cmd: ['/bin/sh', '-c', 'echo "$(cat /message.txt)$SUFFIX"'] });
      expect(await runtime.imageExists(ref)).toBe(true);
      expect(await runtime.run({ image: ref, labels })).toMatchObject({ exitCode: 0, stdoutTail: 'imported!\n' });
    });
  });
});
