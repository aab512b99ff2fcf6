/**
 * The private key of key-pair authentication from a declared secret, found where flytekit's
 * SecretsManager looks (so a connector deployment and a local run read the same places): the
 * environment variable `_FSEC_<GROUP>[_<GROUP_VERSION>]_<KEY>`, then, for local runs, the same name
 * without the prefix, then the file `<FLYTE_SECRETS_DEFAULT_DIR | /etc/secrets>/<group>/[<version>/]<key>`.
 * flytekit's Snowflake connector reads the key `snowflake_private_key`.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BackendError } from '@tflyte/core';

export interface PrivateKeySecret {
  readonly key: string;
  readonly group?: string;
  readonly groupVersion?: string;
}

/** flytekit's Snowflake connector's secret. */
export const DEFAULT_PRIVATE_KEY_SECRET: PrivateKeySecret = { key: 'snowflake_private_key' };

export async function readPrivateKeySecret(secret: PrivateKeySecret, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const parts = [secret.group, secret.groupVersion, secret.key].filter((p): p is string => p !== undefined && p !== '');
  const name = parts.join('_').toUpperCase();
  const fromEnv = env[`_FSEC_${name}`] ?? env[name];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  const file = join(env.FLYTE_SECRETS_DEFAULT_DIR ?? '/etc/secrets', ...parts.map((p) => p.toLowerCase()));
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new BackendError(
      {
        kind: 'user',
        retryable: false,
        code: 'SnowflakePrivateKeySecretMissing',
        message: `snowflakePlugin option 'privateKeySecret': secret ${JSON.stringify(secret)} was not found in $_FSEC_${name}, $${name} or ${file}; set one of them to the PEM of the private key, or pass 'privateKey' or 'privateKeyPath'`,
      },
      { cause: error },
    );
  }
}
