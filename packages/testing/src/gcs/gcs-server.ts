/**
 * A local, wire-level Google Cloud Storage endpoint for tests, speaking the JSON API. The unmodified
 * `@google-cloud/storage` talks to it with `new Storage({ apiEndpoint: server.endpoint, projectId })`; with a
 * custom endpoint the client sends no credentials, so none are checked.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LoopbackServer } from '../shared/loopback-server.ts';
import { readBody } from '../shared/read-body.ts';
import type { GcsObject } from './gcs-buckets.ts';
import { GcsBuckets } from './gcs-buckets.ts';
import { GcsApiError, noSuchBucket } from './gcs-errors.ts';
import type { GcsOperation, GcsState } from './gcs-operations.ts';
import { parseRoute, resolveOperation, runOperation } from './gcs-operations.ts';
import type { GcsResponse } from './gcs-resources.ts';
import { json } from './gcs-resources.ts';
import { Uploads } from './gcs-uploads.ts';

export interface GcsServerOptions {
  /** Buckets that exist from the start. */
  buckets?: readonly string[];
  /** Largest request body accepted, in bytes (default 64 MiB). */
  maxBodyBytes?: number;
}

/** One request, in arrival order. */
export interface RecordedGcsRequest {
  method: string;
  /** Path and query as received. */
  url: string;
  /** The JSON API method, e.g. `objects.get`; undefined when the path named none. */
  operation: GcsOperation | undefined;
  status: number | undefined;
  /** The JSON API error reason sent, e.g. `notFound`. */
  reason: string | undefined;
}

export interface GcsTestServer {
  /** `http://127.0.0.1:<port>`, for the client's `apiEndpoint`. */
  readonly endpoint: string;
  readonly requests: readonly RecordedGcsRequest[];
  /** Creates a bucket if it does not exist. */
  createBucket(name: string): void;
  /** Stores an object directly, bypassing HTTP. Throws for a missing bucket. */
  putObject(bucket: string, name: string, body: Uint8Array | string, contentType?: string): void;
  /** The live object, or undefined. */
  object(bucket: string, name: string): GcsObject | undefined;
  /** Object names of a bucket in listing order; empty for a missing bucket. */
  names(bucket: string): string[];
  /** Stops listening and drops open connections. Idempotent. */
  close(): Promise<void>;
}

const DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024;

export async function startGcsServer(options: GcsServerOptions = {}): Promise<GcsTestServer> {
  const server = new GcsServer(options);
  await server.listen();
  return server;
}

class GcsServer implements GcsTestServer {
  readonly requests: RecordedGcsRequest[] = [];
  readonly #buckets = new GcsBuckets();
  readonly #uploads = new Uploads();
  readonly #maxBodyBytes: number;
  readonly #http = new LoopbackServer((req, res) => this.#handle(req, res));

  constructor(options: GcsServerOptions) {
    this.#maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
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

  putObject(bucket: string, name: string, body: Uint8Array | string, contentType = 'application/octet-stream'): void {
    const target = this.#buckets.get(bucket);
    if (target === undefined) throw noSuchBucket();
    this.#buckets.store(target, { bucket, name, body: Buffer.from(body), contentType, contentEncoding: undefined, metadata: {} });
  }

  object(bucket: string, name: string): GcsObject | undefined {
    return this.#buckets.get(bucket)?.objects.get(name);
  }

  names(bucket: string): string[] {
    return this.#buckets.keys(bucket);
  }

  close(): Promise<void> {
    return this.#http.close();
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const url = req.url ?? '/';
    const record: RecordedGcsRequest = { method, url, operation: undefined, status: undefined, reason: undefined };
    this.requests.push(record);
    const queryAt = url.indexOf('?');
    const query = new URLSearchParams(queryAt < 0 ? '' : url.slice(queryAt + 1));
    let media = query.get('alt') === 'media';
    const send = (response: GcsResponse): void => {
      record.status = response.status;
      res.writeHead(response.status, response.headers);
      res.end(method === 'HEAD' || response.status === 304 ? undefined : response.body);
    };
    try {
      const body = await readBody(req, this.#maxBodyBytes, () => bodyTooLarge(this.#maxBodyBytes));
      const route = parseRoute(queryAt < 0 ? url : url.slice(0, queryAt));
      media ||= route.resource === 'object' && route.downloadPath;
      const operation = resolveOperation(method, route);
      record.operation = operation;
      const state: GcsState = { buckets: this.#buckets, endpoint: this.#http.endpoint };
      const request = { method, route, query, headers: req.headers, body };
      send(route.resource === 'upload' ? this.#uploads.handle(state, route.bucket, request) : runOperation(state, operation, request));
    } catch (error) {
      const apiError =
        error instanceof GcsApiError ? error : new GcsApiError(500, 'backendError', `Internal error: ${(error as Error).message}`);
      record.reason = apiError.reason;
      // Media downloads report errors as plain text, like the real service.
      send(
        media
          ? { status: apiError.status, headers: { 'content-type': 'text/html; charset=UTF-8' }, body: apiError.apiMessage }
          : json(apiError.status, apiError.body()),
      );
    }
  }
}

function bodyTooLarge(limit: number): GcsApiError {
  return new GcsApiError(413, 'uploadTooLarge', `The request body exceeds the test server's limit of ${limit} bytes`);
}
