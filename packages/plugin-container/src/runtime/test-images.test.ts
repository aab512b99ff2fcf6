import { describe, expect, it } from 'vitest';
import { probeContainerRuntime, runtimeOf } from './runtime-availability.ts';
import { ensureBusyboxImage, ensureNodeImage, TEST_IMAGE_REPOSITORY } from './test-images.ts';

const probe = await probeContainerRuntime();

describe.skipIf(!probe.available)('test images built without a registry', () => {
  it('builds a busybox image with sh, the applets on PATH and a writable /tmp', async () => {
    const runtime = runtimeOf(probe);
    const ref = await ensureBusyboxImage(runtime);
    expect(ref).toMatch(new RegExp(`^${TEST_IMAGE_REPOSITORY}/busybox:[0-9a-f]{16}$`));
    const result = await runtime.run({ image: ref, command: ['sh', '-c', 'echo ok > /tmp/f && cat /tmp/f && which wget && id -un'] });
    expect(result).toMatchObject({ exitCode: 0, stdoutTail: 'ok\n/usr/bin/wget\nroot\n' });
  });

  it('builds a node image whose node, found on PATH, is the Node.js 24 this repository pins', async () => {
    const runtime = runtimeOf(probe);
    const ref = await ensureNodeImage(runtime);
    expect(ref).toMatch(new RegExp(`^${TEST_IMAGE_REPOSITORY}/node:[0-9a-f]{16}$`));
    const result = await runtime.run({ image: ref, command: ['node', '-e', 'console.log(process.version)'] });
    expect(result).toMatchObject({ exitCode: 0, stderrTail: '' });
    expect(result.stdoutTail).toMatch(/^v24\.\d+\.\d+\n$/);
  });

  it('reuses the image tagged with the same content hash instead of rebuilding it', async () => {
    const runtime = runtimeOf(probe);
    const first = await ensureBusyboxImage(runtime);
    expect(await ensureBusyboxImage(runtime)).toBe(first);
    expect(await runtime.imageExists(first)).toBe(true);
  });
});
