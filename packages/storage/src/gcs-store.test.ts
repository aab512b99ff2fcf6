import { Storage } from '@google-cloud/storage';
import { ConfigError, StorageError } from '@tflyte/core';
import type { GcsTestServer } from '@tflyte/testing/gcs';
import { startGcsServer } from '@tflyte/testing/gcs';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { gcsStore } from './gcs-store.ts';

let server: GcsTestServer;
beforeAll(async () => {
  server = await startGcsServer({ buckets: ['runs'] });
});
afterAll(async () => {
  await server.close();
});
afterEach(() => {
  vi.unstubAllEnvs();
});

const store = () => gcsStore({ apiEndpoint: server.endpoint, projectId: 'tflyte-test' });

describe('gcsStore', () => {
  it('writes and reads back binary bytes through the Google Cloud SDK, in one multipart upload', async () => {
    const bytes = new Uint8Array(256).map((_, i) => 255 - i);
    const before = server.requests.length;
    await store().put('gs://runs/exec-1/n0/0/inputs.pb', bytes);
    expect(server.requests.slice(before).map((r) => r.url)).toEqual([expect.stringContaining('uploadType=multipart')]);
    expect(await store().get('gs://runs/exec-1/n0/0/inputs.pb')).toEqual(bytes);
    expect(new Uint8Array(server.object('runs', 'exec-1/n0/0/inputs.pb')?.body ?? [])).toEqual(bytes);
  });

  it('stores the content type given (a deck is text/html, so a signed link shows it)', async () => {
    await store().put('gs://runs/exec-ct/n0/0/deck.html', new TextEncoder().encode('<p>hi</p>'), { contentType: 'text/html' });
    expect(server.object('runs', 'exec-ct/n0/0/deck.html')?.contentType).toBe('text/html');
  });

  it('returns undefined for a missing object', async () => {
    expect(await store().get('gs://runs/exec-1/n0/0/outputs.pb')).toBeUndefined();
  });

  it('keeps nested names verbatim, including characters that need escaping on the wire', async () => {
    const uri = 'gs://runs/a/b c/d+e/%41/ü.pb';
    await store().put(uri, new Uint8Array([7]));
    expect(server.names('runs')).toContain('a/b c/d+e/%41/ü.pb');
    expect(await store().get(uri)).toEqual(new Uint8Array([7]));
  });

  it('replaces an object whole on overwrite', async () => {
    await store().put('gs://runs/over.pb', new Uint8Array([1, 1, 1, 1]));
    await store().put('gs://runs/over.pb', new Uint8Array([2]));
    expect(await store().get('gs://runs/over.pb')).toEqual(new Uint8Array([2]));
  });

  it('throws a StorageError naming the URI and the bucket when writing to or listing a missing bucket', async () => {
    const write = store().put('gs://no-such-bucket/x.pb', new Uint8Array([1]));
    await expect(write).rejects.toThrow(StorageError);
    await expect(write).rejects.toThrow("gs://no-such-bucket/x.pb: cannot write: the bucket 'no-such-bucket' does not exist");
    await expect(store().list('gs://no-such-bucket/dir')).rejects.toMatchObject({ code: 'TFLYTE_STORAGE', uri: 'gs://no-such-bucket/dir' });
  });

  it('reads an object of a missing bucket as absent, since GCS answers it with "No such object" alone', async () => {
    expect(await store().get('gs://no-such-bucket/x.pb')).toBeUndefined();
  });

  it('rejects URIs without an object name or of another scheme', async () => {
    await expect(store().get('gs://runs')).rejects.toThrow('gs://runs: names no object');
    await expect(store().get('s3://runs/x')).rejects.toThrow('s3://runs/x: is not a gs:// URI');
  });

  it('lists every object under a directory prefix, across pages, but not its siblings', async () => {
    for (let i = 0; i < 1003; i++) server.putObject('runs', `many/${String(i).padStart(4, '0')}`, 'x');
    server.putObject('runs', 'many-not/x', 'x');
    const listed = await store().list('gs://runs/many/');
    expect(listed).toHaveLength(1003);
    expect(listed[0]).toBe('gs://runs/many/0000');
    expect(server.requests.filter((r) => r.operation === 'objects.list' && r.url.includes('pageToken')).length).toBeGreaterThanOrEqual(1);
  });

  it('uses a Storage passed in, and refuses client options beside it', async () => {
    const storage = new Storage({ apiEndpoint: server.endpoint, projectId: 'tflyte-test' });
    await gcsStore({ storage }).put('gs://runs/by-client.pb', new Uint8Array([3]));
    expect(await store().get('gs://runs/by-client.pb')).toEqual(new Uint8Array([3]));
    expect(() => gcsStore({ storage, apiEndpoint: server.endpoint })).toThrow(ConfigError);
  });

  it('finds an emulator through STORAGE_EMULATOR_HOST', async () => {
    vi.stubEnv('STORAGE_EMULATOR_HOST', server.endpoint);
    await gcsStore().put('gs://runs/from-env.pb', new Uint8Array([4]));
    expect(await gcsStore().get('gs://runs/from-env.pb')).toEqual(new Uint8Array([4]));
  });
});

describe("gcsStore with a Flyte cluster's environment", () => {
  it('reads a bare host:port STORAGE_EMULATOR_HOST as plain HTTP, as gcsfs does, with no project and no credentials', async () => {
    const host = server.endpoint.replace(/^http:\/\//, '');
    const env = { STORAGE_EMULATOR_HOST: host };
    vi.stubEnv('STORAGE_EMULATOR_HOST', host);
    const store = gcsStore({}, env);
    await store.put('gs://runs/cluster/outputs.pb', new Uint8Array([5, 6]));
    expect(await store.get('gs://runs/cluster/outputs.pb')).toEqual(new Uint8Array([5, 6]));
  });
});
