/**
 * `pytorchJobBackend()`: a PyTorch task as a PyTorchJob, assembled from @tflyte/kubernetes' blocks —
 * the shared resource backend (create-error table, one watch per namespace, external deletion,
 * delete when done), rolePodSpec for every replica, podData for inputs and outputs, podLogLinks for
 * each replica's pod and operatorJobPhase for the job's conditions. This module supplies only what
 * is PyTorch's: the job's shape (pytorch-job.ts) and which replica is rank 0.
 *
 * Rank 0 (the master, or worker 0 of an elastic job) has the outputs. The other ranks of a job with a
 * master write into a directory of their own that nobody reads, so that a program writing from every
 * rank does not race rank 0.
 */
import { chmod, mkdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { type AttemptContext, BackendError, type JsonObject, type LogLink, type StatusCheckPolicy } from '@tflyte/core';
import {
  type KubeClient,
  type KubernetesPodOptions,
  kubernetesResourceBackend,
  type LogLinkTemplate,
  lazyKubeClient,
  operatorJobPhase,
  type PodBuildOptions,
  type PodDataOptions,
  type PodLocations,
  podData,
  podLogLinks,
  podTemplateSource,
  type ResourceBackend,
  type RolePod,
  resourcesOverride,
  rolePodSpec,
} from '@tflyte/kubernetes';
import { operatorRestartPolicy, pytorchCustom, type ReplicaGroup, replicaGroup } from '../pytorch-config.ts';
import { buildPyTorchJob, PYTORCH_CONTAINER, PYTORCH_JOB_KIND, type PyTorchJobView, type Role } from './pytorch-job.ts';

export interface PyTorchJobBackendOptions extends PodBuildOptions, PodDataOptions {
  /** Backend name in events and the state store. Default `kubernetes-pytorch`. */
  readonly name?: string;
  /** A client to share with other backends (one watch per namespace for all of them). */
  readonly client?: KubeClient;
  /** Used when no client is given; default: the kubeconfig kubectl would use. */
  readonly kubeConfig?: KubernetesPodOptions['kubeConfig'];
  readonly context?: string;
  /** Default: the context's namespace. */
  readonly namespace?: string;
  /** A cluster PodTemplate as the base of tasks that name none (Flyte's `default-pod-template-name`). */
  readonly defaultPodTemplateName?: string;
  /** Log links for the master's and each worker's pod (`{{ .podName }}`, `{{ .namespace }}`, …). */
  readonly logLinks?: readonly LogLinkTemplate[];
  /**
   * How long after its creation a job may go unstarted before the operator counts as unresponsive
   * (then status reads fail, under the executor's bound). Default 1 min (Flyte's kf-operator timeout).
   */
  readonly operatorTimeoutMs?: number;
  /**
   * Earliest-error aggregation (Flyte's `enable-distributed-error-aggregation`): every replica gets
   * `_F_DES=Earliest`, so that flytekit names its error documents per worker. Default false.
   */
  readonly distributedErrorAggregation?: boolean;
  /** Delete the job once its attempt is over. Default true. */
  readonly deleteWhenDone?: boolean;
  /** Tolerance for failed status reads (default: the executor's, 5 in a row). */
  readonly statusChecks?: Partial<StatusCheckPolicy>;
}

export const PYTORCH_JOB_BACKEND = 'kubernetes-pytorch';
type EnvVar = NonNullable<RolePod['spec']['containers'][number]['env']>[number];
/** The replica's pod name, through the downward API (Flyte's worker-name variable). */
export const WORKER_NAME_ENV = '_F_WN';
export const ERROR_STRATEGY_ENV = '_F_DES';

/** `<job>-master-0` (when there is a master) and `<job>-worker-<i>`: the operator's pod names. */
export function replicaPodNames(job: PyTorchJobView): string[] {
  const name = job.metadata?.name ?? '';
  const specs = job.spec?.pytorchReplicaSpecs ?? {};
  return [
    ...(specs.Master === undefined ? [] : [`${name}-master-0`]),
    ...Array.from({ length: specs.Worker?.replicas ?? 0 }, (_, i) => `${name}-worker-${i}`),
  ];
}

/** Where ranks other than rank 0 write their outputs: beside rank 0's, never read. */
function otherRanks(where: PodLocations): PodLocations {
  if (where.data === undefined) return where;
  return { ...where, data: { ...where.data, outputsDir: join(dirname(where.data.outputsDir), 'outputs-other-ranks') } };
}

function decode(ctx: AttemptContext) {
  return pytorchCustom.decode({ custom: ctx.template.custom as JsonObject | undefined }, ctx.template.taskTypeVersion);
}

export interface PyTorchManifestOptions extends PodBuildOptions {
  readonly distributedErrorAggregation?: boolean;
}

/** The PyTorchJob for an attempt whose pods read and write at `where` (name and namespace are set by the resource backend). */
export function pytorchJobManifest(ctx: AttemptContext, where: PodLocations, options: PyTorchManifestOptions = {}): PyTorchJobView {
  const config = decode(ctx);
  const elastic = config.elasticConfig !== undefined;
  if (elastic && replicaGroup(config.workerReplicas).replicas === 0) {
    throw new BackendError({
      kind: 'user',
      retryable: false,
      code: 'BadTaskSpecification',
      message: 'an elastic PyTorch task needs at least one worker replica',
    });
  }
  const extraEnv: EnvVar[] = [
    { name: WORKER_NAME_ENV, valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    ...(options.distributedErrorAggregation === true ? [{ name: ERROR_STRATEGY_ENV, value: 'Earliest' }] : []),
  ];
  const podOf = (role: Role, group: ReplicaGroup): RolePod => {
    const resources = resourcesOverride(group.resources);
    const pod = rolePodSpec(ctx, {
      // All workers of an elastic job share one template, so there worker 0 (rank 0) writes where all do.
      locations: role === 'master' || elastic ? where : otherRanks(where),
      platform: options,
      role,
      primaryContainerName: PYTORCH_CONTAINER,
      restartPolicy: operatorRestartPolicy(group.restartPolicy),
      ...(group.image === '' ? {} : { image: group.image }),
      ...(resources === undefined ? {} : { resources }),
    });
    const primary = pod.spec.containers.find((c) => c.name === PYTORCH_CONTAINER)!;
    primary.env = [...(primary.env ?? []).filter((e) => !extraEnv.some((x) => x.name === e.name)), ...extraEnv];
    return pod;
  };
  return buildPyTorchJob(config, podOf);
}

export function pytorchJobBackend(options: PyTorchJobBackendOptions = {}): ResourceBackend {
  // Connects on first use, so that a config file naming this backend loads without a cluster.
  const client =
    options.client ??
    lazyKubeClient({
      ...(options.kubeConfig ? { kubeConfig: options.kubeConfig } : {}),
      ...(options.context ? { context: options.context } : {}),
    });
  const data = podData(options);
  const logLinks = options.logLinks ?? [];
  const baseTemplate = podTemplateSource(client, {
    ...(options.defaultPodTemplateName === undefined ? {} : { defaultPodTemplateName: options.defaultPodTemplateName }),
    ...(options.podTemplate === undefined ? {} : { podTemplate: options.podTemplate }),
  });

  const linksOf = (job: PyTorchJobView, ctx: AttemptContext): LogLink[] => {
    const namespace = job.metadata?.namespace ?? '';
    const start = job.metadata?.creationTimestamp;
    const prefix = `${job.metadata?.name ?? ''}-`;
    return replicaPodNames(job).flatMap((podName) =>
      podLogLinks(
        logLinks,
        { podName, namespace, label: podName.slice(prefix.length), ...(start === undefined ? {} : { startTime: start }) },
        ctx,
      ),
    );
  };

  return kubernetesResourceBackend<PyTorchJobView>({
    name: options.name ?? PYTORCH_JOB_BACKEND,
    kind: PYTORCH_JOB_KIND,
    client,
    ...(options.namespace === undefined ? {} : { namespace: options.namespace }),
    ...(options.deleteWhenDone === undefined ? {} : { deleteWhenDone: options.deleteWhenDone }),
    ...(options.statusChecks === undefined ? {} : { statusChecks: options.statusChecks }),
    async prepare(ctx, target) {
      await baseTemplate(ctx, target.namespace);
      const where = data.locations(ctx, target);
      await data.upload(ctx, where);
      const others = otherRanks(where).data;
      if (others !== undefined && others !== where.data) {
        await rm(others.outputsDir, { recursive: true, force: true });
        await mkdir(others.outputsDir, { recursive: true });
        // The ranks may run as another user than the executor (a container runtime's).
        await chmod(others.outputsDir, 0o777);
      }
    },
    async build(ctx, target) {
      const podTemplate = await baseTemplate(ctx, target.namespace);
      return pytorchJobManifest(ctx, data.locations(ctx, target), { ...options, podTemplate });
    },
    phaseOf: (job, ctx, now) =>
      operatorJobPhase(job, now, {
        logs: linksOf(job, ctx),
        ...(options.operatorTimeoutMs === undefined ? {} : { startTimeoutMs: options.operatorTimeoutMs }),
      }),
    finalize: (status, job, ctx) =>
      data.collect(status, ctx, data.locations(ctx, { namespace: job.metadata?.namespace ?? '', name: job.metadata?.name ?? '' })),
  });
}
