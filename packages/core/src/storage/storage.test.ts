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
