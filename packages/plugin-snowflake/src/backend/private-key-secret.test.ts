import { generateKeyPairSync } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { t, toTaskTemplate } from '@tflyte/core';
import { testAttemptContext } from '@tflyte/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_PRIVATE_KEY_SECRET, snowflakeBackend, snowflakeTask } from '../index.ts';
import { type SnowflakeTestServer, startSnowflakeServer } from '../testing/index.ts';

const keys = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
});
const template = toTaskTemplate(
  snowflakeTask({
    name: 'one',
    account: 'tflyte',
    user: 'ada',
    database: 'SALES',
    schema: 'PUBLIC',
    warehouse: 'WH',
    query: 'SELECT 1 AS secret_login',
    outputs: { rows: t.list(t.struct()) },
  }),
);
const ENV = ['_FSEC_SNOWFLAKE_PRIVATE_KEY', 'FLYTE_SECRETS_DEFAULT_DIR'] as const;

describe('the private key from a declared secret', () => {
  let server: SnowflakeTestServer;
  let dir: string;
  const saved = Object.fromEntries(ENV.map((k) => [k, process.env[k]]));
  beforeAll(async () => {
    server = await startSnowflakeServer({ users: { ada: { publicKey: keys.publicKey } } });
    dir = await mkdtemp(join(tmpdir(), 'tflyte-snowflake-secrets-'));
  });
  afterEach(() => {
    for (const k of ENV)
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
  });
  afterAll(async () => {
    await server?.close();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  const loginWith = async (privateKeySecret: typeof DEFAULT_PRIVATE_KEY_SECRET) => {
    const backend = snowflakeBackend({ accessUrl: server.endpoint, privateKeySecret });
    try {
      return await backend.create(testAttemptContext({ template }));
    } finally {
      await backend.connections.close();
    }
  };

  it("reads flytekit's snowflake_private_key from $_FSEC_SNOWFLAKE_PRIVATE_KEY and signs a JWT the server verifies", async () => {
    process.env._FSEC_SNOWFLAKE_PRIVATE_KEY = keys.privateKey;
    const logins = server.logins;
    await loginWith(DEFAULT_PRIVATE_KEY_SECRET);
    expect(server.logins).toBe(logins + 1);
  });

  it('reads a grouped secret from its file under FLYTE_SECRETS_DEFAULT_DIR', async () => {
    await mkdir(join(dir, 'snowflake'), { recursive: true });
    await writeFile(join(dir, 'snowflake', 'private_key'), keys.privateKey);
    process.env.FLYTE_SECRETS_DEFAULT_DIR = dir;
    const before = server.executions(/secret_login/).length;
    await loginWith({ group: 'snowflake', key: 'private_key' });
    expect(server.executions(/secret_login/)).toHaveLength(before + 1);
  });

  it('fails the attempt as a permanent USER error naming where it looked when the secret is absent', async () => {
    process.env.FLYTE_SECRETS_DEFAULT_DIR = dir;
    await expect(loginWith({ group: 'nowhere', key: 'private_key' })).rejects.toMatchObject({
      failure: {
        kind: 'user',
        retryable: false,
        code: 'SnowflakePrivateKeySecretMissing',
        message: expect.stringMatching(/privateKeySecret.*_FSEC_NOWHERE_PRIVATE_KEY.*nowhere\/private_key/),
      },
    });
  });
});
