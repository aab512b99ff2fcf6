/**
 * `pytorchJobBackend()`: a PyTorch task as a PyTorchJob, on @tflyte/kubernetes' shared resource
 * backend (create-error table, one watch per namespace, external deletion, delete when done). This
 * module supplies only what is PyTorch's: the job (pytorch-job.ts), its phase (job-phase.ts), log
 * links for each replica's pod, and the master's outputs.
 *
 * Inputs and outputs of the task's DataLoadingConfig go through host directories mounted into the
 * pods (core's copilot files), so the nodes must see the executor's disk: the test API server's node
 * or a single-node cluster. Rank 0 (the master, or worker 0 of an elastic job) has the outputs.
 */
import { join } from 'node:path';
import { chmod, mkdir, rm } from 'node:fs/promises';
import {
  type AttemptContext,
  BackendError,
  type JsonObject,
  type LogLink,
  type TaskStatus,
  createDataDirs,
  failed,
  materializeInputs,
  readOutputs,
  toLocalPath,
  uriScheme,
} from '@tflyte/core';
import { TaskExecution_Phase } from '@tflyte/idl/core/execution';
import type { DataLoadingConfig } from '@tflyte/idl/core/tasks';
import {
  type KubeClient,
  type KubernetesPodOptions,
  type LogLinkTemplate,
  type PodBuildOptions,
  type PodLocations,
  type ResourceBackend,
  buildPod,
  createKubeClient,
  kubernetesResourceBackend,
  renderLogLinks,
} from '@tflyte/kubernetes';
import { pytorchCustom, replicaGroup } from '../pytorch-config.ts';
import { DEFAULT_OPERATOR_TIMEOUT_MS, pytorchJobPhase } from './job-phase.ts';
import { PYTORCH_JOB_KIND, type PodTemplateOf, type PyTorchJobView, type Role, buildPyTorchJob } from './pytorch-job.ts';

export interface PyTorchJobBackendOptions extends PodBuildOptions {
  /** Backend name in events and the state store. Default `kubernetes-pytorch`. */
  readonly name?: string;
  /** A client to share with other backends (one watch per namespace for all of them). */
  readonly client?: KubeClient;
  /** Used when no client is given; default: the kubeconfig kubectl would use. */
  readonly kubeConfig?: KubeConfig;
  readonly context?: string;
  /** Default: the context's namespace. */
  readonly namespace?: string;
  /** Log links for the master's and each worker's pod (`{{ .podName }}`, `{{ .namespace }}`, …). */
  readonly logLinks?: readonly LogLinkTemplate[];
  /** A job the operator has not started this long after its creation fails. Default 1 min (Flyte's kf-operator timeout). */
  readonly operatorTimeoutMs?: number;
  /** Delete the job once its attempt is over. Default true. */
  readonly deleteWhenDone?: boolean;
}

type KubeConfig = NonNullable<KubernetesPodOptions['kubeConfig']>;

export const PYTORCH_JOB_BACKEND = 'kubernetes-pytorch';

interface HostData {
  readonly inputsDir: string;
  readonly outputsDir: string;
  readonly inputPath: string;
  readonly outputPath: string;
  readonly format: DataLoadingConfig['format'];
}

function dataConfigOf(ctx: AttemptContext): DataLoadingConfig | undefined {
  const target = ctx.template.target;
  const config = target.case === 'container' || target.case === 'k8sPod' ? target.value.dataConfig : undefined;
  return config?.enabled ? config : undefined;
}

/** The host directories of one role: inputs are shared, each role writes into its own outputs directory. */
function hostData(ctx: AttemptContext, role: 'rank0' | 'others'): HostData | undefined {
  const config = dataConfigOf(ctx);
  if (config === undefined) return undefined;
  if (uriScheme(ctx.outputPrefix) !== 'file') {
    throw new BackendError({
      kind: 'user',
      retryable: false,
      code: 'UnsupportedDataLoading',
      message: `a PyTorch task's inputs and outputs are mounted from the executor's disk, but the attempt's files are at ${ctx.outputPrefix}; use a local state directory`,
    });
  }
  const dir = join(toLocalPath(ctx.outputPrefix), 'data');
  return { inputsDir: join(dir, 'inputs'), outputsDir: join(dir, role === 'rank0' ? 'outputs' : 'outputs-other-ranks'), inputPath: config.inputPath, outputPath: config.outputPath, format: config.format };
}

function locations(ctx: AttemptContext, target: { namespace: string; name: string }, data: HostData | undefined): PodLocations {
  return { ...target, inputUri: ctx.inputsUri, outputPrefix: ctx.outputPrefix, checkpointOutputPrefix: join(ctx.rawOutputPrefix, '_flytecheckpoints'), prevCheckpointPrefix: '', data };
}

/** `<job>-master-0` (when there is a master) and `<job>-worker-<i>`: the operator's pod names. */
export function replicaPodNames(job: PyTorchJobView): string[] {
  const name = job.metadata?.name ?? '';
  const specs = job.spec?.pytorchReplicaSpecs ?? {};
  return [
    ...(specs.Master === undefined ? [] : [`${name}-master-0`]),
    ...Array.from({ length: specs.Worker?.replicas ?? 0 }, (_, i) => `${name}-worker-${i}`),
  ];
}

