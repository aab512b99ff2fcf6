/** The S3 operations the test server implements, over its in-memory buckets. */
import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { parseRange } from '../shared/byte-range.ts';
import { header } from '../shared/headers.ts';
import { compareKeys, listPage } from '../shared/list-objects.ts';
import type { S3Bucket, S3Buckets, S3Object } from './s3-buckets.ts';
import { invalidRequest, noSuchBucket, noSuchKey, notImplemented, S3ApiError } from './s3-errors.ts';
import type { S3Payload, S3Target } from './s3-request.ts';
import { verifyChecksums } from './s3-request.ts';
import { element, isoTime, xmlDocument } from './xml.ts';

export const S3_OPERATIONS = [
  'ListBuckets',
  'CreateBucket',
  'HeadBucket',
  'DeleteBucket',
  'ListObjectsV2',
  'PutObject',
  'GetObject',
  'HeadObject',
  'DeleteObject',
] as const;
export type S3Operation = (typeof S3_OPERATIONS)[number];

export interface S3Response {
  status: number;
  headers: Record<string, string>;
  body?: string | Buffer;
}

export interface OperationRequest {
  target: S3Target;
  headers: IncomingHttpHeaders;
  payload: S3Payload;
  /** The region of the caller's credential scope. */
  region: string;
}

const MAX_KEY_BYTES = 1024;
const MAX_LIST_KEYS = 1000;
const LIST_QUERY = new Set(['list-type', 'prefix', 'delimiter', 'max-keys', 'continuation-token', 'start-after']);
const CONDITIONAL_HEADERS = ['if-match', 'if-none-match', 'if-modified-since', 'if-unmodified-since'];

/** The operation a request names; anything beyond the supported set is NotImplemented or MethodNotAllowed. */
export function resolveOperation(method: string, target: S3Target, headers: IncomingHttpHeaders): S3Operation {
  const query = [...target.query.keys()].filter((name) => name !== 'x-id');
  const conditional = CONDITIONAL_HEADERS.find((name) => headers[name] !== undefined);
  if (conditional !== undefined) throw notImplemented(`conditional request header ${conditional}`);
  if (target.bucket === undefined) {
    if (method === 'GET' && query.length === 0) return 'ListBuckets';
  } else if (target.key === undefined) {
    if (method === 'GET' && target.query.get('list-type') === '2') {
      const unsupported = query.find((name) => !LIST_QUERY.has(name));
      if (unsupported !== undefined) throw notImplemented(`ListObjectsV2 parameter '${unsupported}'`);
      return 'ListObjectsV2';
    }
    if (query.length > 0) throw notImplemented(`bucket subresource '?${query.join('&')}' on ${method}`);
    if (method === 'PUT') return 'CreateBucket';
    if (method === 'HEAD') return 'HeadBucket';
    if (method === 'DELETE') return 'DeleteBucket';
    if (method === 'GET') throw notImplemented('ListObjects (version 1); use ListObjectsV2');
  } else {
    if (query.length > 0) throw notImplemented(`object subresource '?${query.join('&')}' on ${method}`);
    if (method === 'PUT') {
      if (headers['x-amz-copy-source'] !== undefined) throw notImplemented('CopyObject (x-amz-copy-source)');
      return 'PutObject';
    }
    if (method === 'GET') return 'GetObject';
    if (method === 'HEAD') return 'HeadObject';
    if (method === 'DELETE') return 'DeleteObject';
  }
  throw new S3ApiError('MethodNotAllowed', 405, 'The specified method is not allowed against this resource.', { Method: method });
}

