/**
 * This project runs its tasks on Kubernetes: function tasks (`container`) and container tasks
 * (`raw-container`) become pods in the cluster of the current kubeconfig context — KUBECONFIG or
 * ~/.kube/config, as kubectl finds it — in namespace `tflyte-examples`. Every other task type keeps
 * its plugin's own backend. One backend instance serves both task types, so they share one watch.
 *
 * Without a cluster, `local-cluster.ts` starts tflyte's test API server and prints a KUBECONFIG for it.
 */
import { defineConfig } from '@tflyte/core';
import { kubernetesPod } from '@tflyte/kubernetes';
import { containerPlugin } from '@tflyte/plugin-container';

const pods = kubernetesPod({
  namespace: process.env.TFLYTE_NAMESPACE ?? 'tflyte-examples',
  logLinks: [
    { name: 'Kubernetes Logs', template: 'http://localhost:30082/#!/log/{{ .namespace }}/{{ .podName }}/pod?namespace={{ .namespace }}' },
  ],
});

export default defineConfig({
  plugins: [containerPlugin()],
  backends: { container: pods, 'raw-container': pods },
  stateDir: process.env.TFLYTE_STATE_DIR ?? '.tflyte',
});