/** The PyTorchJob for an attempt (without name and namespace, which the resource backend sets). */
export function pytorchJobManifest(ctx: AttemptContext, target: { namespace: string; name: string }, options: PodBuildOptions = {}): PyTorchJobView {
  const config = pytorchCustom.decode({ custom: ctx.template.custom as JsonObject | undefined }, ctx.template.taskTypeVersion);
  const elastic = config.elasticConfig !== undefined;
  if (elastic && replicaGroup(config.workerReplicas).replicas === 0) {
    throw new BackendError({ kind: 'user', retryable: false, code: 'BadTaskSpecification', message: 'an elastic PyTorch task needs at least one worker replica' });
  }
  const rank0 = hostData(ctx, 'rank0');
  const others = hostData(ctx, 'others');
  // Rank 0 is the master, or worker 0 of an elastic job; all workers share one template, so there the
  // outputs directory is shared too and only rank 0 writes it.
  const podOf = (role: Role): PodTemplateOf => {
    const data = role === 'master' || elastic ? rank0 : others;
    const pod = buildPod(ctx, locations(ctx, target, data), options);
    return { metadata: { labels: { ...pod.metadata?.labels }, annotations: { ...pod.metadata?.annotations } }, spec: pod.spec as PodTemplateOf['spec'] };
  };
  return buildPyTorchJob(config, podOf, options.defaults?.gpuResourceName);
}

export function pytorchJobBackend(options: PyTorchJobBackendOptions = {}): ResourceBackend {
  let client = options.client;
  const connect = (): KubeClient =>
    (client ??= createKubeClient({ ...(options.kubeConfig ? { kubeConfig: options.kubeConfig } : {}), ...(options.context ? { context: options.context } : {}) }));
  const logLinks = options.logLinks ?? [];
  const timeout = options.operatorTimeoutMs ?? DEFAULT_OPERATOR_TIMEOUT_MS;

  const linksOf = (job: PyTorchJobView, ctx: AttemptContext): LogLink[] =>
    replicaPodNames(job).flatMap((podName) => {
      const pod = { metadata: { name: podName, namespace: job.metadata?.namespace ?? '' }, status: { startTime: job.metadata?.creationTimestamp } };
      const replica = podName.slice((job.metadata?.name ?? '').length + 1);
      return renderLogLinks(logLinks, pod, ctx).map((link) => ({ ...link, name: link.name.replace(/ \(User\)$/, ` ${replica} (User)`) }));
    });

  let backend: ResourceBackend | undefined;
  const resolve = (): ResourceBackend =>
    (backend ??= kubernetesResourceBackend<PyTorchJobView>({
      name: options.name ?? PYTORCH_JOB_BACKEND,
      kind: PYTORCH_JOB_KIND,
      client: connect(),
      ...(options.namespace === undefined ? {} : { namespace: options.namespace }),
      ...(options.deleteWhenDone === undefined ? {} : { deleteWhenDone: options.deleteWhenDone }),
      async build(ctx, target) {
        const rank0 = hostData(ctx, 'rank0');
        const others = hostData(ctx, 'others');
        if (rank0 !== undefined && others !== undefined) {
          await createDataDirs(rank0.inputsDir, rank0.outputsDir);
          await rm(others.outputsDir, { recursive: true, force: true });
          await mkdir(others.outputsDir, { recursive: true });
          await chmod(others.outputsDir, 0o777);
          await materializeInputs({ hostDir: rank0.inputsDir, inputPath: rank0.inputPath, format: rank0.format }, Object.keys(ctx.template.interface?.inputs?.variables ?? {}), ctx.inputs);
        }
        return pytorchJobManifest(ctx, target, options);
      },
      phaseOf: (job, ctx, now) => pytorchJobPhase(job, now, linksOf(job, ctx), timeout),
      async finalize(status, _job, ctx): Promise<TaskStatus> {
        const rank0 = hostData(ctx, 'rank0');
        if (status.phase !== TaskExecution_Phase.SUCCEEDED || rank0 === undefined) return status;
        const outputs = await readOutputs(
          { hostDir: rank0.outputsDir, outputPath: rank0.outputPath, rawOutputPrefix: ctx.rawOutputPrefix },
          ctx.template.interface?.outputs?.variables ?? {},
        );
        return outputs.ok ? { ...status, outputs: outputs.outputs } : failed(outputs.failure, status.logs === undefined ? {} : { logs: status.logs });
      },
    }));

  // Delegated lazily so that naming the backend in tflyte.config.ts needs no cluster.
  return {
    name: options.name ?? PYTORCH_JOB_BACKEND,
    handleVersion: 1,
    create: (ctx) => resolve().create(ctx),
    get: (handle, ctx) => resolve().get(handle, ctx),
    delete: (handle, ctx) => resolve().delete(handle, ctx),
    watch: (handle, ctx, onStatus, signal, onError) => resolve().watch(handle, ctx, onStatus, signal, onError),
  };
}
