/**
 * Bearer tokens for FlyteAdmin, by the flows flytectl offers: client credentials (CI) against the
 * token endpoint the cluster advertises (AuthMetadataService), an external command that prints
 * a token, or a browser login for people (Pkce, pkce.ts). Tokens are cached in memory until shortly before they expire and refreshed once when
 * the server answers Unauthenticated. No token or secret is ever logged or written to disk.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { RemoteConfig } from './config.ts';
import { RemoteConfigError, RemoteError } from './errors.ts';
import { type PkceEndpoints, pkceTokenSource } from './pkce.ts';

export interface TokenSource {
  /** A valid access token; `refresh` discards the cached one first. */
  token(refresh?: boolean): Promise<string>;
}

export interface AuthDiscovery {
  /** The OAuth2 token endpoint (OAuth2MetadataResponse.token_endpoint). */
  tokenEndpoint(): Promise<string>;
  /** What a browser login needs: the authorize and token endpoints and the public client (AuthMetadataService). */
  pkceEndpoints?(): Promise<PkceEndpoints>;
}

/** How a browser login reaches the person, and where its tokens are kept between commands. */
export interface BrowserLogin {
  readonly openBrowser: (url: string) => void | Promise<void>;
  /** undefined: in memory only. */
  readonly tokenCacheDir: string | undefined;
}

const EXPIRY_MARGIN_MS = 30_000;

export function tokenSource(
  config: RemoteConfig,
  discovery: AuthDiscovery,
  now: () => number = Date.now,
  browser?: BrowserLogin,
): TokenSource | undefined {
  switch (config.authType) {
    case 'None':
      return undefined;
    case 'ExternalCommand': {
      const command = config.command;
      if (command === undefined || command.length === 0)
        throw new RemoteConfigError('admin.command', config.source, 'is required when authType is ExternalCommand');
      return cached(now, async () => {
        let out: string;
        try {
          out = execFileSync(command[0]!, command.slice(1), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
        } catch (error) {
          throw new RemoteError('REMOTE_AUTH', `admin.command '${command[0]}' failed: ${(error as Error).message}`, { cause: error });
        }
        const token = out.trim().split('\n').pop()?.trim() ?? '';
        if (token === '') throw new RemoteError('REMOTE_AUTH', `admin.command '${command[0]}' printed no token`);
        return { token };
      });
    }
    case 'ClientSecret': {
      const clientId = config.clientId;
      if (clientId === undefined) throw new RemoteConfigError('admin.clientId', config.source, 'is required when authType is ClientSecret');
      return cached(now, async () => {
        const secret = clientSecret(config);
        const endpoint = await discovery.tokenEndpoint();
        const body = new URLSearchParams({ grant_type: 'client_credentials' });
        if (config.scopes?.length) body.set('scope', config.scopes.join(' '));
        const response = await fetch(endpoint, {
          method: 'POST',
          headers: {
            authorization: `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`).toString('base64')}`,
            'content-type': 'application/x-www-form-urlencoded',
          },
          body,
        });
        if (!response.ok)
          throw new RemoteError('REMOTE_AUTH', `the token endpoint ${endpoint} refused client '${clientId}': HTTP ${response.status}`);
        const json = (await response.json()) as { access_token?: unknown; expires_in?: unknown };
        if (typeof json.access_token !== 'string')
          throw new RemoteError('REMOTE_AUTH', `the token endpoint ${endpoint} returned no access_token`);
        return { token: json.access_token, ...(typeof json.expires_in === 'number' ? { expiresAt: now() + json.expires_in * 1000 } : {}) };
      });
    }
    case 'Pkce': {
      const endpoints = discovery.pkceEndpoints;
      if (endpoints === undefined || browser === undefined)
        throw new RemoteConfigError('admin.authType', config.source, 'Pkce needs a browser login, which this connection was not given');
      return pkceTokenSource(() => endpoints.call(discovery), {
        openBrowser: browser.openBrowser,
        cacheDir: browser.tokenCacheDir,
        cacheKey: `${config.baseUrl}|${config.clientId ?? ''}`,
        now,
      });
    }
  }
}

function clientSecret(config: RemoteConfig): string {
  if (config.clientSecretEnvVar !== undefined) {
    const value = process.env[config.clientSecretEnvVar];
    if (value === undefined || value === '')
      throw new RemoteConfigError('admin.clientSecretEnvVar', config.source, `names ${config.clientSecretEnvVar}, which is not set`);
    return value.trim();
  }
  const location = config.clientSecretLocation ?? '/etc/secrets/client_secret';
  try {
    return readFileSync(location, 'utf8').trim();
  } catch {
    throw new RemoteConfigError(
      'admin.clientSecretLocation',
      config.source,
      `is ${location}, which cannot be read; set it, or clientSecretEnvVar`,
    );
  }
}

function cached(now: () => number, fetchToken: () => Promise<{ token: string; expiresAt?: number }>): TokenSource {
  let current: Promise<{ token: string; expiresAt?: number }> | undefined;
  return {
    async token(refresh = false) {
      if (refresh) current = undefined;
      const held = current ? await current.catch(() => undefined) : undefined;
      if (held !== undefined && (held.expiresAt === undefined || held.expiresAt - EXPIRY_MARGIN_MS > now())) return held.token;
      current = fetchToken();
      current.catch(() => (current = undefined));
      return (await current).token;
    },
  };
}
