import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { StorageError } from '../errors.ts';
import type { ObjectStore } from './object-store.ts';
import { uriScheme } from './object-store.ts';

/** `file:///a/b` or a plain path, as an absolute local path. */
export function toLocalPath(uri: string): string {
  if (uriScheme(uri) !== 'file') throw new StorageError(uri, 'is not a file:// URI or local path');
  return uri.startsWith('file:') ? fileURLToPath(uri) : resolve(uri);
}

/** The local-disk object store for `file://` URIs and plain paths. */
export function createFileStore(): ObjectStore {
  return {
    schemes: ['file'],
    async get(uri) {
      try {
        return new Uint8Array(await readFile(toLocalPath(uri)));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw new StorageError(uri, `cannot read: ${(error as Error).message}`, { cause: error });
      }
    },
    async put(uri, bytes) {
      const path = toLocalPath(uri);
      // Write beside the target and rename: a crash leaves either the old object or the new one.
      const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
      try {
        await mkdir(dirname(path), { recursive: true });
        await writeFile(temp, bytes);
        await rename(temp, path);
      } catch (error) {
        await rm(temp, { force: true });
        throw new StorageError(uri, `cannot write: ${(error as Error).message}`, { cause: error });
      }
    },
  };
}
