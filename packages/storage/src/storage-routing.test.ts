import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFileStore, createStorage, joinUri } from '@tflyte/core';
import type { GcsTestServer } from '@tflyte/testing/gcs';
import { startGcsServer } from '@tflyte/testing/gcs';
import type { S3TestServer } from '@tflyte/testing/s3';
import { startS3Server } from '@tflyte/testing/s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gcsStore } from './gcs-store.ts';
import { s3Store } from './s3-store.ts';

let s3: S3TestServer;
let gcs: GcsTestServer;
let dir: string;
beforeAll(async () => {
  [s3, gcs] = await Promise.all([startS3Server({ buckets: ['flyte'] }), startGcsServer({ buckets: ['flyte'] })]);
  dir = await mkdtemp(join(tmpdir(), 'tflyte-routing-'));
});
afterAll(async () => {
  await Promise.all([s3.close(), gcs.close(), rm(dir, { recursive: true, force: true })]);
});

describe("core's createStorage with the cloud stores", () => {
  it('routes file://, s3:// and gs:// URIs to their stores, each round-tripping the same document', async () => {
    const storage = createStorage([
      createFileStore(),
      s3Store({
        region: 'us-east-1',
        endpoint: s3.endpoint,
        forcePathStyle: true,
        credentials: { accessKeyId: 'AK', secretAccessKey: 'SK' },
      }),
      gcsStore({ apiEndpoint: gcs.endpoint }),
    ]);
    const document = new Uint8Array([10, 3, 1, 2, 3]);
    for (const prefix of [join(dir, 'run'), 's3://flyte/metadata/run', 'gs://flyte/metadata/run']) {
      const uri = joinUri(prefix, 'n0', '0', 'outputs.pb');
      expect(storage.supports(uri)).toBe(true);
      expect(await storage.get(uri)).toBeUndefined();
      await storage.put(uri, document);
      expect(await storage.get(uri)).toEqual(document);
    }
    expect(s3.keys('flyte')).toEqual(['metadata/run/n0/0/outputs.pb']);
    expect(gcs.names('flyte')).toEqual(['metadata/run/n0/0/outputs.pb']);
    expect(storage.supports('abfs://container/x')).toBe(false);
  });
});
