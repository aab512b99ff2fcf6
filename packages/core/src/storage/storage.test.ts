import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StorageError } from '../errors.ts';
import { createFileStore } from './file-store.ts';
import { createStorage, joinUri, type ObjectStore, uriScheme } from './object-store.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tflyte-storage-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('object storage', () => {
  it('writes and reads objects by file:// URI and by plain path, creating parent directories', async () => {
    const storage = createStorage([createFileStore()]);
    const uri = joinUri(pathToFileURL(dir).href, 'run', 'n0', '0', 'inputs.pb');
    await storage.put(uri, new Uint8Array([1, 2, 3]));
    expect(await storage.get(uri)).toEqual(new Uint8Array([1, 2, 3]));
    expect(await storage.get(join(dir, 'run/n0/0/inputs.pb'))).toEqual(new Uint8Array([1, 2, 3]));
    await storage.put(join(dir, 'plain.pb'), new Uint8Array([9]));
    expect(new Uint8Array(await readFile(join(dir, 'plain.pb')))).toEqual(new Uint8Array([9]));
  });

  it('returns undefined for a missing object and replaces objects whole, leaving no temp files', async () => {
    const storage = createStorage([createFileStore()]);
    const uri = join(dir, 'outputs.pb');
    expect(await storage.get(uri)).toBeUndefined();
    await storage.put(uri, new Uint8Array([1]));
    await storage.put(uri, new Uint8Array([2, 2]));
    expect(await storage.get(uri)).toEqual(new Uint8Array([2, 2]));
    expect(await readdir(dir)).toEqual(['outputs.pb']);
  });

  it('writes large objects whole too, and makes a directory removed between puts again', async () => {
    const storage = createStorage([createFileStore()]);
    const large = new Uint8Array(200_000).map((_, i) => i % 251);
    const uri = join(dir, 'big', 'outputs.pb');
    await storage.put(uri, large);
    expect(await storage.get(uri)).toEqual(large);
    await rm(join(dir, 'big'), { recursive: true });
    await storage.put(uri, new Uint8Array([5]));
    expect(await storage.get(uri)).toEqual(new Uint8Array([5]));
    expect(await readdir(join(dir, 'big'))).toEqual(['outputs.pb']);
  });

  it('throws a StorageError naming the path when the object cannot be written, leaving no temp file', async () => {
    const storage = createStorage([createFileStore()]);
    await storage.put(join(dir, 'file'), new Uint8Array([1]));
    // A parent that is a file, not a directory: neither the write nor making the directory can succeed.
    await expect(storage.put(join(dir, 'file', 'child.pb'), new Uint8Array([2]))).rejects.toThrow(/child\.pb.*cannot write/);
    expect(await readdir(dir)).toEqual(['file']);
  });

  it('throws a StorageError naming the scheme for URIs no store handles', async () => {
    const storage = createStorage([createFileStore()]);
    expect(storage.supports('s3://bucket/key')).toBe(false);
    await expect(storage.get('s3://bucket/key')).rejects.toThrow(StorageError);
    await expect(storage.put('gs://bucket/key', new Uint8Array())).rejects.toThrow(
      /no object store for 'gs:\/\/' URIs \(available: file:\/\/\)/,
    );
  });

  it('routes other schemes to the store registered for them', async () => {
    const objects = new Map<string, Uint8Array>();
    const memory: ObjectStore = {
      schemes: ['mem'],
      get: async (uri) => objects.get(uri),
      put: async (uri, bytes) => {
        objects.set(uri, bytes);
      },
    };
    const storage = createStorage([createFileStore(), memory]);
    await storage.put('mem://b/k', new Uint8Array([7]));
    expect(objects.get('mem://b/k')).toEqual(new Uint8Array([7]));
    expect(await storage.get('MEM://b/missing')).toBeUndefined();
  });

  it('parses schemes and joins prefixes with single slashes', () => {
    expect(uriScheme('s3://b/k')).toBe('s3');
    expect(uriScheme('file:///tmp/x')).toBe('file');
    expect(uriScheme('/tmp/x')).toBe('file');
    expect(uriScheme('relative/x')).toBe('file');
    expect(joinUri('s3://b/prefix/', '/run/', 'outputs.pb')).toBe('s3://b/prefix/run/outputs.pb');
  });
});
