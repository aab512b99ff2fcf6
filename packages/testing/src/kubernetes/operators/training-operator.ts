/**
 * A training-operator emulation (kubeflow's PyTorchJob controller) for the test API server, speaking
 * to it through the real client as the operator does: for each new PyTorchJob it records
 * `startTime` and a Created condition, creates one pod per replica (`<job>-master-0`,
 * `<job>-worker-<i>`) from the replica's template with the operator's environment contract on the
 * `pytorch` container, and rolls the pods' phases up into the job's conditions and replicaStatuses —
 * Running once a replica runs, Succeeded when the master (or, without one, every worker) succeeded,
 * Failed when a replica failed — deleting the pods with their job, as owner-reference garbage
 * collection would.
 *
 * Register the operator's CRD (kubeflow.org_pytorchjobs.yaml) with the server first: its schema
 * validation is the operator's admission. Deliberate simplifications: there are no Services, so the
 * ranks meet at 127.0.0.1 on a port chosen per job (`MASTER_ADDR`, `PET_RDZV_ENDPOINT`); a replica
 * that fails under `OnFailure` / `Always` is restarted by the node (the pod's restartPolicy), never
 * recreated; `runPolicy` is not enforced.
 */
import { createServer } from 'node:net';
import { CoreV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions, Watch } from '@kubernetes/client-node';
import type { KubeTestServer } from '../kube-test-server.ts';

const JOBS = { group: 'kubeflow.org', version: 'v1', plural: 'pytorchjobs' };
const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
export const JOB_NAME_LABEL = 'training.kubeflow.org/job-name';
export const REPLICA_TYPE_LABEL = 'training.kubeflow.org/replica-type';
export const REPLICA_INDEX_LABEL = 'training.kubeflow.org/replica-index';
const CONTAINER = 'pytorch';

interface EnvVar {
  name: string;
  value?: string;
  [field: string]: unknown;
}
interface Container {
  name: string;
  env?: EnvVar[];
  [field: string]: unknown;
}
interface ReplicaSpec {
  replicas?: number;
  restartPolicy?: string;
  template?: {
    metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
    spec?: { containers?: Container[]; restartPolicy?: string; [field: string]: unknown };
  };
}
interface Job {
  metadata: { name: string; namespace: string; uid: string };
  spec: {
    pytorchReplicaSpecs: { Master?: ReplicaSpec; Worker?: ReplicaSpec };
    elasticPolicy?: { minReplicas?: number; maxReplicas?: number; rdzvBackend?: string; nProcPerNode?: number; maxRestarts?: number };
  };
  status?: { conditions?: Condition[]; startTime?: string };
}
interface Condition {
  type: string;
  status: 'True' | 'False';
  reason: string;
  message: string;
  lastTransitionTime: string;
  lastUpdateTime: string;
}
interface Pod {
  metadata: { name: string; labels?: Record<string, string> };
  status?: { phase?: string };
}

export interface TrainingOperatorOptions {
  /** The namespace whose PyTorchJobs the operator reconciles. */
  readonly namespace: string;
  /** Extra env for every replica's `pytorch` container (e.g. OMP_NUM_THREADS for a busy test machine). */
  readonly env?: Readonly<Record<string, string>>;
  /** Start paused: jobs are admitted (Created) but get no pods until `resume()`, as if waiting for a gang scheduler. */
  readonly paused?: boolean;
}

