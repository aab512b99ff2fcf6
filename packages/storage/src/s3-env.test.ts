import type { S3TestServer } from '@tflyte/testing/s3';
import { startS3Server } from '@tflyte/testing/s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { s3Store } from './s3-store.ts';

// The flyte-sandbox / demo cluster's MinIO credentials, as its propeller injects them into every task pod.
const sandbox = { accessKeyId: 'minio', secretAccessKey: 'miniostorage' };
let server: S3TestServer;
beforeAll(async () => {
  server = await startS3Server({ buckets: ['my-s3-bucket'], credentials: sandbox });
});
afterAll(async () => {
  await server.close();
});

/** Exactly the variables a sandbox task pod has for S3: no AWS_* at all, no region, a hostname endpoint. */
function sandboxEnv(): NodeJS.ProcessEnv {
  const port = new URL(server.endpoint).port;
  return {
    HOME: '/nonexistent',
    AWS_CONFIG_FILE: '/nonexistent/config',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/credentials',
    FLYTE_AWS_ENDPOINT: `http://localhost:${port}`,
    FLYTE_AWS_ACCESS_KEY_ID: sandbox.accessKeyId,
    FLYTE_AWS_SECRET_ACCESS_KEY: sandbox.secretAccessKey,
  };
}

describe("s3Store with a Flyte cluster's environment", () => {
  it('reads FLYTE_AWS_ENDPOINT and FLYTE_AWS_* credentials, addresses the bucket path-style, and needs no region', async () => {
    const store = s3Store({}, sandboxEnv());
    await store.put('s3://my-s3-bucket/metadata/n0/outputs.pb', new Uint8Array([1, 2, 3]));
    expect(await store.get('s3://my-s3-bucket/metadata/n0/outputs.pb')).toEqual(new Uint8Array([1, 2, 3]));
    const ops = server.requests.filter((r) => r.url.startsWith('/my-s3-bucket/metadata/n0/outputs.pb'));
    // Path-style: the bucket in the path, not a `my-s3-bucket.localhost` host that does not resolve.
    expect(ops.map((r) => [r.method, r.status])).toEqual([
      ['PUT', 200],
      ['GET', 200],
    ]);
  });

  it('lets options given in code win over the environment', async () => {
    const store = s3Store({ credentials: { accessKeyId: 'someone-else', secretAccessKey: 'x' } }, sandboxEnv());
    await expect(store.get('s3://my-s3-bucket/any')).rejects.toThrow(/credentials were rejected \(InvalidAccessKeyId/);
  });

  it("lets the SDK's own AWS_ENDPOINT_URL_S3 win over FLYTE_AWS_ENDPOINT, still path-style", async () => {
    const env = {
      ...sandboxEnv(),
      FLYTE_AWS_ENDPOINT: 'http://nowhere.invalid:1',
      AWS_ENDPOINT_URL_S3: `http://localhost:${new URL(server.endpoint).port}`,
    };
    const store = s3Store({}, env);
    await store.put('s3://my-s3-bucket/sdk-endpoint', new Uint8Array([9]));
    expect(server.object('my-s3-bucket', 'sdk-endpoint')).toBeDefined();
  });
});
