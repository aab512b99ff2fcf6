/**
 * An OAuth2 authorization server for tests, as a Flyte cluster's (FlyteAdmin's own or an external
 * IdP): `/authorize` for the browser login (authorization code with PKCE S256 only, a loopback
 * redirect on any port as RFC 8252 allows, the user approving at once) and `/token` for the
 * authorization_code, refresh_token and client_credentials grants. It counts each grant it
 * honours and says which access tokens are valid, so the FlyteAdmin test server can demand them.
 */
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface OAuthTestServerOptions {
  /** Public clients (browser logins) by id. */
  readonly publicClients?: readonly string[];
  /** Confidential clients (client credentials) by id → secret. */
  readonly confidentialClients?: Readonly<Record<string, string>>;
  /** Lifetime of access tokens, in seconds (expires_in). */
  readonly tokenTtlSeconds?: number;
}

export interface OAuthTestServer {
  readonly authorizationEndpoint: string;
  readonly tokenEndpoint: string;
  /** Grants honoured so far, by grant type. */
  readonly granted: Readonly<Record<string, number>>;
  /** Whether a bearer token is a live access token. */
  accepts(token: string): boolean;
  /** Revokes every access token (refresh tokens stay valid), as their expiry would. */
  expireAccessTokens(): void;
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

export async function startOAuthTestServer(options: OAuthTestServerOptions = {}): Promise<OAuthTestServer> {
  const publicClients = new Set(options.publicClients ?? ['flytectl']);
  const confidential = options.confidentialClients ?? {};
  const codes = new Map<string, { clientId: string; redirectUri: string; challenge: string }>();
  const access = new Set<string>();
  const refresh = new Map<string, string>();
  const granted: Record<string, number> = {};
  const issue = (clientId: string, withRefresh: boolean) => {
    const token = randomBytes(24).toString('base64url');
    access.add(token);
    const body: Record<string, unknown> = { access_token: token, token_type: 'Bearer', expires_in: options.tokenTtlSeconds ?? 3600 };
    if (withRefresh) {
      const r = randomBytes(24).toString('base64url');
      refresh.set(r, clientId);
      body.refresh_token = r;
    }
    return body;
  };

  const server = http.createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const reply = (status: number, body: unknown) =>
      response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (request.method === 'GET' && url.pathname === '/authorize') {
      const p = url.searchParams;
      const redirectUri = p.get('redirect_uri') ?? '';
      let redirect: URL;
      try {
        redirect = new URL(redirectUri);
      } catch {
        return reply(400, { error: 'invalid_request', error_description: 'redirect_uri is not a URL' });
      }
      if (!publicClients.has(p.get('client_id') ?? '')) return reply(400, { error: 'unauthorized_client' });
      if (redirect.protocol !== 'http:' || !LOOPBACK.has(redirect.hostname))
        return reply(400, { error: 'invalid_request', error_description: 'redirect_uri must be loopback' });
      if (p.get('response_type') !== 'code') return reply(400, { error: 'unsupported_response_type' });
      if (p.get('code_challenge_method') !== 'S256' || !p.get('code_challenge'))
        return reply(400, { error: 'invalid_request', error_description: 'PKCE with S256 is required' });
      const code = randomBytes(16).toString('base64url');
      codes.set(code, { clientId: p.get('client_id')!, redirectUri, challenge: p.get('code_challenge')! });
      redirect.searchParams.set('code', code);
      redirect.searchParams.set('state', p.get('state') ?? '');
      response.writeHead(302, { location: redirect.toString() }).end();
      return;
    }
    if (request.method === 'POST' && url.pathname === '/token') {
      let raw = '';
      request.on('data', (chunk: Buffer) => (raw += chunk.toString()));
      request.on('end', () => {
        const form = new URLSearchParams(raw);
        const grant = form.get('grant_type') ?? '';
        const ok = (body: Record<string, unknown>) => {
          granted[grant] = (granted[grant] ?? 0) + 1;
          reply(200, body);
        };
        if (grant === 'authorization_code') {
          const entry = codes.get(form.get('code') ?? '');
          codes.delete(form.get('code') ?? '');
          if (!entry || entry.clientId !== form.get('client_id') || entry.redirectUri !== form.get('redirect_uri'))
            return reply(400, { error: 'invalid_grant' });
          const verifier = form.get('code_verifier') ?? '';
          if (createHash('sha256').update(verifier).digest('base64url') !== entry.challenge)
            return reply(400, { error: 'invalid_grant', error_description: 'code_verifier does not match the challenge' });
          return ok(issue(entry.clientId, true));
        }
        if (grant === 'refresh_token') {
          const token = form.get('refresh_token') ?? '';
          const clientId = refresh.get(token);
          if (clientId === undefined || clientId !== form.get('client_id')) return reply(400, { error: 'invalid_grant' });
          refresh.delete(token);
          return ok(issue(clientId, true));
        }
        if (grant === 'client_credentials') {
          const [id, secret] = Buffer.from((request.headers.authorization ?? '').replace(/^Basic /, ''), 'base64')
            .toString()
            .split(':')
            .map(decodeURIComponent);
          if (id === undefined || confidential[id] === undefined || confidential[id] !== secret)
            return reply(401, { error: 'invalid_client' });
          return ok(issue(id, false));
        }
        reply(400, { error: 'unsupported_grant_type' });
      });
      return;
    }
    response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    authorizationEndpoint: `${base}/authorize`,
    tokenEndpoint: `${base}/token`,
    granted,
    accepts: (token) => access.has(token),
    expireAccessTokens: () => access.clear(),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
