/**
 * A local Kubernetes API server for tests: real HTTP on 127.0.0.1, spoken to by the real
 * @kubernetes/client-node, serving core/v1 pods, namespaces, events and pod templates plus any registered CRD, with
 * watches, a global resourceVersion, and hooks to drive what a cluster would do (compaction, dropped
 * watches, pod statuses, injected failures, and an optional process-running node).
 */
import { randomBytes } from 'node:crypto';
import { KubeConfig } from '@kubernetes/client-node';
import { LOOPBACK_HOST, LoopbackServer } from '../shared/loopback-server.ts';
import { eventResourceType, namespaceResourceType, podTemplateResourceType } from './builtin-resources.ts';
import { CRD_RESOURCE, crdDefinitionType, crdResourceType, readCrds } from './crd.ts';
import { FaultInjector, type FaultRule } from './faults.ts';
import { createRequestHandler, type RecordedRequest } from './http-server.ts';
import { type KubeTestNode, ProcessNode, type ProcessNodeOptions } from './node-runner.ts';
import { ObjectApi, type Target } from './object-api.ts';
import { PodLogs } from './pod-logs.ts';
import { podResourceType } from './pod-strategy.ts';
import { requestVerb } from './request-verbs.ts';
import { groupResource, type ResourceType } from './resource-type.ts';
import { notFound } from './status.ts';
import { VersionedStore } from './store.ts';
import { clone, type KubeObject } from './types.ts';
import { createAjv } from './validation.ts';
import { WatchRegistry } from './watch.ts';

export interface KubeApiServerOptions {
  /** Bearer token the server requires; random by default (kubeConfig() carries it). */
  token?: string;
  /** Events kept for watch resumption; older resourceVersions get 410 Expired. Default 1000. */
  historySize?: number;
  /** Create a namespace on first use instead of answering 404 (default true). */
  autoCreateNamespaces?: boolean;
  /** Namespaces that exist from the start; default ['default', 'kube-system']. */
  namespaces?: readonly string[];
  /** CRDs (objects or YAML text) registered at start. */
  crds?: readonly (string | KubeObject)[];
  /** Start a process node right away (`true` for the defaults). */
  node?: ProcessNodeOptions | true;
  /** Send BOOKMARK events this often to watches that allow them; off by default (see sendBookmarks()). */
  bookmarkIntervalMs?: number;
  /** Request bodies above this get 413; default 3 MiB, the apiserver's limit. */
  maxRequestBytes?: number;
}

/** Names an object for the test hooks; `group` defaults to the core group. */
export interface ObjectRef {
  group?: string;
  /** Plural resource name, e.g. `pods`, `sparkapplications`. */
  resource: string;
  namespace?: string;
  name: string;
}

export interface KubeTestServer {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  readonly token: string;
  /** The latest resourceVersion written. */
  readonly resourceVersion: string;
  /** Open watch streams. */
  readonly openWatches: number;
  /** Requests received, oldest first (the last 1000). */
  readonly requests: readonly RecordedRequest[];
  /** Every request since the start, counted by verb (`create`, `get`, `list`, `watch`, `delete`, `discovery`, …). */
  readonly requestCounts: Readonly<Record<string, number>>;
  /** A KubeConfig pointing at this server with its bearer token (current context namespace: default). */
  kubeConfig(): KubeConfig;
  /** Registers (or replaces) every CRD in an object or YAML text; returns the stored CRD objects. */
  registerCrd(crd: string | KubeObject): KubeObject[];
  /** Forgets watch history up to now: resuming from any earlier resourceVersion gets 410 Expired. */
  compact(): void;
  /** Ends (or resets) every open watch; returns how many there were. */
  dropWatches(mode?: 'end' | 'reset'): number;
  /** Sends a BOOKMARK to every watch opened with allowWatchBookmarks=true. */
  sendBookmarks(): void;
  /** Replaces a pod's status without validation, as a kubelet would write it. */
  setPodStatus(namespace: string, name: string, status: Record<string, unknown>): KubeObject;
  /** Replaces any object's status without validation (e.g. a SparkApplication's applicationState). */
  setStatus(ref: ObjectRef, status: Record<string, unknown>): KubeObject;
  /** The stored object, or undefined. */
  getObject(ref: ObjectRef): KubeObject | undefined;
  /** Makes matching requests fail with the given Status. */
  injectFault(rule: FaultRule): void;
  clearFaults(): void;
  /** Starts a kubelet-like node that runs pods' containers as local processes. */
  startNode(options?: ProcessNodeOptions): KubeTestNode;
  /** Kills node processes, ends watches and closes every connection. */
  close(): Promise<void>;
}

