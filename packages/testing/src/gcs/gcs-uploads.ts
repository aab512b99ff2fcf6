/**
 * objects.insert through the upload endpoint: `uploadType=media` (the body is the object), `multipart`
 * (JSON metadata, then the media, in multipart/related) and `resumable` (a session URI, then PUTs carrying
 * `Content-Range: bytes a-b/total`, `bytes a-*\/total` or the status query `bytes *\/*`; 308 while incomplete).
 */
import { createHash, randomBytes } from 'node:crypto';
import { crc32cBase64 } from '../shared/crc32c.ts';
import { header } from '../shared/headers.ts';
import type { GcsObject, NewObject } from './gcs-buckets.ts';
import { GcsApiError, invalid, noSuchBucket, required } from './gcs-errors.ts';
import type { GcsRequest, GcsState } from './gcs-operations.ts';
import { checkPreconditions } from './gcs-operations.ts';
import type { GcsResponse } from './gcs-resources.ts';
import { json, objectResource } from './gcs-resources.ts';
import { parseMultipart } from './multipart.ts';

interface UploadFields {
  name: string;
  contentType: string;
  contentEncoding: string | undefined;
  metadata: Record<string, string>;
  /** Hashes the client declared in the resource (`crc32c`, `md5Hash`); checked against the received bytes. */
  declared: { crc32c?: string; md5Hash?: string };
}

interface UploadSession {
  bucket: string;
  fields: UploadFields;
  /** The initiating request's query, for its preconditions. */
  query: URLSearchParams;
  chunks: Buffer[];
  received: number;
  result: GcsObject | undefined;
}

const MAX_NAME_BYTES = 1024;

export class Uploads {
  readonly #sessions = new Map<string, UploadSession>();

  handle(state: GcsState, bucket: string, request: GcsRequest): GcsResponse {
    const uploadId = request.query.get('upload_id');
    if (uploadId !== null) return this.#continue(state, uploadId, request);
    if (request.method !== 'POST') throw invalid('Uploads start with POST; PUT and DELETE need an upload_id');
    const uploadType = request.query.get('uploadType');
    switch (uploadType) {
      case 'media': {
        const fields = {
          name: request.query.get('name') ?? '',
          contentType: header(request.headers, 'content-type') ?? 'application/octet-stream',
          contentEncoding: request.query.get('contentEncoding') ?? undefined,
          metadata: {},
          declared: {},
        };
        return finish(state, bucket, fields, request.body, request.query, header(request.headers, 'x-goog-hash'));
      }
      case 'multipart': {
        const parts = parseMultipart(header(request.headers, 'content-type'), request.body);
        if (typeof parts === 'string') throw invalid(`Invalid multipart upload: ${parts}`);
        const [metadataPart, mediaPart] = parts;
        if (metadataPart === undefined || mediaPart === undefined || parts.length !== 2) {
          throw invalid(`A multipart upload has exactly two parts, the JSON metadata and the media (got ${parts.length})`);
        }
        const fields = uploadFields(metadataPart.body, request.query, mediaPart.headers.get('content-type'));
        return finish(state, bucket, fields, mediaPart.body, request.query, header(request.headers, 'x-goog-hash'));
      }
      case 'resumable': {
        if (state.buckets.get(bucket) === undefined) throw noSuchBucket();
        const fields = uploadFields(request.body, request.query, header(request.headers, 'x-upload-content-type'));
        validateName(fields.name);
        const id = randomBytes(16).toString('base64url');
        this.#sessions.set(id, { bucket, fields, query: request.query, chunks: [], received: 0, result: undefined });
        const location = new URL(`${state.endpoint}/upload/storage/v1/b/${encodeURIComponent(bucket)}/o`);
        location.searchParams.set('uploadType', 'resumable');
        location.searchParams.set('name', fields.name);
        location.searchParams.set('upload_id', id);
        return { status: 200, headers: { location: location.href, 'x-guploader-uploadid': id, 'content-length': '0' } };
      }
      case null:
        throw required('uploadType');
      default:
        throw invalid(`Invalid uploadType '${uploadType}'; use media, multipart or resumable`);
    }
  }

  #continue(state: GcsState, id: string, request: GcsRequest): GcsResponse {
    const session = this.#sessions.get(id);
    if (session === undefined) throw new GcsApiError(404, 'notFound', `No such upload: ${id}`);
    if (request.method === 'DELETE') {
      this.#sessions.delete(id);
      // 499 "Client Closed Request" is how GCS acknowledges a cancelled upload.
      return json(499, new GcsApiError(499, 'clientClosedRequest', 'Upload cancelled').body());
    }
    if (session.result !== undefined) return json(200, objectResource(session.result, state.endpoint));
    const range = parseContentRange(header(request.headers, 'content-range'), request.body.length);
    if (range.start !== undefined) {
      if (range.start > session.received) {
        throw invalid(`The upload offset is ${range.start} bytes, which exceeds the ${session.received} bytes already uploaded`);
      }
      // Bytes the server already has are skipped, as a retried chunk may resend them.
      const fresh = request.body.subarray(session.received - range.start);
      session.chunks.push(fresh);
      session.received += fresh.length;
    }
    const complete = range.total === undefined ? range.start !== undefined && range.openEnded : session.received >= range.total;
    if (range.total !== undefined && session.received > range.total) {
      throw invalid(`Received ${session.received} bytes, more than the declared total of ${range.total}`);
    }
    if (!complete) {
      const headers: Record<string, string> = { 'x-guploader-uploadid': id, 'content-length': '0' };
      if (session.received > 0) headers.range = `bytes=0-${session.received - 1}`;
      return { status: 308, headers };
    }
    const response = finish(
      state,
      session.bucket,
      session.fields,
      Buffer.concat(session.chunks),
      session.query,
      header(request.headers, 'x-goog-hash'),
    );
    session.result = state.buckets.get(session.bucket)?.objects.get(session.fields.name);
    return response;
  }
}

