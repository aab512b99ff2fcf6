/**
 * How a Flyte cluster configures S3 for the tasks it starts. The sandbox and demo deployments inject
 * `FLYTE_AWS_ENDPOINT`, `FLYTE_AWS_ACCESS_KEY_ID` and `FLYTE_AWS_SECRET_ACCESS_KEY` (the variables
 * flytekit's S3Config reads) and no region, because MinIO has none; a task image must read them as
 * flytekit does, or it never reaches its inputs.
 */

import type { S3ClientConfig } from '@aws-sdk/client-s3';
import { S3Client } from '@aws-sdk/client-s3';

/** S3 accepts any region's signature on its global endpoint and redirects to the bucket's own; MinIO ignores it. */
export const FALLBACK_REGION = 'us-east-1';

export interface S3EnvConfig {
  endpoint?: string;
  forcePathStyle?: boolean;
  credentials?: S3ClientConfig['credentials'];
}

/**
 * The client settings flytekit's environment implies. A custom endpoint is addressed path-style:
 * S3-compatible servers inside a cluster are reached by a service name (`http://minio.flyte:9000`),
 * under which `<bucket>.<host>` does not resolve. An explicit `AWS_ENDPOINT_URL_S3` wins, as the SDK's
 * own setting; `FLYTE_AWS_*` fill in only what it leaves open.
 */
export function s3ConfigFromEnv(env: NodeJS.ProcessEnv): S3EnvConfig {
  const config: S3EnvConfig = {};
  const endpoint = nonEmpty(env.AWS_ENDPOINT_URL_S3) ?? nonEmpty(env.AWS_ENDPOINT_URL) ?? nonEmpty(env.FLYTE_AWS_ENDPOINT);
  if (endpoint !== undefined) {
    config.endpoint = endpoint;
    config.forcePathStyle = true;
  }
  const accessKeyId = nonEmpty(env.FLYTE_AWS_ACCESS_KEY_ID);
  const secretAccessKey = nonEmpty(env.FLYTE_AWS_SECRET_ACCESS_KEY);
  if (accessKeyId !== undefined && secretAccessKey !== undefined) config.credentials = { accessKeyId, secretAccessKey };
  return config;
}

/**
 * The SDK's own region chain (`AWS_REGION`, the shared config's profile), falling back to
 * {@link FALLBACK_REGION} where the SDK would fail every request with "Region is missing": boto, which
 * flytekit uses, needs no region, so a cluster that sets none is a working cluster.
 */
export function regionOrFallback(): () => Promise<string> {
  let resolved: Promise<string> | undefined;
  return () =>
    (resolved ??= (async () => {
      try {
        const region = await new S3Client({}).config.region();
        return region === '' ? FALLBACK_REGION : region;
      } catch {
        return FALLBACK_REGION;
      }
    })());
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}
