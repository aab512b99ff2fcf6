/** Routing of JSON API paths to operations, and the bucket and object operations besides uploads. */
import type { IncomingHttpHeaders } from 'node:http';
import { parseRange } from '../shared/byte-range.ts';
import { compareKeys, listPage } from '../shared/list-objects.ts';
import type { GcsBucket, GcsBuckets, GcsObject } from './gcs-buckets.ts';
import { conditionNotMet, GcsApiError, invalid, noSuchBucket, noSuchObject, notImplemented, required } from './gcs-errors.ts';
import type { GcsResponse } from './gcs-resources.ts';
import { bucketResource, json, objectEtag, objectResource } from './gcs-resources.ts';

export const GCS_OPERATIONS = [
  'buckets.list',
  'buckets.insert',
  'buckets.get',
  'buckets.delete',
  'objects.list',
  'objects.insert',
  'objects.get',
  'objects.delete',
] as const;
export type GcsOperation = (typeof GCS_OPERATIONS)[number];

export type GcsRoute =
  | { resource: 'buckets' }
  | { resource: 'bucket'; bucket: string }
  | { resource: 'objects'; bucket: string }
  | { resource: 'object'; bucket: string; name: string; downloadPath: boolean }
  | { resource: 'upload'; bucket: string };

export interface GcsRequest {
  method: string;
  route: GcsRoute;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface GcsState {
  buckets: GcsBuckets;
  endpoint: string;
}

const MAX_LIST_RESULTS = 1000;

/** The resource a path names; names are percent-decoded, so `a%2Fb` is the object `a/b`. */
export function parseRoute(path: string): GcsRoute {
  const notFound = (): GcsApiError => new GcsApiError(404, 'notFound', `Not Found: ${path}`);
  // With STORAGE_EMULATOR_HOST set, the client drops the `/storage/v1` base from JSON API paths (not from uploads).
  const api = /^\/(upload\/|download\/)?(?:storage\/v1\/)?b(\/.*)?$/.exec(path);
  if (api === null) throw notFound();
  const [, prefix, rest = ''] = api;
  const parts = /^(?:\/([^/]+)(\/o(?:\/(.+))?)?)?$/.exec(rest);
  if (parts === null) throw notImplemented(`The bucket sub-resource '${rest}'`);
  const [, rawBucket, objects, rawName] = parts;
  if (rawBucket === undefined) {
    if (prefix !== undefined) throw notFound();
    return { resource: 'buckets' };
  }
  const bucket = decodePathSegment(rawBucket);
  if (prefix === 'upload/') {
    if (objects === undefined || rawName !== undefined) throw notFound();
    return { resource: 'upload', bucket };
  }
  if (rawName === undefined) {
    if (prefix !== undefined) throw notFound();
    return objects === undefined ? { resource: 'bucket', bucket } : { resource: 'objects', bucket };
  }
  // Clients percent-encode '/' in names, so a raw slash starts a sub-resource (compose, rewriteTo, acl, ...).
  if (rawName.includes('/')) throw notImplemented(`The object sub-resource '${rawName.slice(rawName.indexOf('/'))}'`);
  return { resource: 'object', bucket, name: decodePathSegment(rawName), downloadPath: prefix === 'download/' };
}

function decodePathSegment(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw invalid(`Invalid percent-encoding in '${text}'`);
  }
}

export function resolveOperation(method: string, route: GcsRoute): GcsOperation {
  const table: Record<GcsRoute['resource'], Partial<Record<string, GcsOperation>>> = {
    buckets: { GET: 'buckets.list', POST: 'buckets.insert' },
    bucket: { GET: 'buckets.get', DELETE: 'buckets.delete' },
    objects: { GET: 'objects.list' },
    object: route.resource === 'object' && route.downloadPath ? { GET: 'objects.get' } : { GET: 'objects.get', DELETE: 'objects.delete' },
    upload: { POST: 'objects.insert', PUT: 'objects.insert', DELETE: 'objects.insert' },
  };
  const operation = table[route.resource][method];
  if (operation === undefined) throw notImplemented(`${method} on a ${route.resource} resource`);
  return operation;
}

/** Every operation but uploads, which `Uploads` runs. */
export function runOperation(state: GcsState, operation: GcsOperation, request: GcsRequest): GcsResponse {
  const { route, query } = request;
  const bucketName = route.resource === 'buckets' ? '' : route.bucket;
  switch (operation) {
    case 'buckets.list': {
      if (query.get('project') === null) throw required('project');
      const items = state.buckets.list().map((b) => bucketResource(b, state.endpoint));
      return json(200, { kind: 'storage#buckets', ...(items.length === 0 ? {} : { items }) });
    }
    case 'buckets.insert': {
      if (query.get('project') === null) throw required('project');
      const name = bucketNameFromBody(request.body);
      if (!state.buckets.create(name)) {
        throw new GcsApiError(409, 'conflict', 'Your previous request to create the named bucket succeeded and you already own it.');
      }
      return json(200, bucketResource(existingBucket(state, name), state.endpoint));
    }
    case 'buckets.get':
      return json(200, bucketResource(existingBucket(state, bucketName), state.endpoint));
    case 'buckets.delete': {
      const outcome = state.buckets.delete(bucketName);
      if (outcome === 'missing') throw noSuchBucket();
      if (outcome === 'not-empty') throw new GcsApiError(409, 'conflict', 'The bucket you tried to delete is not empty.');
      return { status: 204, headers: {} };
    }
    case 'objects.list':
      return listObjects(state, bucketName, query);
    case 'objects.insert':
      throw notImplemented('objects.insert outside the /upload endpoint');
    case 'objects.get':
    case 'objects.delete': {
      if (route.resource !== 'object') throw notImplemented(`${operation} on a ${route.resource} resource`);
      const object = state.buckets.get(bucketName)?.objects.get(route.name);
      if (object === undefined || (query.get('generation') !== null && query.get('generation') !== object.generation)) {
        throw noSuchObject(bucketName, route.name);
      }
      checkPreconditions(query, object, operation === 'objects.get');
      if (operation === 'objects.delete') {
        state.buckets.get(bucketName)?.objects.delete(route.name);
        return { status: 204, headers: {} };
      }
      return route.downloadPath || query.get('alt') === 'media'
        ? media(object, request.headers)
        : json(200, objectResource(object, state.endpoint));
    }
  }
}

