import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { S3ClientConfig } from '@aws-sdk/client-s3';
import {
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  paginateListObjectsV2,
  S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { S3TestServer } from './s3-server.ts';
import { startS3Server } from './s3-server.ts';

const credentials = { accessKeyId: 'AKIDTEST', secretAccessKey: 'test-secret' };
let server: S3TestServer;
beforeAll(async () => {
  server = await startS3Server({ buckets: ['data'], credentials, region: 'eu-west-1' });
});
afterAll(async () => {
  await server.close();
});

const client = (config: Partial<S3ClientConfig> = {}): S3Client =>
  new S3Client({ region: 'eu-west-1', endpoint: server.endpoint, forcePathStyle: true, credentials, maxAttempts: 1, ...config });

async function rejection(promise: Promise<unknown>): Promise<{ name: string; message: string; status: number | undefined }> {
  try {
    await promise;
  } catch (error) {
    const e = error as Error & { $metadata?: { httpStatusCode?: number } };
    return { name: e.name, message: e.message, status: e.$metadata?.httpStatusCode };
  }
  throw new Error('expected the request to fail');
}

describe('S3 test server', () => {
  it('stores objects with PutObject and serves them with GetObject, HeadObject and DeleteObject', async () => {
    const s3 = client();
    const body = new Uint8Array([0, 1, 2, 253, 254, 255]);
    const put = await s3.send(
      new PutObjectCommand({ Bucket: 'data', Key: 'dir/obj.bin', Body: body, ContentType: 'application/x-test', Metadata: { run: 'r1' } }),
    );
    expect(put.ETag).toBe(`"${createHash('md5').update(body).digest('hex')}"`);

    const got = await s3.send(new GetObjectCommand({ Bucket: 'data', Key: 'dir/obj.bin' }));
    expect(await got.Body?.transformToByteArray()).toEqual(body);
    expect(got).toMatchObject({ ContentType: 'application/x-test', ContentLength: 6, ETag: put.ETag, Metadata: { run: 'r1' } });

    const head = await s3.send(new HeadObjectCommand({ Bucket: 'data', Key: 'dir/obj.bin' }));
    expect(head).toMatchObject({ ContentLength: 6, ETag: put.ETag });
    expect(head.LastModified?.getTime()).toBe(server.object('data', 'dir/obj.bin')?.lastModified.getTime());

    await s3.send(new DeleteObjectCommand({ Bucket: 'data', Key: 'dir/obj.bin' }));
    expect(server.object('data', 'dir/obj.bin')).toBeUndefined();
    // Deleting what is not there succeeds, as in S3.
    await s3.send(new DeleteObjectCommand({ Bucket: 'data', Key: 'dir/obj.bin' }));
  });

  it('answers a missing key with NoSuchKey, a missing bucket with NoSuchBucket, and HEAD misses with a bare 404', async () => {
    const s3 = client();
    expect(await rejection(s3.send(new GetObjectCommand({ Bucket: 'data', Key: 'absent' })))).toEqual({
      name: 'NoSuchKey',
      message: 'The specified key does not exist.',
      status: 404,
    });
    expect(await rejection(s3.send(new PutObjectCommand({ Bucket: 'nowhere', Key: 'k', Body: 'x' })))).toEqual({
      name: 'NoSuchBucket',
      message: 'The specified bucket does not exist',
      status: 404,
    });
    expect(await rejection(s3.send(new HeadObjectCommand({ Bucket: 'data', Key: 'absent' })))).toMatchObject({
      name: 'NotFound',
      status: 404,
    });
  });

  it('sends XML error bodies with the code, message, resource and request id', async () => {
    // Unsigned, so refused before anything else.
    const response = await fetch(`${server.endpoint}/data/k`);
    expect(response.status).toBe(403);
    expect(response.headers.get('content-type')).toBe('application/xml');
    const xml = await response.text();
    expect(xml).toMatch(
      /^<\?xml version="1.0" encoding="UTF-8"\?>\n<Error><Code>AccessDenied<\/Code><Message>Access Denied<\/Message><RequestId>[0-9A-F]{16}<\/RequestId><\/Error>$/,
    );
    expect(xml).toContain(response.headers.get('x-amz-request-id') ?? 'missing');
  });

  it('decodes aws-chunked streaming uploads and checks their trailing checksum', async () => {
    const s3 = client();
    const body = Readable.from([Buffer.from('streamed '), Buffer.from('bytes')]);
    const put = await s3.send(new PutObjectCommand({ Bucket: 'data', Key: 'stream.txt', Body: body, ContentLength: 14 }));
    const request = server.requests.findLast((r) => r.operation === 'PutObject');
    expect(request?.contentSha256).toBe('STREAMING-UNSIGNED-PAYLOAD-TRAILER');
    expect(put.ChecksumCRC32).toBeDefined();
    expect(server.object('data', 'stream.txt')?.body.toString()).toBe('streamed bytes');
    expect(server.object('data', 'stream.txt')?.checksum).toEqual({ algorithm: 'crc32', value: put.ChecksumCRC32 });
  });

  it.each(['CRC32', 'CRC32C', 'CRC64NVME', 'SHA1', 'SHA256'] as const)(
    'accepts %s flexible checksums and returns them for the SDK to validate',
    async (algorithm) => {
      const s3 = client();
      const key = `checksum-${algorithm}`;
      await s3.send(new PutObjectCommand({ Bucket: 'data', Key: key, Body: 'checked content', ChecksumAlgorithm: algorithm }));
      const got = await s3.send(new GetObjectCommand({ Bucket: 'data', Key: key, ChecksumMode: 'ENABLED' }));
      expect(await got.Body?.transformToString()).toBe('checked content');
      expect(got[`Checksum${algorithm}`]).toBe(server.object('data', key)?.checksum?.value);
    },
  );

  it('rejects a body that does not match its declared checksum with BadDigest and stores nothing', async () => {
    const s3 = client();
    const failure = await rejection(
      s3.send(new PutObjectCommand({ Bucket: 'data', Key: 'corrupt', Body: 'content', ChecksumCRC32: 'AAAAAA==' })),
    );
    expect(failure).toEqual({ name: 'BadDigest', message: 'The CRC32 you specified did not match the calculated checksum.', status: 400 });
    expect(server.object('data', 'corrupt')).toBeUndefined();
  });

  it('lists keys in order with prefixes, delimiters, start-after and continuation tokens', async () => {
    const s3 = client();
    for (const key of ['l/a', 'l/b/1', 'l/b/2', 'l/c', 'l/d/1', 'l/e', 'other']) server.putObject('data', key, key);
    const grouped = await s3.send(new ListObjectsV2Command({ Bucket: 'data', Prefix: 'l/', Delimiter: '/' }));
    expect(grouped.Contents?.map((o) => o.Key)).toEqual(['l/a', 'l/c', 'l/e']);
    expect(grouped.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['l/b/', 'l/d/']);
    expect(grouped.KeyCount).toBe(5);

    const pages: string[][] = [];
    for await (const page of paginateListObjectsV2({ client: s3, pageSize: 2 }, { Bucket: 'data', Prefix: 'l/', Delimiter: '/' })) {
      pages.push([...(page.Contents ?? []).map((o) => o.Key ?? ''), ...(page.CommonPrefixes ?? []).map((p) => p.Prefix ?? '')]);
    }
    expect(pages).toEqual([['l/a', 'l/b/'], ['l/c', 'l/d/'], ['l/e']]);

    const after = await s3.send(new ListObjectsV2Command({ Bucket: 'data', Prefix: 'l/', StartAfter: 'l/b/2' }));
    expect(after.Contents?.map((o) => o.Key)).toEqual(['l/c', 'l/d/1', 'l/e']);
    expect(await rejection(s3.send(new ListObjectsV2Command({ Bucket: 'data', ContinuationToken: 'bogus' })))).toMatchObject({
      name: 'InvalidRequest',
      status: 400,
    });
  });

  it('serves single byte ranges', async () => {
    const s3 = client();
    server.putObject('data', 'range.txt', '0123456789');
    const middle = await s3.send(new GetObjectCommand({ Bucket: 'data', Key: 'range.txt', Range: 'bytes=2-5' }));
    expect(await middle.Body?.transformToString()).toBe('2345');
    expect(middle.ContentRange).toBe('bytes 2-5/10');
    const suffix = await s3.send(new GetObjectCommand({ Bucket: 'data', Key: 'range.txt', Range: 'bytes=-3' }));
    expect(await suffix.Body?.transformToString()).toBe('789');
    expect(await rejection(s3.send(new GetObjectCommand({ Bucket: 'data', Key: 'range.txt', Range: 'bytes=10-' })))).toMatchObject({
      name: 'InvalidRange',
      status: 416,
    });
  });

  it('creates, heads and deletes buckets with S3 naming rules and its us-east-1 re-creation quirk', async () => {
    const s3 = client();
    await s3.send(new CreateBucketCommand({ Bucket: 'fresh-bucket' }));
    expect((await s3.send(new HeadBucketCommand({ Bucket: 'fresh-bucket' }))).BucketRegion).toBe('eu-west-1');
    expect(await rejection(s3.send(new CreateBucketCommand({ Bucket: 'fresh-bucket' })))).toMatchObject({
      name: 'BucketAlreadyOwnedByYou',
      status: 409,
    });
    expect(await rejection(s3.send(new CreateBucketCommand({ Bucket: 'Bad_Name' })))).toMatchObject({
      name: 'InvalidBucketName',
      status: 400,
    });

    server.putObject('fresh-bucket', 'k', 'v');
    expect(await rejection(s3.send(new DeleteBucketCommand({ Bucket: 'fresh-bucket' })))).toMatchObject({
      name: 'BucketNotEmpty',
      status: 409,
    });
    await s3.send(new DeleteObjectCommand({ Bucket: 'fresh-bucket', Key: 'k' }));
    await s3.send(new DeleteBucketCommand({ Bucket: 'fresh-bucket' }));
    expect(await rejection(s3.send(new HeadBucketCommand({ Bucket: 'fresh-bucket' })))).toMatchObject({ name: 'NotFound', status: 404 });

    const east = await startS3Server();
    try {
      const eastClient = new S3Client({ region: 'us-east-1', endpoint: east.endpoint, forcePathStyle: true, credentials });
      await eastClient.send(new CreateBucketCommand({ Bucket: 'twice' }));
      await expect(eastClient.send(new CreateBucketCommand({ Bucket: 'twice' }))).resolves.toBeDefined();
    } finally {
      await east.close();
    }
  });

  it('verifies SigV4 signatures, access keys and the credential scope region', async () => {
    expect(
      await rejection(
        client({ credentials: { ...credentials, secretAccessKey: 'wrong' } }).send(new GetObjectCommand({ Bucket: 'data', Key: 'k' })),
      ),
    ).toMatchObject({
      name: 'SignatureDoesNotMatch',
      status: 403,
    });
    expect(
      await rejection(
        client({ credentials: { accessKeyId: 'AKIDOTHER', secretAccessKey: 'x' } }).send(
          new GetObjectCommand({ Bucket: 'data', Key: 'k' }),
        ),
      ),
    ).toMatchObject({
      name: 'InvalidAccessKeyId',
      status: 403,
    });
    expect(await rejection(client({ region: 'us-west-2' }).send(new GetObjectCommand({ Bucket: 'data', Key: 'k' })))).toEqual({
      name: 'AuthorizationHeaderMalformed',
      message: "The authorization header is malformed; the region 'us-west-2' is wrong; expecting 'eu-west-1'",
      status: 400,
    });
  });

  it('answers operations it does not implement with NotImplemented', async () => {
    const failure = await rejection(client().send(new CopyObjectCommand({ Bucket: 'data', Key: 'copy', CopySource: 'data/range.txt' })));
    expect(failure).toMatchObject({ name: 'NotImplemented', status: 501 });
    expect(failure.message).toContain('CopyObject');
  });
});
