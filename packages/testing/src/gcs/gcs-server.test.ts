import { createHash } from 'node:crypto';
import { Storage } from '@google-cloud/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crc32c, crc32cBase64 } from '../shared/crc32c.ts';
import type { GcsTestServer } from './gcs-server.ts';
import { startGcsServer } from './gcs-server.ts';

let server: GcsTestServer;
let storage: Storage;
beforeAll(async () => {
  server = await startGcsServer({ buckets: ['data'] });
  storage = new Storage({ apiEndpoint: server.endpoint, projectId: 'test-project' });
});
afterAll(async () => {
  await server.close();
});

async function rejection(promise: Promise<unknown>): Promise<{ code: unknown; message: string }> {
  try {
    await promise;
  } catch (error) {
    return { code: (error as { code?: unknown }).code, message: (error as Error).message };
  }
  throw new Error('expected the request to fail');
}

const since = (start: number) => server.requests.slice(start).map((r) => `${r.method} ${r.operation ?? '-'} ${r.status ?? '-'}`);

describe('GCS test server', () => {
  it('takes multipart uploads and serves the bytes back with an x-goog-hash the client validates', async () => {
    const body = Buffer.from([0, 1, 2, 253, 254, 255]);
    const file = storage.bucket('data').file('dir/obj.bin');
    await file.save(body, { resumable: false, contentType: 'application/x-test', metadata: { metadata: { run: 'r1' } } });
    const stored = server.object('data', 'dir/obj.bin');
    expect(stored).toMatchObject({
      contentType: 'application/x-test',
      metadata: { run: 'r1' },
      crc32c: crc32cBase64(body),
      md5Hash: createHash('md5').update(body).digest('base64'),
    });

    const start = server.requests.length;
    const [downloaded] = await file.download();
    expect(downloaded).toEqual(body);
    expect(since(start)).toEqual(['GET objects.get 200']);
    const response = await fetch(`${server.endpoint}/download/storage/v1/b/data/o/dir%2Fobj.bin?alt=media`);
    expect(response.headers.get('x-goog-hash')).toBe(`crc32c=${stored?.crc32c},md5=${stored?.md5Hash}`);
    expect(response.headers.get('x-goog-stored-content-encoding')).toBe('identity');
  });

  it('takes media uploads, with the name in the query and the type from Content-Type', async () => {
    const response = await fetch(`${server.endpoint}/upload/storage/v1/b/data/o?uploadType=media&name=media.txt`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'plain media',
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      kind: 'storage#object',
      name: 'media.txt',
      bucket: 'data',
      size: '11',
      contentType: 'text/plain',
    });
    expect((await storage.bucket('data').file('media.txt').download())[0].toString()).toBe('plain media');
  });

  it('runs resumable uploads chunk by chunk, answering 308 with the range received so far', async () => {
    const body = Buffer.alloc(600 * 1024, 7);
    body.write('start');
    const start = server.requests.length;
    await storage
      .bucket('data')
      .file('big.bin')
      .save(body, { chunkSize: 256 * 1024 });
    expect(since(start)).toEqual(['POST objects.insert 200', 'PUT objects.insert 308', 'PUT objects.insert 308', 'PUT objects.insert 200']);
    expect(server.object('data', 'big.bin')?.body.equals(body)).toBe(true);
  });

  it('finishes a single-request resumable upload of unknown length (Content-Range bytes 0-*/*)', async () => {
    await new Promise<void>((resolve, reject) => {
      const stream = storage.bucket('data').file('streamed.txt').createWriteStream({ resumable: true });
      stream.on('error', reject).on('finish', resolve);
      stream.write('part one, ');
      stream.end('part two');
    });
    expect(server.object('data', 'streamed.txt')?.body.toString()).toBe('part one, part two');
  });

  it('returns object metadata as a storage#object resource with int64 fields as strings', async () => {
    server.putObject('data', 'meta.txt', 'hello', 'text/plain');
    const [metadata] = await storage.bucket('data').file('meta.txt').getMetadata();
    expect(metadata).toMatchObject({
      kind: 'storage#object',
      id: `data/meta.txt/${server.object('data', 'meta.txt')?.generation}`,
      name: 'meta.txt',
      bucket: 'data',
      size: '5',
      contentType: 'text/plain',
      metageneration: '1',
      crc32c: crc32cBase64(Buffer.from('hello')),
      storageClass: 'STANDARD',
    });
    expect(metadata.generation).toMatch(/^\d+$/);
  });

  it('answers misses with 404: "No such object" for objects (also in a missing bucket), a bucket error for uploads and lists', async () => {
    expect(await rejection(storage.bucket('data').file('absent').download())).toEqual({
      code: 404,
      message: 'No such object: data/absent',
    });
    expect(await rejection(storage.bucket('data').file('absent').getMetadata())).toEqual({
      code: 404,
      message: 'No such object: data/absent',
    });
    expect(await rejection(storage.bucket('data').file('absent').delete())).toEqual({ code: 404, message: 'No such object: data/absent' });
    expect(await rejection(storage.bucket('nowhere').file('x').download())).toEqual({ code: 404, message: 'No such object: nowhere/x' });
    expect(await rejection(storage.bucket('nowhere').file('x').save('x', { resumable: false }))).toEqual({
      code: 404,
      message: 'The specified bucket does not exist.',
    });
    expect(await rejection(storage.bucket('nowhere').getFiles())).toEqual({ code: 404, message: 'The specified bucket does not exist.' });
    expect((await storage.bucket('data').file('absent').exists())[0]).toBe(false);

    const body = await (await fetch(`${server.endpoint}/storage/v1/b/data/o/absent`)).json();
    expect(body).toEqual({
      error: {
        code: 404,
        message: 'No such object: data/absent',
        errors: [{ message: 'No such object: data/absent', domain: 'global', reason: 'notFound' }],
      },
    });
    // Media downloads carry the message as plain text, as GCS does.
    const media = await fetch(`${server.endpoint}/storage/v1/b/data/o/absent?alt=media`);
    expect([media.status, await media.text()]).toEqual([404, 'No such object: data/absent']);
  });

  it('deletes objects', async () => {
    server.putObject('data', 'doomed', 'x');
    await storage.bucket('data').file('doomed').delete();
    expect(server.object('data', 'doomed')).toBeUndefined();
  });

  it('lists by prefix and delimiter, paging with pageToken', async () => {
    for (const name of ['l/a', 'l/b/1', 'l/b/2', 'l/c', 'other']) server.putObject('data', name, name);
    const [files, , response] = await storage.bucket('data').getFiles({ prefix: 'l/', delimiter: '/', autoPaginate: false });
    expect(files.map((f) => f.name)).toEqual(['l/a', 'l/c']);
    expect((response as { prefixes?: string[] }).prefixes).toEqual(['l/b/']);

    const pages: string[][] = [];
    let pageToken: string | undefined;
    do {
      const [page, next] = await storage
        .bucket('data')
        .getFiles({ prefix: 'l/', maxResults: 2, autoPaginate: false, ...(pageToken === undefined ? {} : { pageToken }) });
      pages.push(page.map((f) => f.name));
      // The client answers the last page with a null next query.
      pageToken = (next as { pageToken?: string } | null)?.pageToken;
    } while (pageToken !== undefined);
    expect(pages).toEqual([
      ['l/a', 'l/b/1'],
      ['l/b/2', 'l/c'],
    ]);
  });

  it('enforces ifGenerationMatch preconditions on uploads (0 means "only if absent")', async () => {
    const file = storage.bucket('data').file('once');
    await file.save('first', { resumable: false, preconditionOpts: { ifGenerationMatch: 0 } });
    expect(await rejection(file.save('second', { resumable: false, preconditionOpts: { ifGenerationMatch: 0 } }))).toMatchObject({
      code: 412,
    });
    const generation = server.object('data', 'once')?.generation ?? '';
    await file.save('second', { resumable: false, preconditionOpts: { ifGenerationMatch: Number(generation) } });
    expect(server.object('data', 'once')?.body.toString()).toBe('second');
  });

  it('rejects uploads whose declared crc32c does not match the bytes', async () => {
    const failure = await rejection(
      storage
        .bucket('data')
        .file('bad-hash')
        .save('content', { resumable: false, validation: false, metadata: { crc32c: 'AAAAAA==' } }),
    );
    expect(failure.code).toBe(400);
    expect(failure.message).toContain(
      `Provided CRC32C "AAAAAA==" doesn't match calculated CRC32C "${crc32cBase64(Buffer.from('content'))}".`,
    );
    expect(server.object('data', 'bad-hash')).toBeUndefined();
  });

  it('serves single byte ranges', async () => {
    server.putObject('data', 'range.txt', '0123456789');
    const [middle] = await storage.bucket('data').file('range.txt').download({ start: 2, end: 5 });
    expect(middle.toString()).toBe('2345');
  });

  it('creates, gets and deletes buckets with conflict and naming errors', async () => {
    const [bucket] = await storage.createBucket('fresh-bucket');
    expect(bucket.name).toBe('fresh-bucket');
    expect((await bucket.exists())[0]).toBe(true);
    expect(await rejection(storage.createBucket('fresh-bucket'))).toMatchObject({ code: 409 });
    expect(await rejection(storage.createBucket('Bad Name'))).toMatchObject({ code: 400, message: "Invalid bucket name: 'Bad Name'" });
    server.putObject('fresh-bucket', 'k', 'v');
    expect(await rejection(bucket.delete())).toMatchObject({ code: 409, message: 'The bucket you tried to delete is not empty.' });
    await bucket.file('k').delete();
    await bucket.delete();
    expect((await bucket.exists())[0]).toBe(false);
  });

  it('answers calls it does not implement with 501', async () => {
    server.putObject('data', 'src', 'x');
    expect(await rejection(storage.bucket('data').file('src').copy('dst'))).toMatchObject({ code: 501 });
  });

  it('computes the standard CRC-32C check value', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
  });
});
