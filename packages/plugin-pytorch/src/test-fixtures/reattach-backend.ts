/** How a fresh process builds the PyTorchJob backend for the conformance suite's re-attach check: from the test server's address alone. */
import { KubeConfig } from '@kubernetes/client-node';
import type { Backend } from '@tflyte/core';
import { pytorchPlugin } from '../pytorch-plugin.ts';

export function pytorchJobBackendFor(server: { readonly url: string; readonly token: string; readonly namespace: string }): Backend {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [{ name: 'test', server: server.url, skipTLSVerify: true }],
    users: [{ name: 'test', token: server.token }],
    contexts: [{ name: 'test', cluster: 'test', user: 'test', namespace: server.namespace }],
    currentContext: 'test',
  });
  // No operator runs in the conformance cluster: the job stays live (Created) until it is deleted.
  return pytorchPlugin({ kubernetes: { kubeConfig, namespace: server.namespace, operatorTimeoutMs: 0 } }).backend;
}