export function runOperation(buckets: S3Buckets, operation: S3Operation, request: OperationRequest): S3Response {
  const { target } = request;
  const bucketName = target.bucket ?? '';
  const key = target.key ?? '';
  const existing = (): S3Bucket => {
    const bucket = buckets.get(bucketName);
    if (bucket === undefined) throw noSuchBucket(bucketName);
    return bucket;
  };
  switch (operation) {
    case 'ListBuckets':
      return xml(
        200,
        'ListAllMyBucketsResult',
        `<Buckets>${buckets
          .list()
          .map((b) => `<Bucket>${element('Name', b.name)}${element('CreationDate', isoTime(b.created))}</Bucket>`)
          .join('')}</Buckets><Owner>${element('ID', 'tflyte-test-owner')}</Owner>`,
      );
    case 'CreateBucket': {
      if (!isValidBucketName(bucketName))
        throw new S3ApiError('InvalidBucketName', 400, 'The specified bucket is not valid.', { BucketName: bucketName });
      // S3 keeps a legacy quirk: re-creating your own bucket succeeds in us-east-1 and conflicts elsewhere.
      if (!buckets.create(bucketName) && request.region !== 'us-east-1') {
        throw new S3ApiError(
          'BucketAlreadyOwnedByYou',
          409,
          'Your previous request to create the named bucket succeeded and you already own it.',
          {
            BucketName: bucketName,
          },
        );
      }
      return { status: 200, headers: { location: `/${bucketName}` } };
    }
    case 'HeadBucket':
      existing();
      return { status: 200, headers: { 'x-amz-bucket-region': request.region } };
    case 'DeleteBucket': {
      const outcome = buckets.delete(bucketName);
      if (outcome === 'missing') throw noSuchBucket(bucketName);
      if (outcome === 'not-empty')
        throw new S3ApiError('BucketNotEmpty', 409, 'The bucket you tried to delete is not empty', { BucketName: bucketName });
      return { status: 204, headers: {} };
    }
    case 'ListObjectsV2':
      return listObjectsV2(existing(), target.query);
    case 'PutObject':
      return putObject(existing(), key, request);
    case 'GetObject':
    case 'HeadObject': {
      const object = existing().objects.get(key);
      if (object === undefined) throw noSuchKey(key);
      return getObject(object, request.headers, operation === 'HeadObject');
    }
    case 'DeleteObject':
      existing().objects.delete(key);
      return { status: 204, headers: {} };
  }
}

/** Stores an object as PutObject would; used by the server's test helpers too. */
export function storeObject(
  bucket: S3Bucket,
  key: string,
  data: Buffer,
  fields: Pick<S3Object, 'contentType' | 'contentEncoding' | 'metadata' | 'checksum'>,
): S3Object {
  if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) throw new S3ApiError('KeyTooLongError', 400, 'Your key is too long', { Key: key });
  const object: S3Object = {
    ...fields,
    body: data,
    etag: `"${createHash('md5').update(data).digest('hex')}"`,
    // S3 keeps modification times to the second.
    lastModified: new Date(Math.floor(Date.now() / 1000) * 1000),
  };
  bucket.objects.set(key, object);
  return object;
}

function putObject(bucket: S3Bucket, key: string, request: OperationRequest): S3Response {
  const { headers, payload } = request;
  const checksum = verifyChecksums(headers, payload);
  const metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (name.startsWith('x-amz-meta-') && value !== undefined)
      metadata[name.slice('x-amz-meta-'.length)] = Array.isArray(value) ? value.join(',') : value;
  }
  const encodings = (header(headers, 'content-encoding') ?? '')
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '' && e !== 'aws-chunked');
  const object = storeObject(bucket, key, payload.data, {
    contentType: header(headers, 'content-type') ?? 'binary/octet-stream',
    contentEncoding: encodings.length === 0 ? undefined : encodings.join(','),
    metadata,
    checksum,
  });
  const out: Record<string, string> = { etag: object.etag };
  if (checksum !== undefined) {
    out[`x-amz-checksum-${checksum.algorithm}`] = checksum.value;
    out['x-amz-checksum-type'] = 'FULL_OBJECT';
  }
  return { status: 200, headers: out };
}

