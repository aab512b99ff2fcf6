/**
 * A local, wire-level Amazon S3 endpoint for tests. The unmodified `@aws-sdk/client-s3` talks to it with
 * `endpoint: server.endpoint, forcePathStyle: true`: REST over HTTP, path-style `/<bucket>/<key>`, SigV4
 * Authorization headers, XML results and errors, aws-chunked streaming uploads and flexible checksums.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Buckets } from '../shared/buckets.ts';
import { LoopbackServer } from '../shared/loopback-server.ts';
import { readBody } from '../shared/read-body.ts';
import type { AuthRejection, SigV4Credentials } from '../shared/sigv4.ts';
import { checkSigV4, credentialList, isAuthRejection } from '../shared/sigv4.ts';
import type { S3Object } from './s3-buckets.ts';
import { noSuchBucket, S3ApiError } from './s3-errors.ts';
import type { S3Operation, S3Response } from './s3-operations.ts';
import { resolveOperation, runOperation, storeObject } from './s3-operations.ts';
import { decodePayload, parseTarget } from './s3-request.ts';

export interface S3ServerOptions {
  /** Buckets that exist from the start. */
  buckets?: readonly string[];
  /** When given, only these keys are accepted and every request's signature is verified. */
  credentials?: SigV4Credentials | readonly SigV4Credentials[];
  /** When given, the credential scope must name this region, as a real regional endpoint requires. */
  region?: string;
  /** Largest object accepted, in bytes (default 64 MiB). */
  maxObjectBytes?: number;
}

/** One request, in arrival order. */
export interface RecordedS3Request {
  method: string;
  /** Path and query as received. */
  url: string;
  /** Undefined when the request was refused before its operation was known. */
  operation: S3Operation | undefined;
  /** `x-amz-content-sha256` as sent: a hex digest, `UNSIGNED-PAYLOAD` or a `STREAMING-…` mode. */
  contentSha256: string | undefined;
  status: number | undefined;
  /** The S3 error code sent, e.g. `NoSuchKey`. */
  errorCode: string | undefined;
}

export interface S3TestServer {
  /** `http://127.0.0.1:<port>`, for the client's `endpoint`. */
  readonly endpoint: string;
  readonly requests: readonly RecordedS3Request[];
  /** Creates a bucket if it does not exist. */
  createBucket(name: string): void;
  /** Stores an object directly, bypassing HTTP. Throws NoSuchBucket for a missing bucket. */
  putObject(bucket: string, key: string, body: Uint8Array | string, contentType?: string): void;
  /** The stored object, or undefined. */
  object(bucket: string, key: string): S3Object | undefined;
  /** Keys of a bucket in S3's order; empty for a missing bucket. */
  keys(bucket: string): string[];
  /** Stops listening and drops open connections. Idempotent. */
  close(): Promise<void>;
}

const DEFAULT_MAX_OBJECT_BYTES = 64 * 1024 * 1024;
// aws-chunked framing adds a line per chunk and the trailers.
const FRAMING_ALLOWANCE = 64 * 1024;

export async function startS3Server(options: S3ServerOptions = {}): Promise<S3TestServer> {
  const server = new S3Server(options);
  await server.listen();
  return server;
}

class S3Server implements S3TestServer {
  readonly requests: RecordedS3Request[] = [];
  readonly #buckets = new Buckets<S3Object>();
  readonly #region: string | undefined;
  readonly #credentials: readonly SigV4Credentials[] | undefined;
  readonly #maxObjectBytes: number;
  readonly #http = new LoopbackServer((req, res) => this.#handle(req, res));

  constructor(options: S3ServerOptions) {
    this.#region = options.region;
    this.#credentials = credentialList(options.credentials);
    this.#maxObjectBytes = options.maxObjectBytes ?? DEFAULT_MAX_OBJECT_BYTES;
    for (const name of options.buckets ?? []) this.#buckets.create(name);
  }

  get endpoint(): string {
    return this.#http.endpoint;
  }

  listen(): Promise<void> {
    return this.#http.listen();
  }

  createBucket(name: string): void {
    this.#buckets.create(name);
  }

