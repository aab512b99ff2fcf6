/**
 * The FlyteAdmin connection: gRPC clients for AdminService, DataProxyService and
 * AuthMetadataService over one HTTP/2 transport, with the configured auth attached to every call.
 */
import { spawn } from 'node:child_process';
import { type Client, Code, ConnectError, createClient, type Interceptor } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import { AdminService } from '@tflyte/idl/service/admin';
import { AuthMetadataService } from '@tflyte/idl/service/auth';
import { DataProxyService } from '@tflyte/idl/service/dataproxy';
import { type TokenSource, tokenSource } from './auth.ts';
import type { RemoteConfig } from './config.ts';
import { defaultTokenCacheDir } from './pkce.ts';

export interface FlyteRemote {
  readonly config: RemoteConfig;
  readonly admin: Client<typeof AdminService>;
  readonly dataProxy: Client<typeof DataProxyService>;
  readonly authMetadata: Client<typeof AuthMetadataService>;
}

export interface ConnectOptions {
  /** Pkce: how the authorize URL reaches the person. Default: printed on stderr and opened with xdg-open / open. */
  readonly openBrowser?: (url: string) => void | Promise<void>;
  /** Pkce: where tokens are kept between commands (owner-only file); null keeps them in memory. Default: defaultTokenCacheDir(). */
  readonly tokenCacheDir?: string | null;
}

export function connectRemote(config: RemoteConfig, options: ConnectOptions = {}): FlyteRemote {
  // Auth metadata is public: it is fetched without a token, over its own (unauthenticated) clients.
  const plain = createGrpcTransport({ baseUrl: config.baseUrl });
  const authMetadata = createClient(AuthMetadataService, plain);
  const tokens = tokenSource(
    config,
    {
      tokenEndpoint: async () => {
        const metadata = await authMetadata.getOAuth2Metadata({});
        return metadata.tokenEndpoint;
      },
      pkceEndpoints: async () => {
        const [metadata, client] = await Promise.all([authMetadata.getOAuth2Metadata({}), authMetadata.getPublicClientConfig({})]);
        return {
          authorizationEndpoint: metadata.authorizationEndpoint,
          tokenEndpoint: metadata.tokenEndpoint,
          clientId: config.clientId ?? client.clientId,
          redirectUri: client.redirectUri || 'http://localhost:53593/callback',
          scopes: config.scopes ?? client.scopes,
        };
      },
    },
    Date.now,
    {
      openBrowser: options.openBrowser ?? openInBrowser,
      tokenCacheDir: options.tokenCacheDir === null ? undefined : (options.tokenCacheDir ?? defaultTokenCacheDir()),
    },
  );
  const transport = createGrpcTransport({ baseUrl: config.baseUrl, interceptors: tokens ? [bearer(tokens)] : [] });
  return { config, admin: createClient(AdminService, transport), dataProxy: createClient(DataProxyService, transport), authMetadata };
}

/** The authorize URL (no secret in it) on stderr, and, for a person at a terminal, a best-effort browser launch. */
function openInBrowser(url: string): void {
  process.stderr.write(`tflyte: log in to Flyte in your browser: ${url}\n`);
  // Without a terminal (CI, a pipe) nobody is there to use a browser: the printed URL is all.
  if (!process.stderr.isTTY) return;
  const opener = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  const child = spawn(opener, [url], { stdio: 'ignore', detached: true });
  child.once('error', () => {});
  child.unref();
}

/** Adds the token; on Unauthenticated, fetches a fresh one and retries the call once. */
function bearer(tokens: TokenSource): Interceptor {
  return (next) => async (request) => {
    request.header.set('authorization', `Bearer ${await tokens.token()}`);
    try {
      return await next(request);
    } catch (error) {
      if (!(error instanceof ConnectError) || error.code !== Code.Unauthenticated || request.stream) throw error;
      request.header.set('authorization', `Bearer ${await tokens.token(true)}`);
      return await next(request);
    }
  };
}