function getObject(object: S3Object, headers: IncomingHttpHeaders, headOnly: boolean): S3Response {
  const size = object.body.length;
  const out: Record<string, string> = {
    'content-type': object.contentType,
    etag: object.etag,
    'last-modified': object.lastModified.toUTCString(),
    'accept-ranges': 'bytes',
  };
  if (object.contentEncoding !== undefined) out['content-encoding'] = object.contentEncoding;
  for (const [name, value] of Object.entries(object.metadata)) out[`x-amz-meta-${name}`] = value;
  const range = parseRange(header(headers, 'range'), size);
  if (range === 'multiple') throw notImplemented('multiple byte ranges');
  if (range === 'unsatisfiable') {
    throw new S3ApiError('InvalidRange', 416, 'The requested range is not satisfiable', {
      RangeRequested: header(headers, 'range') ?? '',
      ActualObjectSize: String(size),
    });
  }
  if (range !== undefined) {
    const [start, end] = range;
    out['content-range'] = `bytes ${start}-${end}/${size}`;
    out['content-length'] = String(end - start + 1);
    return { status: 206, headers: out, body: headOnly ? undefined : object.body.subarray(start, end + 1) };
  }
  // A full-object checksum only describes the whole body, so ranged reads never carry it.
  if (header(headers, 'x-amz-checksum-mode') === 'ENABLED' && object.checksum !== undefined) {
    out[`x-amz-checksum-${object.checksum.algorithm}`] = object.checksum.value;
    out['x-amz-checksum-type'] = 'FULL_OBJECT';
  }
  out['content-length'] = String(size);
  return { status: 200, headers: out, body: headOnly ? undefined : object.body };
}

function listObjectsV2(bucket: S3Bucket, query: URLSearchParams): S3Response {
  const maxKeysText = query.get('max-keys');
  const maxKeys = maxKeysText === null ? MAX_LIST_KEYS : Number(maxKeysText);
  if (!Number.isInteger(maxKeys) || maxKeys < 0)
    throw new S3ApiError('InvalidArgument', 400, 'Provided max-keys not an integer or within integer range', { ArgumentName: 'max-keys' });
  const startAfter = query.get('start-after') ?? '';
  const params = {
    prefix: query.get('prefix') ?? '',
    delimiter: query.get('delimiter') ?? '',
    maxKeys: Math.min(maxKeys, MAX_LIST_KEYS),
    include: (key: string) => compareKeys(key, startAfter) > 0,
    continuationToken: query.get('continuation-token') ?? undefined,
  };
  const page = listPage(bucket.objects, params);
  if (page === undefined) throw invalidRequest('The continuation token provided is incorrect');
  const contents = page.contents
    .map(
      ([key, object]) =>
        `<Contents>${element('Key', key)}${element('LastModified', isoTime(object.lastModified))}${element('ETag', object.etag)}${
          object.checksum === undefined
            ? ''
            : `${element('ChecksumAlgorithm', object.checksum.algorithm.toUpperCase())}${element('ChecksumType', 'FULL_OBJECT')}`
        }${element('Size', object.body.length)}${element('StorageClass', 'STANDARD')}</Contents>`,
    )
    .join('');
  const prefixes = page.commonPrefixes.map((p) => `<CommonPrefixes>${element('Prefix', p)}</CommonPrefixes>`).join('');
  return xml(
    200,
    'ListBucketResult',
    element('Name', bucket.name) +
      element('Prefix', params.prefix) +
      (params.delimiter === '' ? '' : element('Delimiter', params.delimiter)) +
      element('MaxKeys', params.maxKeys) +
      element('KeyCount', page.contents.length + page.commonPrefixes.length) +
      element('IsTruncated', page.isTruncated) +
      element('ContinuationToken', params.continuationToken) +
      element('NextContinuationToken', page.nextContinuationToken) +
      (startAfter === '' ? '' : element('StartAfter', startAfter)) +
      contents +
      prefixes,
  );
}

function xml(status: number, root: string, inner: string): S3Response {
  return { status, headers: { 'content-type': 'application/xml' }, body: xmlDocument(root, inner) };
}

/** S3's general-purpose bucket naming rules. */
function isValidBucketName(name: string): boolean {
  return /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name) && !name.includes('..') && !/^\d+\.\d+\.\d+\.\d+$/.test(name);
}
