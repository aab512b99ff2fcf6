/**
 * A KubeClient that connects on first use. Backends are built when tflyte.config.ts is loaded —
 * also by commands that never run a task (`tflyte plugins`, serialization) and on machines without
 * a kubeconfig — so reading the kubeconfig waits until a request is made.
 */
import { createKubeClient, type KubeClient, type KubeClientOptions } from './kube-client.ts';

export function lazyKubeClient(options: KubeClientOptions = {}): KubeClient {
  let client: KubeClient | undefined;
  const connect = (): KubeClient => (client ??= createKubeClient(options));
  return {
    get kubeConfig() {
      return connect().kubeConfig;
    },
    get contextNamespace() {
      return connect().contextNamespace;
    },
    create: (kind, object) => connect().create(kind, object),
    get: (kind, namespace, name) => connect().get(kind, namespace, name),
    delete: (kind, namespace, name, deleteOptions) => connect().delete(kind, namespace, name, deleteOptions),
    list: (kind, namespace, listOptions) => connect().list(kind, namespace, listOptions),
    informer: (kind, namespace, labelSelector, fieldSelector) => connect().informer(kind, namespace, labelSelector, fieldSelector),
    // Closing a client that never connected has nothing to end.
    close: () => client?.close(),
  };
}
