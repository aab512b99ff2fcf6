import { S3Client } from '@aws-sdk/client-s3';
import { ConfigError, StorageError } from '@tflyte/core';
import type { S3TestServer } from '@tflyte/testing/s3';
import { startS3Server } from '@tflyte/testing/s3';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { s3Store } from './s3-store.ts';

const credentials = { accessKeyId: 'AKIDTFLYTE', secretAccessKey: 'tflyte-secret' };
let server: S3TestServer;
beforeAll(async () => {
  server = await startS3Server({ buckets: ['runs'], credentials, region: 'eu-west-1' });
});
afterAll(async () => {
  await server.close();
});
afterEach(() => {
  vi.unstubAllEnvs();
});

const store = () => s3Store({ region: 'eu-west-1', endpoint: server.endpoint, forcePathStyle: true, credentials });

describe('s3Store', () => {
  it('writes and reads back binary bytes through the AWS SDK', async () => {
    const bytes = new Uint8Array(256).map((_, i) => i);
    await store().put('s3://runs/exec-1/n0/0/inputs.pb', bytes);
    expect(await store().get('s3://runs/exec-1/n0/0/inputs.pb')).toEqual(bytes);
    expect(new Uint8Array(server.object('runs', 'exec-1/n0/0/inputs.pb')?.body ?? [])).toEqual(bytes);
  });

  it('stores the content type given (a deck is text/html, so a signed link shows it), and S3’s default otherwise', async () => {
    await store().put('s3://runs/exec-ct/n0/0/deck.html', new TextEncoder().encode('<p>hi</p>'), { contentType: 'text/html' });
    await store().put('s3://runs/exec-ct/n0/0/outputs.pb', new Uint8Array([1]));
    expect(server.object('runs', 'exec-ct/n0/0/deck.html')?.contentType).toBe('text/html');
    expect(server.object('runs', 'exec-ct/n0/0/outputs.pb')?.contentType).not.toBe('text/html');
  });

  it('returns undefined for a missing object', async () => {
    expect(await store().get('s3://runs/exec-1/n0/0/outputs.pb')).toBeUndefined();
  });

  it('keeps nested keys verbatim, including characters that need escaping on the wire', async () => {
    const uri = 's3://runs/a/b c/d+e/%41/ü.pb';
    await store().put(uri, new Uint8Array([7]));
    expect(server.keys('runs')).toContain('a/b c/d+e/%41/ü.pb');
    expect(await store().get(uri)).toEqual(new Uint8Array([7]));
  });

  it('replaces an object whole on overwrite', async () => {
    await store().put('s3://runs/over.pb', new Uint8Array([1, 1, 1, 1]));
    await store().put('s3://runs/over.pb', new Uint8Array([2]));
    expect(await store().get('s3://runs/over.pb')).toEqual(new Uint8Array([2]));
  });

  it('throws a StorageError naming the URI and the bucket when the bucket does not exist', async () => {
    const read = store().get('s3://no-such-bucket/x.pb');
    await expect(read).rejects.toThrow(StorageError);
    await expect(read).rejects.toThrow("s3://no-such-bucket/x.pb: cannot read: the bucket 'no-such-bucket' does not exist");
    await expect(store().put('s3://no-such-bucket/x.pb', new Uint8Array([1]))).rejects.toMatchObject({
      code: 'TFLYTE_STORAGE',
      uri: 's3://no-such-bucket/x.pb',
    });
  });

  it('explains rejected credentials instead of treating the object as missing', async () => {
    const wrong = s3Store({
      region: 'eu-west-1',
      endpoint: server.endpoint,
      forcePathStyle: true,
      credentials: { ...credentials, secretAccessKey: 'wrong' },
    });
    await expect(wrong.get('s3://runs/over.pb')).rejects.toThrow(
      /s3:\/\/runs\/over\.pb: cannot read: the AWS credentials were rejected \(SignatureDoesNotMatch/,
    );
  });

  it('rejects URIs without an object key or of another scheme', async () => {
    await expect(store().get('s3://runs')).rejects.toThrow('s3://runs: names no object');
    await expect(store().put('s3://runs/dir/', new Uint8Array())).rejects.toThrow(StorageError);
    await expect(store().get('gs://runs/x')).rejects.toThrow('gs://runs/x: is not a s3:// URI');
  });

  it('lists every object under a directory prefix, across pages, but not its siblings', async () => {
    for (let i = 0; i < 1005; i++) server.putObject('runs', `many/${String(i).padStart(4, '0')}`, 'x');
    server.putObject('runs', 'many-not/x', 'x');
    const listed = await store().list('s3://runs/many');
    expect(listed).toHaveLength(1005);
    expect(listed[0]).toBe('s3://runs/many/0000');
    expect(listed.at(-1)).toBe('s3://runs/many/1004');
    expect(server.requests.filter((r) => r.operation === 'ListObjectsV2').length).toBeGreaterThanOrEqual(2);
  });

  it('uses a client passed in, and refuses client options beside it', async () => {
    const client = new S3Client({ region: 'eu-west-1', endpoint: server.endpoint, forcePathStyle: true, credentials });
    await s3Store({ client }).put('s3://runs/by-client.pb', new Uint8Array([3]));
    expect(await store().get('s3://runs/by-client.pb')).toEqual(new Uint8Array([3]));
    expect(() => s3Store({ client, region: 'us-east-1' })).toThrow(ConfigError);
    expect(() => s3Store({ client, region: 'us-east-1' })).toThrow("'s3Store.client' cannot be combined with region");
  });

  it("takes region, endpoint and credentials from the SDK's default chain", async () => {
    vi.stubEnv('AWS_REGION', 'eu-west-1');
    vi.stubEnv('AWS_ENDPOINT_URL_S3', server.endpoint);
    vi.stubEnv('AWS_ACCESS_KEY_ID', credentials.accessKeyId);
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', credentials.secretAccessKey);
    vi.stubEnv('AWS_PROFILE', '');
    await s3Store().put('s3://runs/from-env.pb', new Uint8Array([4]));
    expect(await s3Store().get('s3://runs/from-env.pb')).toEqual(new Uint8Array([4]));
  });
});
