import { mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createFileStore, StorageError } from '@tflyte/core';
import type { GcsTestServer } from '@tflyte/testing/gcs';
import { startGcsServer } from '@tflyte/testing/gcs';
import type { S3TestServer } from '@tflyte/testing/s3';
import { startS3Server } from '@tflyte/testing/s3';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { getDirectory, putDirectory } from './directories.ts';
import { gcsStore } from './gcs-store.ts';
import type { ListableObjectStore } from './listable-store.ts';
import { s3Store } from './s3-store.ts';

let s3: S3TestServer;
let gcs: GcsTestServer;
let dir: string;
beforeAll(async () => {
  [s3, gcs] = await Promise.all([startS3Server({ buckets: ['blobs'] }), startGcsServer({ buckets: ['blobs'] })]);
});
afterAll(async () => {
  await Promise.all([s3.close(), gcs.close()]);
});
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tflyte-dirs-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const s3Blobs = (): ListableObjectStore =>
  s3Store({ region: 'us-east-1', endpoint: s3.endpoint, forcePathStyle: true, credentials: { accessKeyId: 'AK', secretAccessKey: 'SK' } });
const gcsBlobs = (): ListableObjectStore => gcsStore({ apiEndpoint: gcs.endpoint });

async function writeTree(root: string): Promise<void> {
  await mkdir(join(root, 'sub', 'deeper'), { recursive: true });
  await writeFile(join(root, 'a.txt'), 'alpha');
  await writeFile(join(root, 'sub', 'b.bin'), new Uint8Array([0, 255, 1]));
  await writeFile(join(root, 'sub', 'deeper', 'c.json'), '{"c":3}');
  await mkdir(join(root, 'empty'));
}

describe('putDirectory / getDirectory', () => {
  it.each([
    ['s3', s3Blobs],
    ['gs', gcsBlobs],
  ])('round-trips a directory tree through %s:// under a prefix', async (scheme, blobs) => {
    const store = blobs();
    await writeTree(join(dir, 'out'));
    const prefix = `${scheme}://blobs/exec/n0/dir`;
    const uploaded = await putDirectory(store, join(dir, 'out'), prefix);
    expect(uploaded).toEqual([`${prefix}/a.txt`, `${prefix}/sub/b.bin`, `${prefix}/sub/deeper/c.json`]);

    const written = await getDirectory(store, `${prefix}/`, join(dir, 'in'), { concurrency: 2 });
    expect(written).toEqual([join(dir, 'in', 'a.txt'), join(dir, 'in', 'sub', 'b.bin'), join(dir, 'in', 'sub', 'deeper', 'c.json')]);
    expect(await readFile(join(dir, 'in', 'a.txt'), 'utf8')).toBe('alpha');
    expect(new Uint8Array(await readFile(join(dir, 'in', 'sub', 'b.bin')))).toEqual(new Uint8Array([0, 255, 1]));
    expect(await readFile(join(dir, 'in', 'sub', 'deeper', 'c.json'), 'utf8')).toBe('{"c":3}');
  });

  it('uploads to any object store, following symbolic links to files', async () => {
    await writeTree(join(dir, 'out'));
    await symlink(join(dir, 'out', 'a.txt'), join(dir, 'out', 'link.txt'));
    const target = pathToFileURL(join(dir, 'copy')).href;
    const uploaded = await putDirectory(createFileStore(), join(dir, 'out'), target);
    expect(uploaded).toContain(`${target}/link.txt`);
    expect(await readFile(join(dir, 'copy', 'link.txt'), 'utf8')).toBe('alpha');
  });

  it('creates the local directory for an empty prefix', async () => {
    expect(await getDirectory(s3Blobs(), 's3://blobs/nothing-here', join(dir, 'empty'))).toEqual([]);
    expect((await stat(join(dir, 'empty'))).isDirectory()).toBe(true);
  });

  it('refuses keys that would climb out of the target directory', async () => {
    s3.putObject('blobs', 'evil/../../escaped.txt', 'x');
    await expect(getDirectory(s3Blobs(), 's3://blobs/evil', join(dir, 'in'))).rejects.toThrow(
      /s3:\/\/blobs\/evil\/\.\.\/\.\.\/escaped\.txt: would be written outside/,
    );
  });

  it('names the local directory when it cannot be read', async () => {
    await expect(putDirectory(createFileStore(), join(dir, 'missing'), 's3://blobs/x')).rejects.toThrow(StorageError);
    await expect(putDirectory(createFileStore(), join(dir, 'missing'), 's3://blobs/x')).rejects.toThrow(
      `${join(dir, 'missing')}: cannot read the directory to upload`,
    );
  });
});
