/**
 * An executor in its own process, for restart tests: runs `longJob` with sparkPlugin() against the
 * test API server named on the command line and prints each event as a JSON line, until killed.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { createExecutor, createRegistry, openStateStore, toLiteralMap, toTaskTemplate } from '@tflyte/core';
import { createKubeClient } from '@tflyte/kubernetes';
import { sparkPlugin } from '../spark-definition.ts';
import { longJob } from './tasks.ts';

const { stateDir, server, token, namespace, runId } = JSON.parse(process.argv[2]!) as Record<string, string>;
const kubeConfig = new KubeConfig();
kubeConfig.loadFromOptions({
  clusters: [{ name: 'test', server: server!, skipTLSVerify: true }],
  users: [{ name: 'test', token: token! }],
  contexts: [{ name: 'test', cluster: 'test', user: 'test', namespace: namespace! }],
  currentContext: 'test',
});
const registry = createRegistry();
registry.register(sparkPlugin({ client: createKubeClient({ kubeConfig }), namespace: namespace! }));
const executor = createExecutor({ registry, store: openStateStore(stateDir!), stateDir: stateDir! });
await executor.run(toTaskTemplate(longJob), toLiteralMap({}, {}), {
  runId: runId!,
  onEvent: (event) => process.stdout.write(`${JSON.stringify({ type: event.type })}\n`),
});
