/**
 * Builds the example's image locally, from a busybox image made from this machine's binaries, so no
 * registry is needed. Podman and docker both build the Containerfile. Once, before the first run:
 *   npx node --conditions=@tflyte/source examples/container/image.ts
 */
import { execFile } from 'node:child_process';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ContainerRuntime, detectContainerRuntime, ensureBusyboxImage } from '@tflyte/plugin-container';
import { ELLIPSE_IMAGE } from '../container.ts';

const run = promisify(execFile);

export async function buildEllipseImage(): Promise<string> {
  const detected = await detectContainerRuntime();
  const base = await ensureBusyboxImage(new ContainerRuntime(detected));
  const context = dirname(fileURLToPath(import.meta.url));
  await run(detected.binary, ['build', '--build-arg', `BASE=${base}`, '-f', `${context}/Containerfile`, '-t', ELLIPSE_IMAGE, context], {
    env: detected.env,
  });
  return ELLIPSE_IMAGE;
}

if (import.meta.main) process.stdout.write(`built ${await buildEllipseImage()}\n`);
