import { randomBytes } from 'node:crypto';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { StorageError } from '../errors.ts';
import type { ObjectStore } from './object-store.ts';
import { uriScheme } from './object-store.ts';

/**
 * Objects up to this size are written with synchronous calls. The executor's own documents
 * (inputs.pb, outputs.pb, template.pb) are a few hundred bytes, and for them each trip through
 * libuv's thread pool costs ten times the write itself (more on a loaded machine); larger objects
 * go through the pool so they do not hold up the event loop.
 */
const SYNC_WRITE_LIMIT = 64 * 1024;

/** `file:///a/b` or a plain path, as an absolute local path. */
export function toLocalPath(uri: string): string {
  if (uriScheme(uri) !== 'file') throw new StorageError(uri, 'is not a file:// URI or local path');
  return uri.startsWith('file:') ? fileURLToPath(uri) : resolve(uri);
}

const isMissing = (error: unknown): boolean => (error as NodeJS.ErrnoException).code === 'ENOENT';

/** The local-disk object store for `file://` URIs and plain paths. */
export function createFileStore(): ObjectStore {
  // Temp names unique per store (random prefix, so two processes never collide) and per put (counter).
  const tempPrefix = randomBytes(6).toString('hex');
  let puts = 0;
  return {
    schemes: ['file'],
    async get(uri) {
      try {
        return new Uint8Array(await readFile(toLocalPath(uri)));
      } catch (error) {
        if (isMissing(error)) return undefined;
        throw new StorageError(uri, `cannot read: ${(error as Error).message}`, { cause: error });
      }
    },
    async put(uri, bytes) {
      const path = toLocalPath(uri);
      // Write beside the target and rename: a crash leaves either the old object or the new one.
      const temp = `${path}.${tempPrefix}${(puts++).toString(36)}.tmp`;
      try {
        if (bytes.byteLength <= SYNC_WRITE_LIMIT) writeSmall(path, temp, bytes);
        else await writeLarge(path, temp, bytes);
      } catch (error) {
        // Best effort: when the directory cannot exist, neither can the temp file.
        await rm(temp, { force: true }).catch(() => undefined);
        throw new StorageError(uri, `cannot write: ${(error as Error).message}`, { cause: error });
      }
    },
  };
}

/**
 * Writes a small local object at once, whole (temp file and rename), for callers that cannot wait:
 * the executor materializes an attempt's inputs.pb when a backend reads its location.
 */
export function writeLocalSync(uri: string, bytes: Uint8Array): void {
  const path = toLocalPath(uri);
  const temp = `${path}.${syncTempPrefix}${(syncPuts++).toString(36)}.tmp`;
  try {
    writeSmall(path, temp, bytes);
  } catch (error) {
    try {
      rmSync(temp, { force: true });
    } catch {
      // Best effort, as in put: when the directory cannot exist, neither can the temp file.
    }
    throw new StorageError(uri, `cannot write: ${(error as Error).message}`, { cause: error });
  }
}
const syncTempPrefix = randomBytes(6).toString('hex');
let syncPuts = 0;

// The directory is made only when the first write finds it missing: most puts go to a directory
// that exists, and a `mkdir -p` per put was most of the put's cost.
function writeSmall(path: string, temp: string, bytes: Uint8Array): void {
  try {
    writeFileSync(temp, bytes);
  } catch (error) {
    if (!isMissing(error)) throw error;
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(temp, bytes);
  }
  renameSync(temp, path);
}

async function writeLarge(path: string, temp: string, bytes: Uint8Array): Promise<void> {
  try {
    await writeFile(temp, bytes);
  } catch (error) {
    if (!isMissing(error)) throw error;
    await mkdir(dirname(path), { recursive: true });
    await writeFile(temp, bytes);
  }
  await rename(temp, path);
}