interface ContentRange {
  /** Undefined for the status query `bytes *\/…`. */
  start: number | undefined;
  /** `bytes a-*\/…`: the body runs to the end of the object as far as this request goes. */
  openEnded: boolean;
  /** Undefined when the total is `*` (not yet known). */
  total: number | undefined;
}

function parseContentRange(value: string | undefined, bodyLength: number): ContentRange {
  // No Content-Range: the body is the whole object.
  if (value === undefined) return { start: 0, openEnded: false, total: bodyLength };
  const m = /^bytes (?:\*|(\d+)-(\d+|\*))\/(\*|\d+)$/.exec(value.trim());
  if (m === null) throw invalid(`Invalid Content-Range '${value}'; expected 'bytes <first>-<last>/<total|*>' or 'bytes */<total|*>'`);
  const [, first, last, total] = m;
  const parsedTotal = total === '*' || total === undefined ? undefined : Number(total);
  if (first === undefined) return { start: undefined, openEnded: false, total: parsedTotal };
  if (last !== '*' && Number(last) - Number(first) + 1 !== bodyLength) {
    throw invalid(`Content-Range '${value}' announces ${Number(last) - Number(first) + 1} bytes but the body has ${bodyLength}`);
  }
  return { start: Number(first), openEnded: last === '*', total: parsedTotal };
}

/** Stores the object after its name, declared hashes, `X-Goog-Hash` and preconditions check out. */
function finish(
  state: GcsState,
  bucketName: string,
  fields: UploadFields,
  body: Buffer,
  query: URLSearchParams,
  googHash: string | undefined,
): GcsResponse {
  validateName(fields.name);
  const bucket = state.buckets.get(bucketName);
  if (bucket === undefined) throw noSuchBucket();
  const hashes = { ...fields.declared };
  for (const pair of (googHash ?? '').split(',')) {
    const eq = pair.indexOf('=');
    const kind = pair.slice(0, eq).trim();
    if (kind === 'crc32c') hashes.crc32c = pair.slice(eq + 1).trim();
    if (kind === 'md5') hashes.md5Hash = pair.slice(eq + 1).trim();
  }
  const crc32c = crc32cBase64(body);
  if (hashes.crc32c !== undefined && hashes.crc32c !== crc32c) {
    throw invalid(`Provided CRC32C "${hashes.crc32c}" doesn't match calculated CRC32C "${crc32c}".`);
  }
  const md5 = createHash('md5').update(body).digest('base64');
  if (hashes.md5Hash !== undefined && hashes.md5Hash !== md5) {
    throw invalid(`Provided MD5 hash "${hashes.md5Hash}" doesn't match calculated MD5 hash "${md5}".`);
  }
  checkPreconditions(query, bucket.objects.get(fields.name), false);
  const fresh: NewObject = {
    bucket: bucketName,
    name: fields.name,
    body,
    contentType: fields.contentType,
    contentEncoding: fields.contentEncoding,
    metadata: fields.metadata,
  };
  return json(200, objectResource(state.buckets.store(bucket, fresh), state.endpoint));
}

/** The object resource sent with a multipart or resumable upload; the query's `name` wins, as in GCS. */
function uploadFields(body: Buffer, query: URLSearchParams, mediaType: string | undefined): UploadFields {
  let resource: Record<string, unknown> = {};
  if (body.length > 0) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      throw invalid('The upload metadata is not valid JSON');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw invalid('The upload metadata must be a JSON object');
    resource = parsed as Record<string, unknown>;
  }
  const text = (field: string): string | undefined => {
    const value = resource[field];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string') throw invalid(`Invalid value for ${field}: expected a string`);
    return value;
  };
  const metadata: Record<string, string> = {};
  if (resource.metadata !== undefined && resource.metadata !== null) {
    if (typeof resource.metadata !== 'object' || Array.isArray(resource.metadata))
      throw invalid('Invalid value for metadata: expected an object');
    for (const [key, value] of Object.entries(resource.metadata)) if (value !== null) metadata[key] = String(value);
  }
  const crc32c = text('crc32c');
  const md5Hash = text('md5Hash');
  return {
    name: query.get('name') ?? text('name') ?? '',
    contentType: text('contentType') ?? mediaType ?? 'application/octet-stream',
    contentEncoding: text('contentEncoding') ?? query.get('contentEncoding') ?? undefined,
    metadata,
    declared: { ...(crc32c === undefined ? {} : { crc32c }), ...(md5Hash === undefined ? {} : { md5Hash }) },
  };
}

function validateName(name: string): void {
  if (name === '') throw required('name');
  const bytes = Buffer.byteLength(name, 'utf8');
  if (bytes > MAX_NAME_BYTES)
    throw invalid(`The maximum object name length is ${MAX_NAME_BYTES} bytes, but got a name with ${bytes} bytes`);
  if (/[\r\n]/.test(name)) throw invalid('Object names cannot contain carriage return or line feed characters');
}
