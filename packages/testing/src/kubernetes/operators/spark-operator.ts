/**
 * A spark-operator emulation for the test API server, speaking to it through the real client as the
 * operator does: for each new SparkApplication it creates the driver pod (`<app>-driver`, running
 * the application file with the application's arguments and the driver's env), marks the
 * application SUBMITTED with driverInfo, follows the driver pod — RUNNING with executor states while
 * it runs, COMPLETED or FAILED (with the operator's error message) when it ends — and deletes the
 * driver pod with its application, as owner-reference garbage collection would.
 *
 * Register the operator's CRD (sparkoperator.k8s.io_sparkapplications.yaml) with the server first:
 * the server's schema validation is the operator's admission. Executors are not started (the
 * application's own program, run by the driver pod, stands for the whole application), and their
 * states are reported from the driver's. The image the driver runs is the node's to resolve (its
 * image map), as for any pod.
 */
import { CoreV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions, Watch } from '@kubernetes/client-node';
import type { KubeTestServer } from '../kube-test-server.ts';

const SPARK = { group: 'sparkoperator.k8s.io', version: 'v1beta2', plural: 'sparkapplications' };
const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
export const DRIVER_CONTAINER = 'spark-kubernetes-driver';

interface App {
  metadata: { name: string; namespace: string; uid: string };
  spec: {
    image?: string;
    mainApplicationFile: string;
    arguments?: string[];
    driver: { image?: string; env?: { name: string; value?: string }[]; labels?: Record<string, string> };
    executor: { instances?: number };
  };
  status?: { applicationState?: { state?: string } };
}

interface Pod {
  metadata: { name: string; namespace: string; labels?: Record<string, string> };
  status?: { phase?: string; containerStatuses?: { state?: { terminated?: { exitCode?: number; reason?: string } } }[] };
}

export interface SparkOperatorOptions {
  /** Extra env for every driver (e.g. where the fake spark-submit records what it was given). */
  readonly driverEnv?: Readonly<Record<string, string>>;
  /** Start paused: applications are seen but not submitted (they stay new, QUEUED) until `resume()`. */
  readonly paused?: boolean;
}

export interface SparkOperator {
  /** SparkApplications the operator has seen created, by name. */
  readonly submitted: readonly string[];
  /** Submits the applications held while paused, and every later one at once. */
  resume(): void;
  stop(): Promise<void>;
}

export async function startSparkOperator(
  server: KubeTestServer,
  namespace: string,
  options: SparkOperatorOptions = {},
): Promise<SparkOperator> {
  const kc = server.kubeConfig();
  const core = kc.makeApiClient(CoreV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const watch = new Watch(kc);
  const submitted: string[] = [];
  const apps = new Map<string, App>();
  const setStatus = (name: string, status: Record<string, unknown>) =>
    custom.patchNamespacedCustomObjectStatus({ ...SPARK, namespace, name, body: { status } }, merge).catch(() => undefined);
  // One operator step at a time, in event order, as a controller's work queue would.
  let queue: Promise<unknown> = Promise.resolve();
  const enqueue = (step: () => Promise<unknown>) => (queue = queue.then(step).catch(() => undefined));

  let paused = options.paused === true;
  const held: App[] = [];
  const submit = async (app: App) => {
    if (!apps.has(app.metadata.name)) return;
    submitted.push(app.metadata.name);
    const podName = `${app.metadata.name}-driver`;
    await core.createNamespacedPod({
      namespace,
      body: {
        metadata: {
          name: podName,
          labels: { ...app.spec.driver.labels, 'spark-role': 'driver', 'sparkoperator.k8s.io/app-name': app.metadata.name },
        },
        spec: {
          restartPolicy: 'Never',
          containers: [
            {
              name: DRIVER_CONTAINER,
              image: app.spec.driver.image ?? app.spec.image ?? '',
              args: [app.spec.mainApplicationFile, ...(app.spec.arguments ?? [])],
              env: [...(app.spec.driver.env ?? []), ...Object.entries(options.driverEnv ?? {}).map(([name, value]) => ({ name, value }))],
            },
          ],
        },
      },
    });
    await setStatus(app.metadata.name, {
      applicationState: { state: 'SUBMITTED' },
      driverInfo: { podName, webUIIngressAddress: `spark-ui.test/${app.metadata.name}` },
      sparkApplicationId: `spark-${app.metadata.uid.slice(0, 8)}`,
      submissionAttempts: 1,
    });
  };

  const follow = async (pod: Pod) => {
    const appName = pod.metadata.labels?.['sparkoperator.k8s.io/app-name'];
    const app = appName === undefined ? undefined : apps.get(appName);
    if (app === undefined) return;
    const executors = (state: string) =>
      Object.fromEntries(Array.from({ length: app.spec.executor.instances ?? 1 }, (_, i) => [`${appName}-exec-${i + 1}`, state]));
    const phase = pod.status?.phase;
    if (phase === 'Running') await setStatus(appName!, { applicationState: { state: 'RUNNING' }, executorState: executors('RUNNING') });
    if (phase === 'Succeeded')
      await setStatus(appName!, {
        applicationState: { state: 'COMPLETED' },
        executorState: executors('COMPLETED'),
        terminationTime: new Date().toISOString(),
      });
    if (phase === 'Failed') {
      const terminated = pod.status?.containerStatuses?.[0]?.state?.terminated;
      await setStatus(appName!, {
        applicationState: {
          state: 'FAILED',
          errorMessage: `driver container failed with ExitCode: ${terminated?.exitCode ?? -1}, Reason: ${terminated?.reason ?? 'Error'}`,
        },
        executorState: executors('FAILED'),
      });
    }
  };

  const appWatch = await watch.watch(
    `/apis/sparkoperator.k8s.io/v1beta2/namespaces/${namespace}/sparkapplications`,
    {},
    (type, object: App) => {
      if (type === 'ADDED' && apps.get(object.metadata.name)?.metadata.uid !== object.metadata.uid) {
        apps.set(object.metadata.name, object);
        if (object.status?.applicationState?.state === undefined) {
          if (paused) held.push(object);
          else enqueue(() => submit(object));
        }
      } else if (type === 'DELETED') {
        apps.delete(object.metadata.name);
        enqueue(() =>
          core.deleteNamespacedPod({ namespace, name: `${object.metadata.name}-driver`, gracePeriodSeconds: 0 }).catch(() => undefined),
        );
      }
    },
    () => undefined,
  );
  const podWatch = await watch.watch(
    `/api/v1/namespaces/${namespace}/pods`,
    { labelSelector: 'spark-role=driver' },
    (type, pod: Pod) => {
      if (type !== 'DELETED') enqueue(() => follow(pod));
    },
    () => undefined,
  );

  return {
    submitted,
    resume() {
      paused = false;
      for (const app of held.splice(0)) enqueue(() => submit(app));
    },
    async stop() {
      appWatch.abort();
      podWatch.abort();
      await queue;
    },
  };
}
