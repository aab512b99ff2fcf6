/** `s3://bucket/key` objects through the official AWS SDK (`@aws-sdk/client-s3`). */

import type { S3ClientConfig } from '@aws-sdk/client-s3';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { StorageError } from '@tflyte/core';
import { formatUri, parseObjectUri, parsePrefixUri } from './bucket-uri.ts';
import { refuseOptionsBeside } from './client-options.ts';
import type { ListableObjectStore } from './listable-store.ts';
import { regionOrFallback, s3ConfigFromEnv } from './s3-env.ts';

export interface S3StoreOptions {
  /** Defaults to the SDK's chain (`AWS_REGION`, then the shared config file's profile), else `us-east-1` with region redirects followed. */
  region?: string;
  /** A custom endpoint (S3-compatible services, a local test server); defaults to the SDK's (`AWS_ENDPOINT_URL_S3`), then flytekit's `FLYTE_AWS_ENDPOINT`, then AWS. */
  endpoint?: string;
  /** Address buckets as `/<bucket>/<key>` rather than as `<bucket>.<host>`; on by default with a custom endpoint from the environment. */
  forcePathStyle?: boolean;
  /** Static credentials or a provider; defaults to flytekit's `FLYTE_AWS_ACCESS_KEY_ID`/`FLYTE_AWS_SECRET_ACCESS_KEY`, then the SDK's chain (environment, shared files, SSO, container and instance roles). */
  credentials?: S3ClientConfig['credentials'];
  /** A client configured elsewhere; cannot be combined with the options above. */
  client?: S3Client;
}

const SCHEME = 's3';

/** `env` is where the defaults are read from (flytekit's `FLYTE_AWS_*`); options given here win over it. */
export function s3Store(options: S3StoreOptions = {}, env: NodeJS.ProcessEnv = process.env): ListableObjectStore {
  const client = createClient(options, env);
  return {
    schemes: [SCHEME],
    async get(uri) {
      const { bucket, key } = parseObjectUri(uri, SCHEME);
      try {
        const response = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        if (response.Body === undefined) return new Uint8Array();
        return await response.Body.transformToByteArray();
      } catch (error) {
        if (errorName(error) === 'NoSuchKey') return undefined;
        throw s3Failure(uri, 'read', bucket, error);
      }
    },
    async put(uri, bytes, options) {
      const { bucket, key } = parseObjectUri(uri, SCHEME);
      try {
        // A single PutObject is atomic: readers see the old object or the new one, never a part.
        await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: bytes, ContentType: options?.contentType }));
      } catch (error) {
        throw s3Failure(uri, 'write', bucket, error);
      }
    },
    async list(prefixUri) {
      const { bucket, key: prefix } = parsePrefixUri(prefixUri, SCHEME);
      const uris: string[] = [];
      let token: string | undefined;
      try {
        do {
          const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
          for (const object of page.Contents ?? []) if (object.Key !== undefined) uris.push(formatUri(SCHEME, bucket, object.Key));
          token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
        } while (token !== undefined);
      } catch (error) {
        throw s3Failure(prefixUri, 'list', bucket, error);
      }
      return uris;
    },
  };
}

function createClient(options: S3StoreOptions, env: NodeJS.ProcessEnv): S3Client {
  const { client, ...config } = options;
  if (client === undefined) {
    const defined = Object.fromEntries(Object.entries(config).filter(([, value]) => value !== undefined));
    const fromEnv = s3ConfigFromEnv(env);
    // Given an explicit region the caller means it; the fallback one may not be the bucket's, so follow S3's redirect.
    const region = config.region === undefined ? { region: regionOrFallback(), followRegionRedirects: true } : {};
    return new S3Client({ ...fromEnv, ...region, ...defined });
  }
  refuseOptionsBeside('s3Store.client', 'S3Client', config);
  return client;
}

/** A StorageError naming the URI, the S3 error, and what usually fixes it. */
function s3Failure(uri: string, action: 'read' | 'write' | 'list', bucket: string, error: unknown): StorageError {
  const name = errorName(error);
  const message = error instanceof Error ? error.message : String(error);
  let hint: string;
  if (name === 'NoSuchBucket') {
    hint = `the bucket '${bucket}' does not exist; create it or fix the bucket in the URI`;
  } else if (name === 'CredentialsProviderError' || /could not load credentials/i.test(message)) {
    hint =
      'no AWS credentials were found; set FLYTE_AWS_ACCESS_KEY_ID and FLYTE_AWS_SECRET_ACCESS_KEY (as a Flyte cluster does), AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE, or pass `credentials` to s3Store()';
  } else if (/region is missing/i.test(message)) {
    hint = 'no AWS region is configured; set AWS_REGION or pass `region` to s3Store()';
  } else if (name === 'InvalidAccessKeyId' || name === 'SignatureDoesNotMatch') {
    hint = `the AWS credentials were rejected (${name}: ${message}); check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY or the profile in use`;
  } else if (name === 'AccessDenied' || name === 'Forbidden') {
    const permission = action === 'read' ? 'GetObject' : action === 'write' ? 'PutObject' : 'ListBucket';
    // Without ListBucket, S3 hides whether a key exists and answers AccessDenied for missing objects too.
    hint = `access denied (${name}); grant the credentials in use s3:${permission}${action === 'read' ? ' and s3:ListBucket' : ''} on the bucket`;
  } else {
    hint = `${name}: ${message}`;
  }
  return new StorageError(uri, `cannot ${action}: ${hint}`, { cause: error });
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : 'Error';
}
