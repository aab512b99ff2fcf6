import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { entrypointStorage, StorageNotInstalledError } from './object-stores.ts';

describe('the entrypoint object stores', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tflyte-stores-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('read and write file:// without loading @tflyte/storage', async () => {
    // A storage package that cannot be found fails only the schemes that need it.
    const storage = entrypointStorage({ storageModule: '@tflyte/storage-not-installed' });
    const uri = `file://${join(dir, 'a.txt')}`;
    await storage.put(uri, new TextEncoder().encode('hi'));
    expect(new TextDecoder().decode(await storage.get(uri))).toBe('hi');
  });

  it.each(['s3', 'gs'])('say "install @tflyte/storage" for %s:// when it is not installed', async (scheme) => {
    const storage = entrypointStorage({ storageModule: '@tflyte/storage-not-installed' });
    const error = await storage.get(`${scheme}://bucket/key`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StorageNotInstalledError);
    expect(error).toMatchObject({ code: 'CLI_STORAGE_NOT_INSTALLED', scheme });
    expect((error as Error).message).toBe(
      `${scheme}:// URIs are read and written by @tflyte/storage-not-installed, which is not installed: ` +
        'install @tflyte/storage-not-installed (npm install @tflyte/storage-not-installed) in the project that runs tflyte',
    );
  });
});