export interface TrainingOperator {
  /** PyTorchJobs the operator has admitted, by name, in order. */
  readonly jobs: readonly string[];
  /** Pods the operator created, by name, in order. */
  readonly pods: readonly string[];
  /** Creates the pods of the jobs held while paused, and of every later job at once. */
  resume(): void;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

interface Replica {
  readonly type: 'master' | 'worker';
  readonly index: number;
  readonly rank: number;
  readonly spec: ReplicaSpec;
}

function replicasOf(job: Job): Replica[] {
  const { Master, Worker } = job.spec.pytorchReplicaSpecs;
  const masters: Replica[] = Master === undefined ? [] : [{ type: 'master', index: 0, rank: 0, spec: Master }];
  const workers: Replica[] = Array.from({ length: Worker?.replicas ?? 0 }, (_, i) => ({
    type: 'worker',
    index: i,
    rank: masters.length + i,
    spec: Worker!,
  }));
  return [...masters, ...workers];
}

/** The training operator's env contract for one replica (elastic jobs get torchrun's PET_* variables instead of a fixed rank). */
function contract(job: Job, replica: Replica, world: number, port: number): EnvVar[] {
  const elastic = job.spec.elasticPolicy;
  const env: Record<string, string> = { PYTHONUNBUFFERED: '1', MASTER_ADDR: '127.0.0.1', MASTER_PORT: String(port) };
  if (elastic === undefined) {
    Object.assign(env, { WORLD_SIZE: String(world), RANK: String(replica.rank) });
  } else {
    Object.assign(env, {
      WORLD_SIZE: String(world),
      RANK: String(replica.rank),
      PET_NNODES: `${elastic.minReplicas ?? world}:${elastic.maxReplicas ?? world}`,
      PET_NPROC_PER_NODE: String(elastic.nProcPerNode ?? 1),
      PET_RDZV_BACKEND: elastic.rdzvBackend ?? 'c10d',
      PET_RDZV_ENDPOINT: `127.0.0.1:${port}`,
      PET_RDZV_ID: job.metadata.name,
      PET_MAX_RESTARTS: String(elastic.maxRestarts ?? 0),
    });
  }
  return Object.entries(env).map(([name, value]) => ({ name, value }));
}

export async function startTrainingOperator(server: KubeTestServer, options: TrainingOperatorOptions): Promise<TrainingOperator> {
  const { namespace } = options;
  const kc = server.kubeConfig();
  const core = kc.makeApiClient(CoreV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const watch = new Watch(kc);
  const admitted: string[] = [];
  const created: string[] = [];
  const jobs = new Map<string, { job: Job; conditions: Condition[]; startTime: string; pods: Map<string, string> }>();
  const setStatus = (name: string, status: Record<string, unknown>) =>
    custom.patchNamespacedCustomObjectStatus({ ...JOBS, namespace, name, body: { status } }, merge).catch(() => undefined);
  // One reconcile step at a time, in event order, as a controller's work queue would.
  let queue: Promise<unknown> = Promise.resolve();
  const enqueue = (step: () => Promise<unknown>) => (queue = queue.then(step).catch(() => undefined));

  const transition = (name: string, type: string, reason: string, message: string) => {
    const state = jobs.get(name)!;
    const now = new Date().toISOString();
    // The new condition is the only True one of the job's progress conditions, as the operator keeps them.
    for (const c of state.conditions)
      if (c.status === 'True' && c.type !== 'Created') Object.assign(c, { status: 'False', lastTransitionTime: now, lastUpdateTime: now });
    state.conditions.push({ type, status: 'True', reason, message, lastTransitionTime: now, lastUpdateTime: now });
  };

  let paused = options.paused === true;
  const held: Job[] = [];
  const admit = async (job: Job) => {
    const name = job.metadata.name;
    admitted.push(name);
    const startTime = new Date().toISOString();
    jobs.set(name, { job, conditions: [], startTime, pods: new Map() });
    transition(name, 'Created', 'PyTorchJobCreated', `PyTorchJob ${name} is created.`);
    await setStatus(name, { startTime, conditions: jobs.get(name)!.conditions });
    if (paused) held.push(job);
    else await createPods(job);
  };

  const createPods = async (job: Job) => {
    const name = job.metadata.name;
    if (jobs.get(name)?.job.metadata.uid !== job.metadata.uid) return;
    const replicas = replicasOf(job);
    const port = await freePort();
    for (const replica of replicas) {
      const podName = `${name}-${replica.type}-${replica.index}`;
      const template = structuredClone(replica.spec.template ?? {});
      const spec = template.spec ?? {};
      const containers = (spec.containers ?? []).map((c) =>
        c.name === CONTAINER
          ? {
              ...c,
              env: [
                ...(c.env ?? []),
                ...contract(job, replica, replicas.length, port),
                ...Object.entries(options.env ?? {}).map(([n, value]) => ({ name: n, value })),
              ],
            }
          : c,
      );
      const restartPolicy = replica.spec.restartPolicy === 'ExitCode' ? 'Never' : (replica.spec.restartPolicy ?? 'Never');
      await core.createNamespacedPod({
        namespace,
        body: {
          metadata: {
            name: podName,
            labels: {
              ...template.metadata?.labels,
              [JOB_NAME_LABEL]: name,
              [REPLICA_TYPE_LABEL]: replica.type,
              [REPLICA_INDEX_LABEL]: String(replica.index),
            },
            ...(template.metadata?.annotations === undefined ? {} : { annotations: template.metadata.annotations }),
          },
          spec: { ...spec, containers, restartPolicy } as never,
        },
      });
      created.push(podName);
    }
  };

  const rollUp = async (pod: Pod) => {
    const name = pod.metadata.labels?.[JOB_NAME_LABEL];
    const state = name === undefined ? undefined : jobs.get(name);
    if (state === undefined || name === undefined) return;
    state.pods.set(pod.metadata.name, pod.status?.phase ?? 'Pending');
    const current = state.conditions.find((c) => c.status === 'True' && c.type !== 'Created')?.type;
    if (current === 'Succeeded' || current === 'Failed') return;
    const replicas = replicasOf(state.job);
    const phaseOf = (r: Replica) => state.pods.get(`${name}-${r.type}-${r.index}`) ?? 'Pending';
    const counts = (type: Replica['type']) => {
      const of = replicas.filter((r) => r.type === type).map(phaseOf);
      return {
        active: of.filter((p) => p === 'Running' || p === 'Pending').length,
        succeeded: of.filter((p) => p === 'Succeeded').length,
        failed: of.filter((p) => p === 'Failed').length,
      };
    };
    const replicaStatuses = Object.fromEntries(
      (['master', 'worker'] as const)
        .filter((t) => replicas.some((r) => r.type === t))
        .map((t) => [t === 'master' ? 'Master' : 'Worker', counts(t)]),
    );
    const failed = replicas.filter((r) => phaseOf(r) === 'Failed');
    const hasMaster = replicas.some((r) => r.type === 'master');
    const done = hasMaster ? phaseOf(replicas[0]!) === 'Succeeded' : replicas.every((r) => phaseOf(r) === 'Succeeded');
    let completionTime: string | undefined;
    if (failed.length > 0) {
      const type = failed[0]!.type === 'master' ? 'Master' : 'Worker';
      transition(
        name,
        'Failed',
        'PyTorchJobFailed',
        `PyTorchJob ${name} is failed because ${failed.filter((r) => r.type === failed[0]!.type).length} ${type} replica(s) failed.`,
      );
      completionTime = new Date().toISOString();
    } else if (done) {
      transition(name, 'Succeeded', 'PyTorchJobSucceeded', `PyTorchJob ${name} is successfully completed.`);
      completionTime = new Date().toISOString();
    } else if (current !== 'Running' && replicas.some((r) => phaseOf(r) === 'Running')) {
      transition(name, 'Running', 'PyTorchJobRunning', `PyTorchJob ${name} is running.`);
    }
    await setStatus(name, {
      startTime: state.startTime,
      conditions: state.conditions,
      replicaStatuses,
      ...(completionTime === undefined ? {} : { completionTime }),
    });
  };

  const jobWatch = await watch.watch(
    `/apis/kubeflow.org/v1/namespaces/${namespace}/pytorchjobs`,
    {},
    (type, job: Job) => {
      if (type === 'ADDED' && jobs.get(job.metadata.name)?.job.metadata.uid !== job.metadata.uid && job.status?.conditions === undefined) {
        enqueue(() => admit(job));
      } else if (type === 'DELETED') {
        const state = jobs.get(job.metadata.name);
        if (state?.job.metadata.uid !== job.metadata.uid) return;
        jobs.delete(job.metadata.name);
        for (const replica of replicasOf(job)) {
          enqueue(() =>
            core
              .deleteNamespacedPod({ namespace, name: `${job.metadata.name}-${replica.type}-${replica.index}`, gracePeriodSeconds: 0 })
              .catch(() => undefined),
          );
        }
      }
    },
    () => undefined,
  );
  const podWatch = await watch.watch(
    `/api/v1/namespaces/${namespace}/pods`,
    { labelSelector: JOB_NAME_LABEL },
    (type, pod: Pod) => {
      if (type !== 'DELETED') enqueue(() => rollUp(pod));
    },
    () => undefined,
  );

  return {
    jobs: admitted,
    pods: created,
    resume() {
      paused = false;
      for (const job of held.splice(0)) enqueue(() => createPods(job));
    },
    async stop() {
      jobWatch.abort();
      podWatch.abort();
      await queue;
    },
  };
}
