/**
 * The FlyteAdmin connection: gRPC clients for AdminService, DataProxyService and
 * AuthMetadataService over one HTTP/2 transport, with the configured auth attached to every call.
 */
import { type Client, Code, ConnectError, createClient, type Interceptor } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import { AdminService } from '@tflyte/idl/service/admin';
import { AuthMetadataService } from '@tflyte/idl/service/auth';
import { DataProxyService } from '@tflyte/idl/service/dataproxy';
import { type TokenSource, tokenSource } from './auth.ts';
import type { RemoteConfig } from './config.ts';

export interface FlyteRemote {
  readonly config: RemoteConfig;
  readonly admin: Client<typeof AdminService>;
  readonly dataProxy: Client<typeof DataProxyService>;
  readonly authMetadata: Client<typeof AuthMetadataService>;
}

export function connectRemote(config: RemoteConfig): FlyteRemote {
  // Auth metadata is public: it is fetched without a token, over its own (unauthenticated) clients.
  const plain = createGrpcTransport({ baseUrl: config.baseUrl });
  const authMetadata = createClient(AuthMetadataService, plain);
  const tokens = tokenSource(config, {
    tokenEndpoint: async () => {
      const metadata = await authMetadata.getOAuth2Metadata({});
      return metadata.tokenEndpoint;
    },
  });
  const transport = createGrpcTransport({ baseUrl: config.baseUrl, interceptors: tokens ? [bearer(tokens)] : [] });
  return { config, admin: createClient(AdminService, transport), dataProxy: createClient(DataProxyService, transport), authMetadata };
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
