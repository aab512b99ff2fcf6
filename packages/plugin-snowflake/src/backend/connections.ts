/**
 * snowflake-sdk connections, one per (account, user, database, schema, warehouse, role), opened on
 * first use and reused by every attempt of the executor holding the backend. Authentication is the
 * production set: key-pair JWT (a PEM, or a file), password, or an OAuth token.
 */
import snowflake from 'snowflake-sdk';
import type { SnowflakeConfig } from '../snowflake-template.ts';
import { type PrivateKeySecret, readPrivateKeySecret } from './private-key-secret.ts';

export interface SnowflakeAuth {
  /** Login name for tasks that set no `user`. */
  readonly user?: string;
  /** PEM of the private key (key-pair JWT). */
  readonly privateKey?: string;
  readonly privateKeyPath?: string;
  readonly privateKeyPass?: string;
  /** The PEM from a declared secret, read at each login (so a rotated key is picked up); see private-key-secret.ts. */
  readonly privateKeySecret?: PrivateKeySecret;
  readonly password?: string;
  /** OAuth access token. */
  readonly token?: string;
}

export interface ConnectionSettings extends SnowflakeAuth {
  /** Another endpoint than `https://<account>.snowflakecomputing.com`, e.g. a local test server. */
  readonly accessUrl?: string;
  /** Anything else for `snowflake.createConnection`; the settings above win. */
  readonly connectionOptions?: Partial<snowflake.ConnectionOptions>;
}

export interface ConnectionPool {
  connection(config: SnowflakeConfig): Promise<snowflake.Connection>;
  /** Drops a connection whose session is gone, so the next call logs in again. */
  discard(config: SnowflakeConfig): void;
  close(): Promise<void>;
}

let configured = false;

export function connectionPool(settings: ConnectionSettings): ConnectionPool {
  if (!configured) {
    snowflake.configure({ logLevel: 'OFF' });
    configured = true;
  }
  const open = new Map<string, Promise<snowflake.Connection>>();
  const key = (c: SnowflakeConfig) => JSON.stringify([c.account, c.user, c.database, c.schema, c.warehouse, c.role]);
  return {
    connection(config) {
      const k = key(config);
      let pending = open.get(k);
      if (pending === undefined) {
        pending = connect(settings, config);
        open.set(k, pending);
        pending.catch(() => open.delete(k));
      }
      return pending;
    },
    discard(config) {
      const k = key(config);
      const pending = open.get(k);
      open.delete(k);
      void pending?.then((c) => c.destroy(() => undefined)).catch(() => undefined);
    },
    async close() {
      const all = [...open.values()];
      open.clear();
      await Promise.allSettled(
        all.map(
          async (p) =>
            new Promise<void>(
              (resolve) =>
                void p.then(
                  (c) => c.destroy(() => resolve()),
                  () => resolve(),
                ),
            ),
        ),
      );
    },
  };
}

/** Which authenticator the settings imply: a key first, then an OAuth token, then a password. */
export function authenticatorOf(auth: SnowflakeAuth): 'SNOWFLAKE_JWT' | 'OAUTH' | 'SNOWFLAKE' {
  if (auth.privateKey !== undefined || auth.privateKeyPath !== undefined || auth.privateKeySecret !== undefined) return 'SNOWFLAKE_JWT';
  if (auth.token !== undefined) return 'OAUTH';
  return 'SNOWFLAKE';
}

async function connect(settings: ConnectionSettings, config: SnowflakeConfig): Promise<snowflake.Connection> {
  const authenticator = authenticatorOf(settings);
  const privateKey =
    settings.privateKey ??
    (settings.privateKeyPath === undefined && settings.privateKeySecret !== undefined
      ? await readPrivateKeySecret(settings.privateKeySecret)
      : undefined);
  const options = {
    ...settings.connectionOptions,
    account: config.account,
    username: config.user || settings.user || '',
    database: config.database,
    ...(config.schema === '' ? {} : { schema: config.schema }),
    ...(config.warehouse === '' ? {} : { warehouse: config.warehouse }),
    ...(config.role === '' ? {} : { role: config.role }),
    ...(settings.accessUrl === undefined ? {} : { accessUrl: settings.accessUrl }),
    authenticator,
    ...(authenticator === 'SNOWFLAKE_JWT'
      ? {
          ...(privateKey === undefined ? {} : { privateKey }),
          ...(settings.privateKeyPath === undefined ? {} : { privateKeyPath: settings.privateKeyPath }),
          ...(settings.privateKeyPass === undefined ? {} : { privateKeyPass: settings.privateKeyPass }),
        }
      : authenticator === 'OAUTH'
        ? { token: settings.token }
        : { password: settings.password ?? '' }),
  } as snowflake.ConnectionOptions;
  const connection = snowflake.createConnection(options);
  return new Promise((resolve, reject) => connection.connect((error, c) => (error ? reject(error) : resolve(c))));
}
