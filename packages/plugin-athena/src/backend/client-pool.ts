/**
 * AthenaClients, one per region. The default client follows the SDK's region and credential chains
 * (environment, shared config and SSO profiles, container and instance roles) unless the plugin
 * options set them; a handle from another region gets a client for that region, so a query is
 * always followed where it was started.
 */
import { AthenaClient, type AthenaClientConfig } from '@aws-sdk/client-athena';
import { backendErrorFromSdk } from './sdk-errors.ts';

export interface ClientOptions {
  readonly region?: string;
  readonly endpoint?: string;
  readonly credentials?: AthenaClientConfig['credentials'];
  readonly clientConfig?: AthenaClientConfig;
}

export interface ClientPool {
  /** The default client and the region it resolved to. */
  defaultClient(): Promise<{ readonly client: AthenaClient; readonly region: string }>;
  forRegion(region: string): Promise<AthenaClient>;
}

export function clientPool(options: ClientOptions): ClientPool {
  const byRegion = new Map<string, AthenaClient>();
  const make = (region: string | undefined): AthenaClient =>
    new AthenaClient({
      ...options.clientConfig,
      ...(region === undefined ? {} : { region }),
      ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
      ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
    });
  let fallback: Promise<{ client: AthenaClient; region: string }> | undefined;

  const defaultClient = (): Promise<{ client: AthenaClient; region: string }> => {
    fallback ??= (async () => {
      const client = make(options.region);
      try {
        const region = await client.config.region();
        byRegion.set(region, client);
        return { client, region };
      } catch (error) {
        fallback = undefined;
        throw backendErrorFromSdk(error, 'client setup');
      }
    })();
    return fallback;
  };

  return {
    defaultClient,
    async forRegion(region) {
      // Resolving the default client first lets a handle in the default region reuse it (and its
      // endpoint); if the default has no region, a client for the handle's region is made anyway.
      await defaultClient().catch(() => undefined);
      let client = byRegion.get(region);
      if (client === undefined) {
        client = make(region);
        byRegion.set(region, client);
      }
      return client;
    },
  };
}