const MAX_RECORDED_REQUESTS = 1000;

class LocalKubeApiServer implements KubeTestServer {
  readonly url: string;
  readonly token: string;
  readonly requests: RecordedRequest[];
  readonly #counts: Record<string, number>;
  readonly #http: LoopbackServer;
  readonly #api: ObjectApi;
  readonly #watches: WatchRegistry;
  readonly #logs: PodLogs;
  readonly #faults: FaultInjector;
  readonly #nodes: ProcessNode[] = [];
  readonly #pods: ResourceType;
  readonly #events: ResourceType;
  readonly #bookmarkTimer: NodeJS.Timeout | undefined;
  #closed: Promise<void> | undefined;

  constructor(parts: {
    http: LoopbackServer;
    api: ObjectApi;
    watches: WatchRegistry;
    logs: PodLogs;
    faults: FaultInjector;
    token: string;
    requests: RecordedRequest[];
    counts: Record<string, number>;
    pods: ResourceType;
    events: ResourceType;
    bookmarkIntervalMs: number | undefined;
  }) {
    this.#http = parts.http;
    this.#api = parts.api;
    this.#watches = parts.watches;
    this.#logs = parts.logs;
    this.#faults = parts.faults;
    this.token = parts.token;
    this.requests = parts.requests;
    this.#counts = parts.counts;
    this.#pods = parts.pods;
    this.#events = parts.events;
    this.url = parts.http.endpoint;
    if (parts.bookmarkIntervalMs !== undefined && parts.bookmarkIntervalMs > 0) {
      this.#bookmarkTimer = setInterval(() => this.#watches.bookmarkAll(), parts.bookmarkIntervalMs).unref();
    }
  }

  get resourceVersion(): string {
    return String(this.#api.store.revision);
  }

  get requestCounts(): Readonly<Record<string, number>> {
    return { ...this.#counts };
  }

  get openWatches(): number {
    return this.#watches.size;
  }

  kubeConfig(): KubeConfig {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'tflyte-test', server: this.url, skipTLSVerify: true }],
      users: [{ name: 'tflyte-test', token: this.token }],
      contexts: [{ name: 'tflyte-test', cluster: 'tflyte-test', user: 'tflyte-test', namespace: 'default' }],
      currentContext: 'tflyte-test',
    });
    return kc;
  }

  registerCrd(crd: string | KubeObject): KubeObject[] {
    const crdType = this.#api.typeOf(groupResource(CRD_RESOURCE))!;
    const t: Target = { rt: crdType, version: 'v1', namespace: '' };
    return readCrds(crd).map((doc) => {
      const name = doc.metadata?.name ?? '';
      const existing = this.#api.store.get(groupResource(CRD_RESOURCE), '', name);
      if (existing === undefined) return this.#api.create(t, doc).object;
      const replacement = clone(doc);
      replacement.metadata = { ...replacement.metadata, resourceVersion: existing.metadata.resourceVersion };
      return this.#api.update(t, name, replacement).object;
    });
  }

  compact(): void {
    this.#api.store.compact();
  }

  dropWatches(mode: 'end' | 'reset' = 'end'): number {
    return this.#watches.dropAll(mode);
  }

  sendBookmarks(): void {
    this.#watches.bookmarkAll();
  }

  #resolveRef(ref: ObjectRef): { rt: ResourceType; namespace: string } {
    const resource = { group: ref.group ?? '', plural: ref.resource, kind: ref.resource };
    const rt = this.#api.typeOf(groupResource(resource));
    if (rt === undefined) throw notFound(resource, ref.name);
    return { rt, namespace: rt.namespaced ? (ref.namespace ?? 'default') : '' };
  }

  setStatus(ref: ObjectRef, status: Record<string, unknown>): KubeObject {
    const { rt, namespace } = this.#resolveRef(ref);
    const updated = this.#api.mutate(rt, namespace, ref.name, (obj) => {
      obj.status = clone(status);
    });
    if (updated === undefined) throw notFound(rt, ref.name);
    return this.#api.view(rt, updated, rt.storageVersion);
  }

  setPodStatus(namespace: string, name: string, status: Record<string, unknown>): KubeObject {
    return this.setStatus({ resource: 'pods', namespace, name }, status);
  }

  getObject(ref: ObjectRef): KubeObject | undefined {
    const { rt, namespace } = this.#resolveRef(ref);
    const obj = this.#api.store.get(groupResource(rt), namespace, ref.name);
    return obj === undefined ? undefined : this.#api.view(rt, obj, rt.storageVersion);
  }

  injectFault(rule: FaultRule): void {
    this.#faults.add(rule);
  }

  clearFaults(): void {
    this.#faults.clear();
  }

  startNode(options: ProcessNodeOptions = {}): KubeTestNode {
    const node = new ProcessNode(
      { api: this.#api, logs: this.#logs, pods: this.#pods, events: this.#events, apiHost: LOOPBACK_HOST, apiPort: this.#http.port },
      options,
    );
    this.#nodes.push(node);
    node.start();
    return node;
  }

  close(): Promise<void> {
    this.#closed ??= (async () => {
      clearInterval(this.#bookmarkTimer);
      await Promise.all(this.#nodes.map((n) => n.stop()));
      this.#watches.dropAll('end');
      await this.#http.close();
    })();
    return this.#closed;
  }
}

