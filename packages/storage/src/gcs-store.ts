/** `gs://bucket/name` objects through the official Google Cloud SDK (`@google-cloud/storage`). */
import { Storage } from '@google-cloud/storage';
import { StorageError } from '@tflyte/core';
import { formatUri, parseObjectUri, parsePrefixUri } from './bucket-uri.ts';
import { refuseOptionsBeside } from './client-options.ts';
import type { ListableObjectStore } from './listable-store.ts';

export interface GcsStoreOptions {
  /**
   * A custom endpoint (an emulator, a local test server); defaults to `STORAGE_EMULATOR_HOST` (a bare
   * `host:port` meaning plain HTTP, as gcsfs, which flytekit uses, reads it), then Google's.
   * With a custom endpoint the client sends no credentials.
   */
  apiEndpoint?: string;
  /** Only needed for project-level calls; object reads and writes do not use it. */
  projectId?: string;
  /** A client configured elsewhere; cannot be combined with the options above. */
  storage?: Storage;
}

const SCHEME = 'gs';

/** `env` is where the emulator default is read from; options given here win over it. */
export function gcsStore(options: GcsStoreOptions = {}, env: NodeJS.ProcessEnv = process.env): ListableObjectStore {
  const storage = createClient(options, env);
  return {
    schemes: [SCHEME],
    async get(uri) {
      const { bucket, key } = parseObjectUri(uri, SCHEME);
      try {
        const [contents] = await storage.bucket(bucket).file(key).download();
        return new Uint8Array(contents.buffer, contents.byteOffset, contents.byteLength);
      } catch (error) {
        // GCS answers reads in a missing bucket with "No such object" too, so a 404 is always "absent".
        if (statusOf(error) === 404) return undefined;
        throw gcsFailure(uri, 'read', bucket, error);
      }
    },
    async put(uri, bytes, options) {
      const { bucket, key } = parseObjectUri(uri, SCHEME);
      try {
        // One multipart upload: atomic, and cheaper than a resumable session for small documents.
        await storage
          .bucket(bucket)
          .file(key)
          .save(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), {
            resumable: false,
            ...(options?.contentType === undefined ? {} : { contentType: options.contentType }),
          });
      } catch (error) {
        throw gcsFailure(uri, 'write', bucket, error);
      }
    },
    async list(prefixUri) {
      const { bucket, key: prefix } = parsePrefixUri(prefixUri, SCHEME);
      try {
        const [files] = await storage.bucket(bucket).getFiles({ prefix, autoPaginate: true });
        return files.map((file) => formatUri(SCHEME, bucket, file.name));
      } catch (error) {
        throw gcsFailure(prefixUri, 'list', bucket, error);
      }
    },
  };
}

function createClient(options: GcsStoreOptions, env: NodeJS.ProcessEnv): Storage {
  const { storage, ...config } = options;
  if (storage === undefined) {
    const apiEndpoint = config.apiEndpoint ?? emulatorEndpoint(env.STORAGE_EMULATOR_HOST);
    const client = new Storage({
      ...(apiEndpoint === undefined ? {} : { apiEndpoint }),
      ...(config.projectId === undefined ? {} : { projectId: config.projectId }),
    });
    // The SDK also bases JSON API calls on the raw STORAGE_EMULATOR_HOST of the process, scheme or not;
    // base them on the endpoint chosen above, as an explicit apiEndpoint would.
    if (apiEndpoint !== undefined) client.baseUrl = `${apiEndpoint.replace(/\/+$/, '')}/storage/v1`;
    return client;
  }
  refuseOptionsBeside('gcsStore.storage', 'Storage', config);
  return storage;
}

/**
 * The SDK would prefix a bare `host:port` with https://, which no emulator in a cluster speaks; gcsfs
 * prefixes http://, so the same variable reaches the same server from a flytekit task and a tflyte one.
 */
function emulatorEndpoint(host: string | undefined): string | undefined {
  if (host === undefined || host.trim() === '') return undefined;
  return /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(host) ? host : `http://${host}`;
}

/** A StorageError naming the URI, the GCS error, and what usually fixes it. */
function gcsFailure(uri: string, action: 'read' | 'write' | 'list', bucket: string, error: unknown): StorageError {
  const status = statusOf(error);
  const message = error instanceof Error ? error.message : String(error);
  let hint: string;
  if (status === 404) {
    hint = `the bucket '${bucket}' does not exist (${message}); create it or fix the bucket in the URI`;
  } else if (/default credentials/i.test(message)) {
    hint = 'no Google Cloud credentials were found; set GOOGLE_APPLICATION_CREDENTIALS or run `gcloud auth application-default login`';
  } else if (status === 401 || status === 403) {
    const permission = action === 'read' ? 'get' : action === 'write' ? 'create' : 'list';
    hint = `access denied (${status}: ${message}); grant the credentials in use storage.objects.${permission} on the bucket`;
  } else {
    hint = status === undefined ? message : `${status}: ${message}`;
  }
  return new StorageError(uri, `cannot ${action}: ${hint}`, { cause: error });
}

/** The HTTP status of an SDK error (ApiError and GaxiosError carry it as a numeric `code` or `status`). */
function statusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, status } = error as { code?: unknown; status?: unknown };
  if (typeof code === 'number') return code;
  return typeof status === 'number' ? status : undefined;
}
