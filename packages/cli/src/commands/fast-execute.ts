/**
 * The fast-execute step of `tflyte execute` (pyflyte-fast-execute's): fetch the code bundle a fast
 * registration uploaded and unpack it into the destination directory, which then becomes the
 * directory the task's module is loaded from. Image and node_modules stay the image's own.
 */
import { resolve } from 'node:path';
import { TflyteError } from '@tflyte/core';
import { unpackSources } from '@tflyte/remote';
import { entrypointStorage } from '../object-stores.ts';

export async function fetchDistribution(distribution: string, destDir: string | undefined, cwd: string): Promise<string> {
  const dest = resolve(cwd, destDir ?? '.');
  const bytes = await entrypointStorage().get(distribution);
  if (bytes === undefined)
    throw new TflyteError(
      'TFLYTE_STORAGE',
      `fast execute: the code distribution ${distribution} does not exist (was it uploaded by tflyte register?)`,
    );
  unpackSources(bytes, dest);
  return dest;
}