/** Watches CRD objects so that creating, replacing or deleting one changes what the server serves. */
function serveCrds(api: ObjectApi): void {
  const ajv = createAjv();
  const served = new Map<string, ResourceType>();
  api.store.watch(api.store.revision, (event) => {
    if (event.resource !== groupResource(CRD_RESOURCE)) return;
    const previous = served.get(event.name);
    if (event.type === 'DELETED') {
      if (previous !== undefined) api.unregister(previous);
      served.delete(event.name);
      return;
    }
    const rt = crdResourceType(event.object, ajv);
    served.set(event.name, rt);
    api.register(rt);
  });
}

export async function startKubeApiServer(options: KubeApiServerOptions = {}): Promise<KubeTestServer> {
  const token = options.token ?? randomBytes(16).toString('hex');
  const store = new VersionedStore(options.historySize ?? 1000);
  const api = new ObjectApi(store, { autoCreateNamespaces: options.autoCreateNamespaces ?? true });
  const pods = podResourceType();
  const events = eventResourceType();
  const namespaces = namespaceResourceType();
  for (const rt of [pods, events, namespaces, podTemplateResourceType(), crdDefinitionType()]) api.register(rt);
  serveCrds(api);
  for (const ns of options.namespaces ?? ['default', 'kube-system']) {
    api.create({ rt: namespaces, version: 'v1', namespace: '' }, { metadata: { name: ns } });
  }

  const watches = new WatchRegistry();
  const logs = new PodLogs();
  const faults = new FaultInjector();
  const requests: RecordedRequest[] = [];
  const counts: Record<string, number> = {};
  const http = new LoopbackServer(
    createRequestHandler({
      api,
      watches,
      logs,
      faults,
      token,
      maxRequestBytes: options.maxRequestBytes ?? 3 * 1024 * 1024,
      serverAddress: () => `${LOOPBACK_HOST}:${http.port}`,
      record: (request) => {
        const verb = requestVerb(request);
        counts[verb] = (counts[verb] ?? 0) + 1;
        requests.push(request);
        if (requests.length > MAX_RECORDED_REQUESTS) requests.shift();
      },
    }),
  );
  await http.listen();
  const kube = new LocalKubeApiServer({
    http,
    api,
    watches,
    logs,
    faults,
    token,
    requests,
    counts,
    pods,
    events,
    bookmarkIntervalMs: options.bookmarkIntervalMs,
  });
  try {
    for (const crd of options.crds ?? []) kube.registerCrd(crd);
    if (options.node !== undefined) kube.startNode(options.node === true ? {} : options.node);
  } catch (error) {
    await kube.close();
    throw error;
  }
  return kube;
}