/**
 * The `ifGeneration[Not]Match` / `ifMetageneration[Not]Match` query preconditions against the current object
 * (undefined when there is none; generation 0 means "no live object"). Failed reads answer 304, writes 412.
 */
export function checkPreconditions(query: URLSearchParams, current: GcsObject | undefined, read: boolean): void {
  const generation = current?.generation ?? '0';
  const match = query.get('ifGenerationMatch');
  const notMatch = query.get('ifGenerationNotMatch');
  const metaMatch = query.get('ifMetagenerationMatch');
  const metaNotMatch = query.get('ifMetagenerationNotMatch');
  if ((match !== null && match !== generation) || (metaMatch !== null && metaMatch !== current?.metageneration)) throw conditionNotMet();
  if ((notMatch !== null && notMatch === generation) || (metaNotMatch !== null && metaNotMatch === current?.metageneration)) {
    throw read ? new GcsApiError(304, 'notModified', 'Not Modified') : conditionNotMet();
  }
}

function existingBucket(state: GcsState, name: string): GcsBucket {
  const bucket = state.buckets.get(name);
  if (bucket === undefined) throw noSuchBucket();
  return bucket;
}

/** GCS bucket naming: 3-63 characters of lower-case letters, digits, '-', '_' and '.', starting and ending alphanumeric. */
function isValidBucketName(name: string): boolean {
  return /^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$/.test(name);
}

function bucketNameFromBody(body: Buffer): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw invalid('Request body is not valid JSON');
  }
  const name = typeof parsed === 'object' && parsed !== null ? (parsed as { name?: unknown }).name : undefined;
  if (typeof name !== 'string' || name === '') throw required('resource.name');
  if (!isValidBucketName(name)) throw invalid(`Invalid bucket name: '${name}'`);
  return name;
}

function listObjects(state: GcsState, bucketName: string, query: URLSearchParams): GcsResponse {
  const bucket = existingBucket(state, bucketName);
  for (const unsupported of ['matchGlob', 'includeTrailingDelimiter', 'includeFoldersAsPrefixes']) {
    if (query.get(unsupported) !== null) throw notImplemented(`The objects.list parameter '${unsupported}'`);
  }
  const maxText = query.get('maxResults');
  const maxResults = maxText === null ? MAX_LIST_RESULTS : Number(maxText);
  if (!Number.isInteger(maxResults) || maxResults < 0) throw invalid(`Invalid value for maxResults: '${maxText ?? ''}'`);
  const startOffset = query.get('startOffset') ?? '';
  const endOffset = query.get('endOffset');
  const page = listPage(bucket.objects, {
    prefix: query.get('prefix') ?? '',
    delimiter: query.get('delimiter') ?? '',
    maxKeys: Math.min(maxResults === 0 ? MAX_LIST_RESULTS : maxResults, MAX_LIST_RESULTS),
    include: (key) => compareKeys(key, startOffset) >= 0 && (endOffset === null || compareKeys(key, endOffset) < 0),
    continuationToken: query.get('pageToken') ?? undefined,
  });
  if (page === undefined) throw invalid('Invalid page token');
  return json(200, {
    kind: 'storage#objects',
    ...(page.nextContinuationToken === undefined ? {} : { nextPageToken: page.nextContinuationToken }),
    ...(page.commonPrefixes.length === 0 ? {} : { prefixes: page.commonPrefixes }),
    ...(page.contents.length === 0 ? {} : { items: page.contents.map(([, object]) => objectResource(object, state.endpoint)) }),
  });
}

function media(object: GcsObject, headers: IncomingHttpHeaders): GcsResponse {
  const size = object.body.length;
  const out: Record<string, string> = {
    'content-type': object.contentType,
    'x-goog-hash': `crc32c=${object.crc32c},md5=${object.md5Hash}`,
    'x-goog-generation': object.generation,
    'x-goog-metageneration': object.metageneration,
    'x-goog-stored-content-encoding': object.contentEncoding ?? 'identity',
    'x-goog-stored-content-length': String(size),
    etag: objectEtag(object),
    'last-modified': object.created.toUTCString(),
    'accept-ranges': 'bytes',
  };
  if (object.contentEncoding !== undefined) out['content-encoding'] = object.contentEncoding;
  const rangeHeader = headers.range;
  const range = parseRange(rangeHeader, size);
  if (range === 'multiple') throw notImplemented('A multi-range download');
  if (range === 'unsatisfiable') throw new GcsApiError(416, 'requestedRangeNotSatisfiable', 'Request range not satisfiable');
  if (range === undefined) return { status: 200, headers: { ...out, 'content-length': String(size) }, body: object.body };
  const [start, end] = range;
  return {
    status: 206,
    headers: { ...out, 'content-range': `bytes ${start}-${end}/${size}`, 'content-length': String(end - start + 1) },
    body: object.body.subarray(start, end + 1),
  };
}