  putObject(bucket: string, key: string, body: Uint8Array | string, contentType = 'binary/octet-stream'): void {
    const target = this.#buckets.get(bucket);
    if (target === undefined) throw noSuchBucket(bucket);
    storeObject(target, key, Buffer.from(body), { contentType, contentEncoding: undefined, metadata: {}, checksum: undefined });
  }

  object(bucket: string, key: string): S3Object | undefined {
    return this.#buckets.get(bucket)?.objects.get(key);
  }

  keys(bucket: string): string[] {
    return this.#buckets.keys(bucket);
  }

  close(): Promise<void> {
    return this.#http.close();
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const url = req.url ?? '/';
    const contentSha256 = req.headers['x-amz-content-sha256'];
    const record: RecordedS3Request = {
      method,
      url,
      operation: undefined,
      contentSha256: typeof contentSha256 === 'string' ? contentSha256 : undefined,
      status: undefined,
      errorCode: undefined,
    };
    this.requests.push(record);
    const requestId = randomBytes(8).toString('hex').toUpperCase();
    const send = (response: S3Response): void => {
      record.status = response.status;
      res.writeHead(response.status, {
        'x-amz-request-id': requestId,
        'x-amz-id-2': randomBytes(24).toString('base64'),
        server: 'AmazonS3',
        ...response.headers,
      });
      // HEAD answers carry headers only, errors included.
      res.end(method === 'HEAD' ? undefined : response.body);
    };
    try {
      const raw = await readBody(req, this.#maxObjectBytes + FRAMING_ALLOWANCE, () => entityTooLarge(this.#maxObjectBytes));
      const region = this.#authenticate(method, url, req, raw);
      const target = parseTarget(url);
      const operation = resolveOperation(method, target, req.headers);
      record.operation = operation;
      const payload = decodePayload(req.headers, raw);
      if (payload.data.length > this.#maxObjectBytes) throw entityTooLarge(this.#maxObjectBytes);
      send(runOperation(this.#buckets, operation, { target, headers: req.headers, payload, region }));
    } catch (error) {
      const apiError =
        error instanceof S3ApiError
          ? error
          : new S3ApiError('InternalError', 500, `We encountered an internal error: ${(error as Error).message}`);
      record.errorCode = apiError.s3Code;
      send({ status: apiError.status, headers: { 'content-type': 'application/xml' }, body: apiError.toXml(requestId) });
    }
  }

  /** The caller's region, or throws the error S3 answers unauthenticated requests with. */
  #authenticate(method: string, url: string, req: IncomingMessage, body: Buffer): string {
    const identity = checkSigV4(
      { method, url, headers: req.headers, body },
      { service: 's3', ...(this.#credentials === undefined ? {} : { credentials: this.#credentials }) },
    );
    if (isAuthRejection(identity)) throw authError(identity);
    const expected = this.#region;
    if (expected !== undefined && identity.region !== expected) {
      throw new S3ApiError(
        'AuthorizationHeaderMalformed',
        400,
        `The authorization header is malformed; the region '${identity.region}' is wrong; expecting '${expected}'`,
        {
          Region: expected,
        },
      );
    }
    return identity.region;
  }
}

function authError(rejection: AuthRejection): S3ApiError {
  switch (rejection.type) {
    case 'MissingAuthenticationTokenException':
      return new S3ApiError('AccessDenied', 403, 'Access Denied');
    case 'IncompleteSignatureException':
      return new S3ApiError('AuthorizationHeaderMalformed', 400, `The authorization header is malformed; ${rejection.message}`);
    case 'UnrecognizedClientException':
      return new S3ApiError('InvalidAccessKeyId', 403, 'The AWS Access Key Id you provided does not exist in our records.');
    case 'InvalidSignatureException':
      return new S3ApiError('SignatureDoesNotMatch', 403, rejection.message);
  }
}

function entityTooLarge(max: number): S3ApiError {
  return new S3ApiError('EntityTooLarge', 400, 'Your proposed upload exceeds the maximum allowed object size.', {
    MaxSizeAllowed: String(max),
  });
}
