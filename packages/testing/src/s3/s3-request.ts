/**
 * What an incoming S3 REST request addresses (path-style `/<bucket>/<key>`) and its payload, decoded per
 * `x-amz-content-sha256`: a plain body whose SHA-256 must match, `UNSIGNED-PAYLOAD`, or an aws-chunked stream.
 */
import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { header } from '../shared/headers.ts';
import { decodeAwsChunked } from './aws-chunked.ts';
import type { ChecksumAlgorithm } from './checksums.ts';
import { CHECKSUM_ALGORITHMS, checksumBase64 } from './checksums.ts';
import { badDigest, invalidRequest, notImplemented, S3ApiError } from './s3-errors.ts';

export interface S3Target {
  /** Undefined for the service root `/`. */
  bucket: string | undefined;
  /** Undefined for bucket-level requests. */
  key: string | undefined;
  query: URLSearchParams;
}

export function parseTarget(url: string): S3Target {
  const queryAt = url.indexOf('?');
  const path = queryAt < 0 ? url : url.slice(0, queryAt);
  const query = new URLSearchParams(queryAt < 0 ? '' : url.slice(queryAt + 1));
  const slash = path.indexOf('/', 1);
  const rawBucket = slash < 0 ? path.slice(1) : path.slice(1, slash);
  const rawKey = slash < 0 ? '' : path.slice(slash + 1);
  try {
    return {
      bucket: rawBucket === '' ? undefined : decodeURIComponent(rawBucket),
      key: rawKey === '' ? undefined : decodeURIComponent(rawKey),
      query,
    };
  } catch {
    throw new S3ApiError('InvalidURI', 400, "Couldn't parse the specified URI.");
  }
}

export interface S3Payload {
  data: Buffer;
  /** aws-chunked trailer headers, lower-case names. */
  trailers: ReadonlyMap<string, string>;
}

const STREAMING_PAYLOADS = [
  'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
  'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
  'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER',
];

/** The request body as the object's bytes. Chunk signatures of signed streams are not verified. */
export function decodePayload(headers: IncomingHttpHeaders, raw: Buffer): S3Payload {
  const contentSha256 = header(headers, 'x-amz-content-sha256');
  if (contentSha256 === undefined) throw invalidRequest('Missing required header for this request: x-amz-content-sha256');
  if (contentSha256 === 'UNSIGNED-PAYLOAD') return { data: raw, trailers: new Map() };
  if (/^[0-9a-f]{64}$/.test(contentSha256)) {
    const actual = createHash('sha256').update(raw).digest('hex');
    if (actual !== contentSha256) {
      throw new S3ApiError(
        'XAmzContentSHA256Mismatch',
        400,
        "The provided 'x-amz-content-sha256' header does not match what was computed.",
        {
          ClientComputedContentSHA256: contentSha256,
          S3ComputedContentSHA256: actual,
        },
      );
    }
    return { data: raw, trailers: new Map() };
  }
  if (!STREAMING_PAYLOADS.includes(contentSha256)) {
    if (contentSha256.startsWith('STREAMING-')) throw notImplemented(`x-amz-content-sha256: ${contentSha256}`);
    throw new S3ApiError(
      'InvalidArgument',
      400,
      `x-amz-content-sha256 must be UNSIGNED-PAYLOAD, ${STREAMING_PAYLOADS.join(', ')} or a SHA-256 hex digest (got '${contentSha256}')`,
    );
  }
  const decoded = decodeAwsChunked(raw);
  if (typeof decoded === 'string') throw new S3ApiError('IncompleteBody', 400, `The aws-chunked request body is malformed: ${decoded}`);
  const declared = header(headers, 'x-amz-decoded-content-length');
  if (declared !== undefined && Number(declared) !== decoded.data.length) {
    throw new S3ApiError(
      'IncompleteBody',
      400,
      `You did not provide the number of bytes specified by the x-amz-decoded-content-length header (${declared}; got ${decoded.data.length}).`,
    );
  }
  return decoded;
}

/** Checks Content-MD5 and the flexible checksum (header or trailer); returns the checksum to store. */
export function verifyChecksums(
  headers: IncomingHttpHeaders,
  payload: S3Payload,
): { algorithm: ChecksumAlgorithm; value: string } | undefined {
  const md5 = header(headers, 'content-md5');
  if (md5 !== undefined && createHash('md5').update(payload.data).digest('base64') !== md5) {
    throw new S3ApiError('BadDigest', 400, 'The Content-MD5 you specified did not match what we received.');
  }
  const trailer = header(headers, 'x-amz-trailer')?.toLowerCase();
  if (trailer !== undefined && !payload.trailers.has(trailer)) {
    throw invalidRequest(`The x-amz-trailer header names '${trailer}' but the request body carries no such trailer.`);
  }
  for (const algorithm of CHECKSUM_ALGORITHMS) {
    const name = `x-amz-checksum-${algorithm}`;
    const value = payload.trailers.get(name) ?? header(headers, name);
    if (value === undefined) continue;
    if (checksumBase64(algorithm, payload.data) !== value) throw badDigest(algorithm.toUpperCase());
    return { algorithm, value };
  }
  return undefined;
}
