/** How a fresh process builds the Spark backend for the conformance suite's re-attach check: from the test server's address alone. */
import { KubeConfig } from '@kubernetes/client-node';
import type { Backend } from '@tflyte/core';
import { createKubeClient } from '@tflyte/kubernetes';
import { sparkPlugin } from '../spark-definition.ts';

export function sparkBackendFor(server: { readonly url: string; readonly token: string; readonly namespace: string }): Backend {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [{ name: 'test', server: server.url, skipTLSVerify: true }],
    users: [{ name: 'test', token: server.token }],
    contexts: [{ name: 'test', cluster: 'test', user: 'test', namespace: server.namespace }],
    currentContext: 'test',
  });
  return sparkPlugin({ client: createKubeClient({ kubeConfig }), namespace: server.namespace }).backend;
}
