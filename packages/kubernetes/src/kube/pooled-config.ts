/**
 * Connection reuse for @kubernetes/client-node. The client gives every request a connection pool of
 * its own (a fresh undici Agent from `applySecurityAuthentication`), so no connection is ever reused:
 * each create, get and delete opens a TCP (and TLS) connection whose socket — an fd — lingers until
 * the server's keep-alive timeout closes it. With a thousand pods in flight that is a thousand open
 * connections and as many fds.
 *
 * `pooledKubeConfig` returns a view of the KubeConfig whose requests all go through one pool per
 * (cluster, user): the first pool the client makes is kept and handed to every later request in place
 * of the fresh one, which is dropped unused (it has no sockets yet). That pool keeps its connections
 * alive between requests; the KubeClient's request limit bounds how many it opens at once. Everything
 * else (authenticators, tokens, TLS files) is the original config's: the view inherits from it.
 * Tokens travel in headers, set per request, so a refreshed token is used at once; a pool's TLS
 * client certificate is the one it was made with (as client-node's own agent cache for websockets).
 */
import type { KubeConfig, RequestContext } from '@kubernetes/client-node';

type Pool = NonNullable<ReturnType<RequestContext['getDispatcher']>>;

export interface PooledKubeConfig {
  /** Use it wherever a KubeConfig makes requests (makeApiClient, Watch). */
  readonly kubeConfig: KubeConfig;
  /** Connections the pools hold are closed once their requests end. */
  close(): void;
}

export function pooledKubeConfig(original: KubeConfig): PooledKubeConfig {
  const pools = new Map<string, Pool>();
  const view = Object.create(original, {
    applySecurityAuthentication: {
      value: async (context: RequestContext): Promise<void> => {
        await original.applySecurityAuthentication(context);
        const fresh = context.getDispatcher();
        if (fresh === undefined) return;
        const key = `${original.getCurrentCluster()?.name ?? ''}\u0000${original.getCurrentUser()?.name ?? ''}`;
        let pool = pools.get(key);
        if (pool === undefined) {
          pool = fresh;
          pools.set(key, pool);
        }
        context.setDispatcher(pool);
      },
    },
  }) as KubeConfig;
  return {
    kubeConfig: view,
    close() {
      for (const pool of pools.values()) void pool.close().catch(() => undefined);
      pools.clear();
    },
  };
}
