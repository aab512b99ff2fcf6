/**
 * Browser login for people (OAuth2 authorization code with PKCE, RFC 7636, as flytectl's Pkce
 * authType): a one-shot listener on the loopback redirect URI, a random code verifier whose S256
 * challenge goes in the authorize URL, the code exchanged for tokens, the access token refreshed
 * with the refresh token when it expires or the server refuses it, and only then a new login.
 * Tokens are kept in memory and, so that the next command needs no login, in a per-user cache
 * file readable by its owner only. Neither is ever printed; the authorize URL holds no secret.
 */
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { RemoteError } from './errors.ts';

export interface PkceEndpoints {
  readonly authorizationEndpoint: string;
  readonly tokenEndpoint: string;
  readonly clientId: string;
  /** Loopback redirect, e.g. flytectl's `http://localhost:53593/callback`; port 0 takes a free port (RFC 8252 §7.3). */
  readonly redirectUri: string;
  readonly scopes: readonly string[];
}

export interface PkceOptions {
  /** Shows the authorize URL to the person (opens a browser); resolves or rejects, the login itself arrives on the listener. */
  readonly openBrowser: (url: string) => void | Promise<void>;
  /** Directory of the token cache; undefined keeps tokens in memory only. */
  readonly cacheDir: string | undefined;
  /** Identifies the cache entry: the admin endpoint. */
  readonly cacheKey: string;
  readonly now?: () => number;
  /** How long a login may take before it fails. */
  readonly loginTimeoutMs?: number;
}

interface Tokens {
  accessToken: string;
  refreshToken?: string;
  expiresAt?: number;
}

const EXPIRY_MARGIN_MS = 30_000;

/** `${XDG_CACHE_HOME:-~/.cache}/tflyte/auth`, where the CLI keeps tokens between commands. */
export function defaultTokenCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'tflyte', 'auth');
}

export function pkceTokenSource(endpoints: () => Promise<PkceEndpoints>, options: PkceOptions) {
  const now = options.now ?? Date.now;
  const file =
    options.cacheDir === undefined
      ? undefined
      : join(options.cacheDir, `${createHash('sha256').update(options.cacheKey).update('\0').digest('hex').slice(0, 32)}.json`);
  let held: Tokens | undefined = file ? readCache(file) : undefined;
  let pending: Promise<Tokens> | undefined;

  const keep = (tokens: Tokens): Tokens => {
    held = tokens;
    if (file) writeCache(file, tokens);
    return tokens;
  };
  const fresh = (t: Tokens | undefined) => t !== undefined && (t.expiresAt === undefined || t.expiresAt - EXPIRY_MARGIN_MS > now());

  const obtain = async (refresh: boolean): Promise<Tokens> => {
    if (!refresh && fresh(held)) return held!;
    const e = await endpoints();
    if (held?.refreshToken) {
      const refreshed = await exchange(e.tokenEndpoint, now, {
        grant_type: 'refresh_token',
        refresh_token: held.refreshToken,
        client_id: e.clientId,
      }).catch(() => undefined);
      if (refreshed) return keep({ refreshToken: held.refreshToken, ...refreshed });
    }
    held = undefined;
    if (file) rmSync(file, { force: true });
    return keep(await login(e, options, now));
  };

  return {
    async token(refresh = false): Promise<string> {
      if (!refresh && fresh(held)) return held!.accessToken;
      pending ??= obtain(refresh).finally(() => (pending = undefined));
      return (await pending).accessToken;
    },
  };
}

