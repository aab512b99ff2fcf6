/**
 * One connection to one cluster: object CRUD through the client's generic KubernetesObjectApi, with
 * transient failures retried, and the shared informers — one watch per (namespace, kind, selector)
 * for every job of every backend that uses this client.
 */

import { setTimeout as delay } from 'node:timers/promises';
import { type Configuration, KubeConfig, type KubernetesObject, KubernetesObjectApi, type V1APIResource } from '@kubernetes/client-node';
import { apiFailure, isNotFound, isTransient } from './api-errors.ts';
import { concurrencyLimit } from './concurrency-limit.ts';
import { type InformerOptions, type InformerSelectors, SharedInformer } from './informer.ts';
import { type KubeObject, toPlain } from './kube-object.ts';
import { pooledKubeConfig } from './pooled-config.ts';
import { kindKey, type ResourceKind } from './resource-kind.ts';

export interface KubeClientOptions {
  /** A loaded KubeConfig. Default: what kubectl would use (KUBECONFIG, ~/.kube/config, or in-cluster). */
  readonly kubeConfig?: KubeConfig;
  /** A context of the default kubeconfig to use instead of its current one. */
  readonly context?: string;
  /** Backoff of the informers' watch reconnections and re-lists. */
  readonly informer?: InformerOptions;
  /** Attempts for a request that fails transiently (429, 500, 502, 503, 504, no answer); default 4. */
  readonly requestAttempts?: number;
  /** Requests (other than watches) in flight at once; more wait their turn. Default 32. */
  readonly maxConcurrentRequests?: number;
}

export interface ListResult<T extends KubeObject> {
  readonly items: T[];
  readonly resourceVersion: string | undefined;
}

export interface KubeClient {
  /** The client's view of its KubeConfig: requests made through it share the client's connections. */
  readonly kubeConfig: KubeConfig;
  /** The namespace of the current context, else `default`. */
  readonly contextNamespace: string;
  /** Creates the object; throws the client's ApiException (after retrying transient failures). */
  create<T extends KubeObject>(kind: ResourceKind, object: T): Promise<T>;
  /** The object, or undefined when it does not exist. */
  get<T extends KubeObject>(kind: ResourceKind, namespace: string, name: string): Promise<T | undefined>;
  /** Deletes the object; false when it was already gone. */
  delete(kind: ResourceKind, namespace: string, name: string, options?: { gracePeriodSeconds?: number }): Promise<boolean>;
  /** Every matching object (all pages) and the list's resourceVersion. */
  list<T extends KubeObject>(kind: ResourceKind, namespace: string, options?: InformerSelectors): Promise<ListResult<T>>;
  /** The shared informer for these objects, started by its first subscriber and stopped by its last. */
  informer<T extends KubeObject>(kind: ResourceKind, namespace: string, labelSelector?: string, fieldSelector?: string): SharedInformer<T>;
  /** Stops every informer (ending its watch) and closes idle connections. */
  close(): void;
}

const PAGE_SIZE = 500;

/**
 * The generic object API, told the resources of the kinds it serves: it would otherwise ask the
 * server's discovery endpoint before a kind's first request — once per concurrent request until
 * the first answer arrives (hundreds of requests when hundreds of pods are created at once).
 */
class KnownKindsObjectApi extends KubernetesObjectApi {
  readonly kinds = new Map<string, ResourceKind>();

  protected override async resource(apiVersion: string, kind: string, options?: Configuration): Promise<V1APIResource | undefined> {
    const known = this.kinds.get(kindKey({ apiVersion, kind }));
    if (known === undefined) return super.resource(apiVersion, kind, options);
    return { kind, name: known.plural, namespaced: true, singularName: known.kind.toLowerCase(), verbs: [] };
  }
}

export function loadKubeConfig(options: Pick<KubeClientOptions, 'kubeConfig' | 'context'> = {}): KubeConfig {
  if (options.kubeConfig !== undefined) return options.kubeConfig;
  const kc = new KubeConfig();
  kc.loadFromDefault();
  if (options.context !== undefined) kc.setCurrentContext(options.context);
  return kc;
}

