/**
 * Where the cluster is and how to authenticate, read the way flytectl and pyflyte read it:
 * `--config`, else `$FLYTECTL_CONFIG`, else `~/.flyte/config.yaml` (the `admin:` section:
 * endpoint, insecure, authType, clientId, clientSecretLocation / clientSecretEnvVar, command,
 * scopes), with `FLYTE_PLATFORM_URL` and `FLYTE_PLATFORM_INSECURE` overriding the file, as
 * flytekit's env config does. Secrets are never read here: only where to find them.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { RemoteConfigError } from './errors.ts';

export type AuthType = 'None' | 'ClientSecret' | 'ExternalCommand' | 'Pkce';

export interface RemoteConfig {
  /** `http://host:port` (insecure) or `https://host:port`, what the gRPC transport dials. */
  readonly baseUrl: string;
  /** The endpoint as written, for messages. */
  readonly endpoint: string;
  readonly insecure: boolean;
  readonly authType: AuthType;
  readonly clientId?: string;
  readonly clientSecretLocation?: string;
  readonly clientSecretEnvVar?: string;
  readonly command?: readonly string[];
  readonly scopes?: readonly string[];
  /** The console's base URL, for links to executions; defaults to the admin endpoint. */
  readonly consoleUrl: string;
  /** Where the settings came from: a file path, or the env var. */
  readonly source: string;
}

export interface LoadRemoteConfigOptions {
  /** An explicit config file (`--config`). */
  readonly configFile?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly home?: string;
  readonly cwd?: string;
}

const AUTH_TYPES: readonly AuthType[] = ['None', 'ClientSecret', 'ExternalCommand', 'Pkce'];

export function loadRemoteConfig(options: LoadRemoteConfigOptions = {}): RemoteConfig {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const explicit = options.configFile ?? (env.FLYTECTL_CONFIG || undefined);
  const file = explicit !== undefined ? resolve(cwd, explicit) : join(options.home ?? homedir(), '.flyte', 'config.yaml');
  let admin: Record<string, unknown> = {};
  let consoleEndpoint: string | undefined;
  if (existsSync(file) && statSync(file).isFile()) {
    const doc = parse(readFileSync(file, 'utf8')) as unknown;
    if (doc !== null && (typeof doc !== 'object' || Array.isArray(doc)))
      throw new RemoteConfigError('the config file', file, 'is not a YAML mapping');
    const record = (doc ?? {}) as Record<string, unknown>;
    const section = record.admin ?? {};
    if (typeof section !== 'object' || section === null || Array.isArray(section))
      throw new RemoteConfigError('admin', file, 'must be a mapping');
    admin = section as Record<string, unknown>;
    const consoleSection = record.console as Record<string, unknown> | undefined;
    if (typeof consoleSection?.endpoint === 'string') consoleEndpoint = consoleSection.endpoint;
  } else if (explicit !== undefined) {
    throw new RemoteConfigError(
      options.configFile !== undefined ? '--config' : 'FLYTECTL_CONFIG',
      file,
      'names a file that does not exist',
    );
  }
  const str = (key: string): string | undefined => {
    const value = admin[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string') throw new RemoteConfigError(`admin.${key}`, file, `must be a string, got ${typeof value}`);
    return value;
  };
  const list = (key: string): string[] | undefined => {
    const value = admin[key];
    if (value === undefined || value === null) return undefined;
    if (!Array.isArray(value) || value.some((v) => typeof v !== 'string'))
      throw new RemoteConfigError(`admin.${key}`, file, 'must be a list of strings');
    return value as string[];
  };

  // An empty variable is unset, as a shell's `FLYTE_PLATFORM_URL= cmd` means.
  const platformUrl = env.FLYTE_PLATFORM_URL || undefined;
  const endpoint = platformUrl ?? str('endpoint');
  const source = platformUrl !== undefined ? 'FLYTE_PLATFORM_URL' : file;
  if (endpoint === undefined || endpoint.trim() === '') {
    throw new RemoteConfigError(
      'admin.endpoint',
      file,
      'is not set: write `admin: { endpoint: dns:///flyte.example.com, insecure: false }` in ~/.flyte/config.yaml, point FLYTECTL_CONFIG at a config file, or set FLYTE_PLATFORM_URL',
    );
  }
  const insecureEnv = env.FLYTE_PLATFORM_INSECURE || undefined;
  const insecureValue = insecureEnv !== undefined ? insecureEnv.toLowerCase() === 'true' : admin.insecure;
  if (insecureValue !== undefined && typeof insecureValue !== 'boolean')
    throw new RemoteConfigError('admin.insecure', file, 'must be true or false');
  const insecure = insecureValue === true;
  const authTypeRaw = str('authType') ?? 'None';
  const authType = AUTH_TYPES.find((t) => t.toLowerCase() === authTypeRaw.toLowerCase());
  if (authType === undefined)
    throw new RemoteConfigError('admin.authType', file, `must be one of ${AUTH_TYPES.join(', ')}, got '${authTypeRaw}'`);
  const baseUrl = toBaseUrl(endpoint, insecure, source);
  const optional = <K extends string, V>(key: K, value: V | undefined) => (value === undefined ? {} : ({ [key]: value } as Record<K, V>));
  return {
    baseUrl,
    endpoint,
    insecure,
    authType,
    ...optional('clientId', str('clientId')),
    ...optional('clientSecretLocation', str('clientSecretLocation')),
    ...optional('clientSecretEnvVar', str('clientSecretEnvVar')),
    ...optional('command', list('command')),
    ...optional('scopes', list('scopes')),
    consoleUrl: (consoleEndpoint ?? baseUrl).replace(/\/+$/, ''),
    source,
  };
}

/** `dns:///host:port`, `host:port`, `http(s)://host:port` → the URL the transport dials. */
export function toBaseUrl(endpoint: string, insecure: boolean, source: string): string {
  const trimmed = endpoint.trim();
  if (/^https?:\/\//.test(trimmed)) return trimmed.replace(/\/+$/, '');
  const hostPort = trimmed.replace(/^dns:\/{0,3}/, '');
  if (!/^[A-Za-z0-9.\-[\]:]+$/.test(hostPort)) {
    throw new RemoteConfigError('admin.endpoint', source, `'${endpoint}' is not host:port, dns:///host:port or http(s)://host:port`);
  }
  return `${insecure ? 'http' : 'https'}://${hostPort}`;
}