async function login(e: PkceEndpoints, options: PkceOptions, now: () => number): Promise<Tokens> {
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const state = randomBytes(16).toString('base64url');
  const redirect = new URL(e.redirectUri);
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(redirect.hostname) || redirect.protocol !== 'http:') {
    throw new RemoteError(
      'REMOTE_AUTH',
      `the cluster's redirect URI ${e.redirectUri} is not a loopback http:// address, so tflyte cannot receive the login`,
    );
  }
  let settle!: { resolve: (code: string) => void; reject: (error: Error) => void };
  const code = new Promise<string>((resolve, reject) => (settle = { resolve, reject }));
  const server = http.createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    if (url.pathname !== redirect.pathname) {
      response.writeHead(404).end();
      return;
    }
    const error = url.searchParams.get('error');
    const given = url.searchParams.get('code');
    if (url.searchParams.get('state') !== state) {
      response.writeHead(400, { 'content-type': 'text/plain' }).end('Login state does not match; start the login again.');
      settle.reject(new RemoteError('REMOTE_AUTH', 'the login callback carried another state (a stale or forged redirect)'));
    } else if (error !== null || given === null) {
      response.writeHead(400, { 'content-type': 'text/plain' }).end('Login failed; see the terminal.');
      settle.reject(
        new RemoteError(
          'REMOTE_AUTH',
          `the authorization server refused the login: ${error ?? 'no code'} ${url.searchParams.get('error_description') ?? ''}`.trim(),
        ),
      );
    } else {
      response.writeHead(200, { 'content-type': 'text/plain' }).end('Logged in to Flyte; you can close this tab.');
      settle.resolve(given);
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(Number(redirect.port || 80), '127.0.0.1', resolve);
  });
  const port = (server.address() as AddressInfo).port;
  redirect.port = String(port);
  const redirectUri = redirect.toString();
  const timer = setTimeout(
    () => settle.reject(new RemoteError('REMOTE_AUTH', 'no login arrived in time; run the command again to log in')),
    options.loginTimeoutMs ?? 300_000,
  );
  try {
    const authorize = new URL(e.authorizationEndpoint);
    authorize.search = new URLSearchParams({
      response_type: 'code',
      client_id: e.clientId,
      redirect_uri: redirectUri,
      scope: e.scopes.join(' '),
      code_challenge: challenge,
      code_challenge_method: 'S256',
      state,
    }).toString();
    await Promise.race([Promise.resolve(options.openBrowser(authorize.toString())), code]);
    const received = await code;
    return await exchange(e.tokenEndpoint, now, {
      grant_type: 'authorization_code',
      code: received,
      redirect_uri: redirectUri,
      client_id: e.clientId,
      code_verifier: verifier,
    });
  } finally {
    clearTimeout(timer);
    server.closeAllConnections();
    server.close();
  }
}

async function exchange(endpoint: string, now: () => number, form: Record<string, string>): Promise<Tokens> {
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form),
  });
  if (!response.ok)
    throw new RemoteError('REMOTE_AUTH', `the token endpoint ${endpoint} refused the ${form.grant_type} grant: HTTP ${response.status}`);
  const json = (await response.json()) as { access_token?: unknown; refresh_token?: unknown; expires_in?: unknown };
  if (typeof json.access_token !== 'string')
    throw new RemoteError('REMOTE_AUTH', `the token endpoint ${endpoint} returned no access_token`);
  return {
    accessToken: json.access_token,
    ...(typeof json.refresh_token === 'string' ? { refreshToken: json.refresh_token } : {}),
    ...(typeof json.expires_in === 'number' ? { expiresAt: now() + json.expires_in * 1000 } : {}),
  };
}

function readCache(file: string): Tokens | undefined {
  try {
    const json = JSON.parse(readFileSync(file, 'utf8')) as Partial<Tokens>;
    return typeof json.accessToken === 'string' ? (json as Tokens) : undefined;
  } catch {
    return undefined;
  }
}

function writeCache(file: string, tokens: Tokens): void {
  mkdirSync(join(file, '..'), { recursive: true, mode: 0o700 });
  writeFileSync(file, JSON.stringify(tokens), { mode: 0o600 });
  // An existing file keeps its mode on write; make sure only the owner can read it.
  chmodSync(file, 0o600);
}
