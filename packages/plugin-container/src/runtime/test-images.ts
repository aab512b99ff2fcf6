import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { chmod, copyFile, mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { TflyteError } from '@tflyte/core';
import type { ContainerRuntime } from './container-runtime.ts';
import { execCommand } from './exec.ts';

/**
 * Tiny images for tests, built from binaries already on this machine and imported without a
 * registry. Each tag is a hash of everything that goes into the image, so a rebuild happens only
 * when a binary or this recipe changes.
 */
export const TEST_IMAGE_REPOSITORY = 'localhost/tflyte-test';

const RECIPE = 'tflyte-test-images/1';
const PATH_ENV = '/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin';

/** A file of the image: `source` on the host copied to absolute `target` in the image. */
interface ImageFile {
  source: string;
  target: string;
}

const building = new Map<string, Promise<string>>();

/** A busybox image (sh and the usual applets), e.g. `localhost/tflyte-test/busybox:1a2b…`. */
export function ensureBusyboxImage(runtime: ContainerRuntime): Promise<string> {
  return once(runtime, 'busybox', '', async () => {
    const busybox = await findBusybox();
    return { files: await withLibraries(busybox, '/bin/busybox'), busybox, cmd: ['sh'] };
  });
}

/**
 * A busybox image plus the Node.js binary this repository pins (the `node` package, else the running
 * node) at /usr/local/bin/node, with the shared libraries it links against.
 */
export function ensureNodeImage(runtime: ContainerRuntime, options: { nodeBinary?: string } = {}): Promise<string> {
  return once(runtime, 'node', options.nodeBinary ?? '', async () => {
    const busybox = await findBusybox();
    const node = await realpath(options.nodeBinary ?? locateNode());
    const files = [...(await withLibraries(busybox, '/bin/busybox')), ...(await withLibraries(node, '/usr/local/bin/node'))];
    return { files, busybox, cmd: ['node'] };
  });
}

function once(
  runtime: ContainerRuntime,
  name: string,
  variant: string,
  recipe: () => Promise<{ files: ImageFile[]; busybox: string; cmd: string[] }>,
): Promise<string> {
  const cacheKey = `${runtime.binary}\0${name}\0${variant}`;
  let pending = building.get(cacheKey);
  if (pending === undefined) {
    pending = (async () => {
      const { files, busybox, cmd } = await recipe();
      const ref = `${TEST_IMAGE_REPOSITORY}/${name}:${await contentHash(files, cmd)}`;
      if (!(await runtime.imageExists(ref))) await build(runtime, ref, files, busybox, cmd);
      return ref;
    })();
    building.set(cacheKey, pending);
    // A failed build may succeed later (e.g. after installing busybox): do not cache the failure.
    pending.catch(() => building.delete(cacheKey));
  }
  return pending;
}

async function build(runtime: ContainerRuntime, ref: string, files: readonly ImageFile[], busybox: string, cmd: string[]): Promise<void> {
  const rootfs = await mkdtemp(join(tmpdir(), 'tflyte-rootfs-'));
  try {
    for (const file of files) {
      const target = join(rootfs, file.target);
      await mkdir(dirname(target), { recursive: true });
      await copyFile(file.source, target);
    }
    // Applet links are made on the host, so no chroot (and no root) is needed.
    const applets = await execCommand(busybox, ['--list-full'], { env: process.env });
    if (applets.code !== 0)
      throw new TflyteError('TFLYTE_CONFIG', `${busybox} --list-full failed: ${applets.stderr.trim()}; install busybox-static`);
    for (const applet of applets.stdout.split('\n')) {
      if (!applet.includes('/') || applet === 'bin/busybox') continue;
      const link = join(rootfs, applet);
      await mkdir(dirname(link), { recursive: true });
      await symlink('/bin/busybox', link).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'EEXIST') throw error;
      });
    }
    await mkdir(join(rootfs, 'etc'), { recursive: true });
    await writeFile(join(rootfs, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n');
    await writeFile(join(rootfs, 'etc/group'), 'root:x:0:\nnogroup:x:65534:\n');
    await mkdir(join(rootfs, 'root'), { recursive: true });
    await mkdir(join(rootfs, 'tmp'), { recursive: true });
    await chmod(join(rootfs, 'tmp'), 0o1777);
    await runtime.importImage(rootfs, ref, { env: { PATH: PATH_ENV }, cmd });
  } finally {
    await rm(rootfs, { recursive: true, force: true });
  }
}

async function findBusybox(): Promise<string> {
  const dirs = [...(process.env.PATH ?? '').split(':'), '/bin', '/usr/bin'];
  for (const dir of dirs) {
    if (!dir) continue;
    try {
      return await realpath(join(dir, 'busybox'));
    } catch {
      // keep looking
    }
  }
  throw new TflyteError(
    'TFLYTE_CONFIG',
    'test images need a busybox binary on PATH; install it with `apt-get install -y busybox-static` or run tools/ci/install-container-runtime.sh',
  );
}

function locateNode(): string {
  try {
    return join(dirname(createRequire(import.meta.url).resolve('node/package.json')), 'bin', 'node');
  } catch {
    return process.execPath;
  }
}

/** The binary plus every shared library `ldd` resolves for it, each at its host path. */
async function withLibraries(binary: string, target: string): Promise<ImageFile[]> {
  const files: ImageFile[] = [{ source: binary, target }];
  const ldd = await execCommand('ldd', [binary], { env: { ...process.env, LC_ALL: 'C' } });
  // A static binary makes ldd exit non-zero with "not a dynamic executable": it needs no libraries.
  if (ldd.code !== 0) return files;
  for (const line of ldd.stdout.split('\n')) {
    if (/=>\s*not found/.test(line)) {
      throw new TflyteError('TFLYTE_CONFIG', `${binary} needs a shared library that is not installed: ${line.trim()}`);
    }
    const path = /(?:=>\s*)?(\/\S+)\s+\(0x/.exec(line)?.[1];
    if (path !== undefined) files.push({ source: path, target: path });
  }
  return files;
}

async function contentHash(files: readonly ImageFile[], cmd: readonly string[]): Promise<string> {
  const hash = createHash('sha256').update(`${RECIPE}\n${PATH_ENV}\n${JSON.stringify(cmd)}\n`);
  for (const file of files) {
    hash.update(`${file.target}\n`);
    for await (const chunk of createReadStream(file.source)) hash.update(chunk as Buffer);
  }
  return hash.digest('hex').slice(0, 16);
}
