/**
 * Where a run finds HiveServer2 when tflyte.config.ts does not say: `TFLYTE_HIVE_URL`, in the JDBC
 * form beeline's `-u` takes (`jdbc:hive2://host:port/db;transportMode=http;httpPath=cliservice`,
 * `;auth=noSasl`), with `HIVE_USER` / `HIVE_PASSWORD` as beeline's `-n` / `-p`. A user copies the
 * URL they already use, and a test points a run at the test server the same way.
 */
import { TflyteError } from '@tflyte/core';
import type { HiveServerConfig } from './backend/connection.ts';

export const HIVE_URL_ENV = 'TFLYTE_HIVE_URL';

/** A HiveServer2 JDBC URL or an environment variable is malformed. */
export class HiveUrlError extends TflyteError {
  constructor(message: string) {
    super('TFLYTE_CONFIG', message);
  }
}

const URL_FORM = /^(?:jdbc:)?hive2:\/\/([^/:;?]+)(?::(\d+))?(?:\/([^;?#]*))?((?:;[^;]*)*)$/;

/**
 * The server a JDBC URL names. Session variables (`;key=value`) the plugin understands are
 * `transportMode`, `httpPath`, `auth=noSasl`, `user` and `password`; others are refused so a typo
 * is not silently ignored.
 */
export function parseHiveUrl(
  url: string,
  credentials: { readonly user?: string | undefined; readonly password?: string | undefined } = {},
): HiveServerConfig {
  const match = URL_FORM.exec(url.trim());
  if (match === null)
    throw new HiveUrlError(
      `${HIVE_URL_ENV}: '${url}' is not a HiveServer2 URL; write it as beeline takes it, e.g. jdbc:hive2://hs2.example.com:10000/sales`,
    );
  const [, host, port, database, rest] = match;
  const vars: Record<string, string> = {};
  for (const part of (rest ?? '').split(';').filter((p) => p !== '')) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new HiveUrlError(`${HIVE_URL_ENV}: session variable '${part}' has no value; write key=value`);
    vars[part.slice(0, eq)] = decodeURIComponent(part.slice(eq + 1));
  }
  const known = new Set(['transportMode', 'httpPath', 'auth', 'user', 'password']);
  for (const key of Object.keys(vars)) {
    if (!known.has(key))
      throw new HiveUrlError(`${HIVE_URL_ENV}: session variable '${key}' is not supported; use ${[...known].join(', ')}`);
  }
  const transport = vars.transportMode ?? 'binary';
  if (transport !== 'binary' && transport !== 'http')
    throw new HiveUrlError(`${HIVE_URL_ENV}: transportMode must be binary or http, got '${transport}'`);
  const user = vars.user ?? credentials.user;
  const password = vars.password ?? credentials.password ?? '';
  let auth: HiveServerConfig['auth'];
  if (vars.auth !== undefined) {
    if (vars.auth.toLowerCase() !== 'nosasl')
      throw new HiveUrlError(
        `${HIVE_URL_ENV}: auth=${vars.auth} is not supported; omit it for PLAIN/LDAP (HIVE_USER, HIVE_PASSWORD) or write auth=noSasl`,
      );
    auth = { mechanism: 'NOSASL' };
  } else {
    // As the JDBC driver: SASL PLAIN, as `anonymous` when no user is given.
    auth = { mechanism: 'PLAIN', username: user ?? 'anonymous', password };
  }
  return {
    host: host!,
    port: port === undefined ? (transport === 'http' ? 10001 : 10000) : Number(port),
    transport,
    auth,
    ...(vars.httpPath === undefined ? {} : { httpPath: vars.httpPath.startsWith('/') ? vars.httpPath : `/${vars.httpPath}` }),
    ...(database === undefined || database === '' ? {} : { database }),
  };
}

/** The server `TFLYTE_HIVE_URL` names, or undefined when it is not set. */
export function hiveServerFromEnv(env: Readonly<Record<string, string | undefined>>): HiveServerConfig | undefined {
  const url = env[HIVE_URL_ENV];
  if (url === undefined || url === '') return undefined;
  return parseHiveUrl(url, { user: env.HIVE_USER, password: env.HIVE_PASSWORD });
}
