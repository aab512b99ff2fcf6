/**
 * Whole directories to and from a prefix (Flyte's multipart blobs): every file under a local directory
 * becomes one object under the prefix, keyed by its relative path with '/' separators.
 */

import type { Dirent } from 'node:fs';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { ObjectStore } from '@tflyte/core';
import { joinUri, StorageError } from '@tflyte/core';
import type { ListableObjectStore } from './listable-store.ts';

export interface DirectoryTransferOptions {
  /** Objects moved at once (default 8). */
  concurrency?: number;
}

/** Uploads every regular file under `localDir` (following symlinks) to `prefixUri`; returns the URIs written. */
export async function putDirectory(
  store: ObjectStore,
  localDir: string,
  prefixUri: string,
  options: DirectoryTransferOptions = {},
): Promise<string[]> {
  const root = resolve(localDir);
  let entries: Dirent[];
  try {
    entries = await readdir(root, { recursive: true, withFileTypes: true });
  } catch (error) {
    throw new StorageError(root, `cannot read the directory to upload: ${(error as Error).message}`, { cause: error });
  }
  const files: string[] = [];
  for (const entry of entries) {
    const path = join(entry.parentPath, entry.name);
    if (entry.isFile() || (entry.isSymbolicLink() && (await isLinkToFile(path)))) files.push(path);
  }
  files.sort();
  const uris = files.map((path) => joinUri(prefixUri, relative(root, path).split(sep).join('/')));
  await forEachLimited(files, options.concurrency, async (path, i) => {
    const uri = uris[i] ?? '';
    let bytes: Uint8Array;
    try {
      bytes = await readFile(path);
    } catch (error) {
      throw new StorageError(path, `cannot read the file to upload to ${uri}: ${(error as Error).message}`, { cause: error });
    }
    await store.put(uri, bytes);
  });
  return uris;
}

/** Downloads every object under `prefixUri` into `localDir`, creating it; returns the local paths written. */
export async function getDirectory(
  store: ListableObjectStore,
  prefixUri: string,
  localDir: string,
  options: DirectoryTransferOptions = {},
): Promise<string[]> {
  const root = resolve(localDir);
  // Stores list URIs with a lower-case scheme; match that so the relative paths line up.
  const base = (prefixUri.endsWith('/') ? prefixUri : `${prefixUri}/`).replace(/^[^:]+/, (scheme) => scheme.toLowerCase());
  const uris = (await store.list(base)).filter((uri) => !uri.endsWith('/'));
  const paths = uris.map((uri) => {
    const path = resolve(root, uri.slice(base.length));
    // A key such as `a/../../x` must not write outside the target directory.
    const inside = relative(root, path);
    if (inside === '' || inside.startsWith('..') || isAbsolute(inside)) {
      throw new StorageError(uri, `would be written outside ${root}; refusing a key that climbs out of its prefix`);
    }
    return path;
  });
  await mkdir(root, { recursive: true });
  await forEachLimited(uris, options.concurrency, async (uri, i) => {
    const path = paths[i] ?? '';
    const bytes = await store.get(uri);
    // Listed a moment ago: a missing object now was deleted meanwhile, which a directory read cannot paper over.
    if (bytes === undefined)
      throw new StorageError(uri, 'was listed under the prefix but is gone; was the directory changed during the download?');
    try {
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, bytes);
    } catch (error) {
      throw new StorageError(uri, `cannot write ${path}: ${(error as Error).message}`, { cause: error });
    }
  });
  return paths;
}

async function isLinkToFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch (error) {
    throw new StorageError(path, `is a symbolic link that cannot be followed: ${(error as Error).message}`, { cause: error });
  }
}

async function forEachLimited<T>(items: readonly T[], concurrency = 8, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      await work(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
}