export function createKubeClient(options: KubeClientOptions = {}): KubeClient {
  // One connection pool for every request and watch of this client (the library's default is one per request).
  const pooled = pooledKubeConfig(loadKubeConfig(options));
  const { kubeConfig } = pooled;
  const objects = kubeConfig.makeApiClient(KnownKindsObjectApi);
  const know = (kind: ResourceKind): void => void objects.kinds.set(kindKey(kind), kind);
  const attempts = Math.max(1, options.requestAttempts ?? 4);
  const informers = new Map<string, SharedInformer<KubeObject>>();
  const limited = concurrencyLimit(Math.max(1, options.maxConcurrentRequests ?? 32));

  const retrying = async <T>(call: () => Promise<T>): Promise<T> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await limited(call);
      } catch (error) {
        if (attempt >= attempts || !isTransient(apiFailure(error))) throw error;
        await delay(Math.min(100 * 2 ** (attempt - 1), 2000));
      }
    }
  };
  const header = (kind: ResourceKind, namespace: string, name: string) => ({
    apiVersion: kind.apiVersion,
    kind: kind.kind,
    metadata: { name, namespace },
  });

  const client: KubeClient = {
    kubeConfig,
    contextNamespace: kubeConfig.getContextObject(kubeConfig.getCurrentContext())?.namespace || 'default',
    async create(kind, object) {
      know(kind);
      // The wire JSON is what the client sends; its typed signature wants Dates for timestamps.
      return toPlain(await retrying(() => objects.create(object as unknown as KubernetesObject)));
    },
    async get(kind, namespace, name) {
      know(kind);
      try {
        return toPlain(await retrying(() => objects.read(header(kind, namespace, name))));
      } catch (error) {
        if (isNotFound(apiFailure(error))) return undefined;
        throw error;
      }
    },
    async delete(kind, namespace, name, deleteOptions = {}) {
      know(kind);
      try {
        await retrying(() => objects.delete(header(kind, namespace, name), undefined, undefined, deleteOptions.gracePeriodSeconds));
        return true;
      } catch (error) {
        if (isNotFound(apiFailure(error))) return false;
        throw error;
      }
    },
    async list<T extends KubeObject>(kind: ResourceKind, namespace: string, listOptions: InformerSelectors = {}): Promise<ListResult<T>> {
      know(kind);
      const items: T[] = [];
      let continueToken: string | undefined;
      let resourceVersion: string | undefined;
      do {
        const token = continueToken;
        const page = await retrying(() =>
          objects.list(
            kind.apiVersion,
            kind.kind,
            namespace,
            undefined,
            undefined,
            undefined,
            listOptions.fieldSelector,
            listOptions.labelSelector,
            PAGE_SIZE,
            token,
          ),
        );
        for (const item of page.items) items.push(toPlain<T>(item));
        resourceVersion = page.metadata?.resourceVersion ?? resourceVersion;
        // Typed lists name the field `_continue`; lists of custom resources keep the wire name.
        const meta = page.metadata as { _continue?: string; continue?: string } | undefined;
        continueToken = meta?._continue || meta?.continue || undefined;
      } while (continueToken !== undefined);
      return { items, resourceVersion };
    },
    informer<T extends KubeObject>(kind: ResourceKind, namespace: string, labelSelector?: string, fieldSelector?: string) {
      const key = `${kindKey(kind)}\u0000${namespace}\u0000${labelSelector ?? ''}\u0000${fieldSelector ?? ''}`;
      let informer = informers.get(key);
      if (informer === undefined) {
        informer = new SharedInformer<KubeObject>(
          client,
          kind,
          namespace,
          { ...(labelSelector === undefined ? {} : { labelSelector }), ...(fieldSelector === undefined ? {} : { fieldSelector }) },
          options.informer,
        );
        informers.set(key, informer);
      }
      return informer as unknown as SharedInformer<T>;
    },
    close() {
      for (const informer of informers.values()) informer.stop();
      pooled.close();
    },
  };
  return client;
}
