/**
 * TaskTemplate → Pod, as Flyte's pod plugin builds it (flytek8s pod_helper / container_helper): the
 * Container target becomes a one-container pod, the K8sPod target keeps its spec with the task's
 * primary container; either way the primary gets rendered command/args, Flyte's execution
 * variables, completed resources, secrets, shared memory and accelerator placement, and the pod gets
 * restartPolicy Never, the configured tolerations / node selectors (interruptible ones when the
 * attempt is), labels and annotations, all laid over an optional base pod template.
 */
import type { V1Container, V1EnvVar, V1Pod, V1PodSpec, V1Toleration } from '@kubernetes/client-node';
import {
  type AttemptContext,
  BackendError,
  type JsonObject,
  LOCAL_IMAGE,
  perRetryUniqueKey,
  renderTemplate,
  type TemplateValues,
} from '@tflyte/core';
import type { Container } from '@tflyte/idl/core/tasks';
import { type HostDataLayout, hostDataVolumes } from './host-data.ts';
import { acceleratorPlacement, type GpuLabels, sharedMemory } from './pod-accelerator.ts';
import { mergeByName, overlayPodSpec, type PodOverlay } from './pod-overlay.ts';
import { completeResources, entriesToQuantities, type ResourceDefaults } from './pod-resources.ts';
import { secretMounts } from './pod-secrets.ts';
import { PRIMARY_CONTAINER_ANNOTATION } from './pod-view.ts';

export interface PodDefaults extends ResourceDefaults {
  /** Added to every pod; the task's own labels win. */
  readonly labels?: Readonly<Record<string, string>>;
  /** Added to every pod; default `cluster-autoscaler.kubernetes.io/safe-to-evict: "false"`, as in Flyte. */
  readonly annotations?: Readonly<Record<string, string>>;
  readonly tolerations?: readonly V1Toleration[];
  readonly nodeSelector?: Readonly<Record<string, string>>;
  /** Added when the attempt is interruptible (it may land on preemptible nodes). */
  readonly interruptibleTolerations?: readonly V1Toleration[];
  readonly interruptibleNodeSelector?: Readonly<Record<string, string>>;
  /** Environment variables for the primary container; the task's own win. */
  readonly env?: Readonly<Record<string, string>>;
  readonly serviceAccountName?: string;
  readonly schedulerName?: string;
  readonly imagePullPolicy?: 'Always' | 'IfNotPresent' | 'Never';
}

/** A base pod template (Flyte's default-pod-template): containers named `default` apply to every container, `primary` to the primary. */
export interface BasePodTemplate {
  readonly metadata?: { readonly labels?: Readonly<Record<string, string>>; readonly annotations?: Readonly<Record<string, string>> };
  readonly spec?: V1PodSpec | JsonObject;
}

export interface PodBuildOptions {
  readonly defaults?: PodDefaults;
  readonly podTemplate?: BasePodTemplate;
  /** Image for tasks serialized without one (the local placeholder image `tflyte-local`). */
  readonly image?: string;
  readonly gpu?: GpuLabels;
}

/** Where this attempt's pod reads its inputs and writes its outputs. */
export interface PodLocations {
  readonly namespace: string;
  readonly name: string;
  readonly inputUri: string;
  readonly outputPrefix: string;
  readonly checkpointOutputPrefix: string;
  readonly prevCheckpointPrefix: string;
  /** Set for raw containers with a DataLoadingConfig. */
  readonly data: HostDataLayout | undefined;
}

export const SAFE_TO_EVICT = 'cluster-autoscaler.kubernetes.io/safe-to-evict';
export const TASK_NAME_LABEL = 'tflyte.io/task-name';
export const ATTEMPT_LABEL = 'tflyte.io/attempt';

function badFormat(message: string): BackendError {
  return new BackendError({ kind: 'user', retryable: false, code: 'BadTaskFormat', message });
}

/** A valid label value (≤63 alphanumerics, `-`, `_`, `.`, alphanumeric at both ends). */
function labelValue(text: string): string {
  return text
    .replace(/[^A-Za-z0-9_.-]+/g, '-')
    .slice(0, 63)
    .replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
}

function containerFromProto(c: Container, name: string): V1Container {
  return {
    name,
    image: c.image,
    ...(c.command.length > 0 ? { command: [...c.command] } : {}),
    ...(c.args.length > 0 ? { args: [...c.args] } : {}),
    ...(c.env.length > 0 ? { env: c.env.map((kv) => ({ name: kv.key, value: kv.value })) } : {}),
  };
}

interface TargetPod {
  readonly spec: V1PodSpec;
  readonly primary: V1Container;
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
  readonly resources: { requests: Record<string, string>; limits: Record<string, string> };
}

function podFromTarget(ctx: AttemptContext, gpuResourceName: string): TargetPod {
  const { template } = ctx;
  const target = template.target;
  if (target.case === 'container') {
    const c = target.value;
    // Flyte names the container after the pod when that is a valid container name.
    const primary = containerFromProto(c, ctx.generatedName);
    const resources = {
      requests: entriesToQuantities(c.resources?.requests ?? [], gpuResourceName),
      limits: entriesToQuantities(c.resources?.limits ?? [], gpuResourceName),
    };
    return { spec: { containers: [primary] }, primary, labels: {}, annotations: {}, resources };
  }
  if (target.case === 'k8sPod') {
    const pod = target.value;
    const name = pod.primaryContainerName || template.config['primary_container_name'] || '';
    const spec = structuredClone(pod.podSpec ?? {}) as unknown as V1PodSpec;
    spec.containers = Array.isArray(spec.containers) ? spec.containers : [];
    const primary = spec.containers.find((c) => c.name === name);
    if (primary === undefined) {
      throw badFormat(
        `task '${template.id?.name ?? ''}' has a pod spec without its primary container '${name}': add a container of that name or set primaryContainerName`,
      );
    }
    const r = (primary.resources ?? {}) as { requests?: Record<string, string>; limits?: Record<string, string> };
    return {
      spec,
      primary,
      labels: { ...pod.metadata?.labels },
      annotations: { ...pod.metadata?.annotations },
      resources: { requests: { ...r.requests }, limits: { ...r.limits } },
    };
  }
  throw badFormat(
    `task type '${template.type}' has a '${target.case ?? 'missing'}' target; Kubernetes pods run container and k8sPod targets`,
  );
}

/** Flyte's execution variables (flytek8s GetExecutionEnvVars). */
function flyteEnv(ctx: AttemptContext): V1EnvVar[] {
  const id = ctx.template.id;
  const suffix = `-${ctx.attempt}`;
  // AttemptContext carries the attempt's generated name, not the run id: the name without its attempt suffix identifies the node's execution.
  const execution = ctx.generatedName.endsWith(suffix) ? ctx.generatedName.slice(0, -suffix.length) : ctx.generatedName;
  return [
    { name: 'FLYTE_INTERNAL_EXECUTION_ID', value: execution },
    { name: 'FLYTE_INTERNAL_EXECUTION_PROJECT', value: id?.project ?? '' },
    { name: 'FLYTE_INTERNAL_EXECUTION_DOMAIN', value: id?.domain ?? '' },
    { name: 'FLYTE_ATTEMPT_NUMBER', value: String(ctx.attempt) },
    { name: 'FLYTE_INTERNAL_TASK_PROJECT', value: id?.project ?? '' },
    { name: 'FLYTE_INTERNAL_TASK_DOMAIN', value: id?.domain ?? '' },
    { name: 'FLYTE_INTERNAL_TASK_NAME', value: id?.name ?? '' },
    { name: 'FLYTE_INTERNAL_TASK_VERSION', value: id?.version ?? '' },
  ];
}

/** The task's spec laid over a base template's: the task wins, lists are joined, base containers fill in. */
function overBase(base: V1PodSpec | undefined, task: V1PodSpec, primaryName: string): V1PodSpec {
  if (base === undefined) return task;
  const b = structuredClone(base);
  const named = (n: string) => b.containers?.find((c) => c.name === n);
  const underlay = (c: V1Container, ...layers: (V1Container | undefined)[]): V1Container => {
    const under = Object.assign({}, ...layers.filter(Boolean).map((l) => ({ ...l, name: undefined }))) as Partial<V1Container>;
    const env = mergeByName(...layers.map((l) => l?.env), c.env);
    const volumeMounts = mergeByName(...layers.map((l) => l?.volumeMounts), c.volumeMounts);
    return { ...under, ...c, ...(env.length > 0 ? { env } : {}), ...(volumeMounts.length > 0 ? { volumeMounts } : {}) };
  };
  const special = new Set(['default', 'primary', 'default-init', 'primary-init']);
  const initContainers = [...(b.initContainers ?? []).filter((c) => !special.has(c.name)), ...(task.initContainers ?? [])];
  const volumes = mergeByName(b.volumes, task.volumes);
  const tolerations = [...(b.tolerations ?? []), ...(task.tolerations ?? [])];
  return {
    ...b,
    ...task,
    containers: task.containers.map((c) =>
      underlay(c, named('default'), c.name === primaryName ? named('primary') : undefined, named(c.name)),
    ),
    ...(initContainers.length > 0 ? { initContainers } : { initContainers: undefined }),
    ...(volumes.length > 0 ? { volumes } : { volumes: undefined }),
    ...(tolerations.length > 0 ? { tolerations } : { tolerations: undefined }),
  };
}

/** Replacement resources for a role, as Kubernetes quantities (`cpu`, `memory`, `gpu`, `nvidia.com/gpu`, …). */
export interface RoleResources {
  readonly requests?: Readonly<Record<string, string>>;
  readonly limits?: Readonly<Record<string, string>>;
}

/** One role of a job (a Spark driver, a PyTorch worker, or the one pod of a container task). */
export interface RolePodOptions {
  /** Where the role's pods read inputs and write outputs; see `podData(...).locations`. */
  readonly locations: PodLocations;
  /** The backend's configuration: defaults, base pod template, placeholder image, GPU labels. */
  readonly platform?: PodBuildOptions;
  /** Names the role in the `tflyte.io/role` label, e.g. `driver`, `worker`. */
  readonly role?: string;
  /** Replaces the primary container's image (a replica's own image). */
  readonly image?: string;
  /** Replaces the task's resources for the primary container; platform defaults still fill the gaps. */
  readonly resources?: RoleResources;
  /** Renames the primary container, as operators expect (`pytorch`, `spark-kubernetes-driver`). */
  readonly primaryContainerName?: string;
  /** Overrides the attempt's interruptibility (a Spark driver is never interruptible). */
  readonly interruptible?: boolean;
  /** Extra environment variables for the primary container; they win over the task's. */
  readonly env?: Readonly<Record<string, string>>;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
  /** Default `Never`, as Flyte's pods; operators may restart their replicas themselves. */
  readonly restartPolicy?: 'Never' | 'OnFailure' | 'Always';
  /**
   * The role's own pod spec and metadata (a Spark `driverPod` / `executorPod`), laid over the built
   * pod last, as Flyte merges it: its fields win, `env` above still wins over its env.
   */
  readonly overlay?: PodOverlay;
}

/** A role's pod: what goes into a pod, or into a CRD's replica or driver/executor template. */
export interface RolePod {
  readonly metadata: { readonly labels: Record<string, string>; readonly annotations: Record<string, string> };
  readonly spec: V1PodSpec;
  readonly primaryContainerName: string;
}

export const ROLE_LABEL = 'tflyte.io/role';

/**
 * The pod spec and metadata of one role of the attempt's job, built from its TaskTemplate as Flyte's
 * ToK8sPodSpec builds it: the primary container with rendered command and args, Flyte's execution
 * variables, completed resources, secrets, shared memory and accelerator placement, tolerations and
 * node selectors (the interruptible ones when the role is interruptible), all over the base pod template.
 */
export function rolePodSpec(ctx: AttemptContext, options: RolePodOptions): RolePod {
  const platform = options.platform ?? {};
  const where = options.locations;
  const defaults = platform.defaults ?? {};
  const gpuResourceName = defaults.gpuResourceName ?? 'nvidia.com/gpu';
  const interruptible = options.interruptible ?? ctx.interruptible;
  const { template } = ctx;
  const target = podFromTarget(ctx, gpuResourceName);
  const spec = overBase(platform.podTemplate?.spec as V1PodSpec | undefined, target.spec, target.primary.name);
  const primary = spec.containers.find((c) => c.name === target.primary.name)!;
  if (options.primaryContainerName !== undefined) primary.name = options.primaryContainerName;
  const primaryName = primary.name;

  if (options.image !== undefined) primary.image = options.image;
  else if (primary.image === LOCAL_IMAGE && platform.image !== undefined) primary.image = platform.image;
  const values: TemplateValues = {
    input: where.inputUri,
    inputPrefix: where.inputUri.replace(/\/[^/]*$/, ''),
    outputPrefix: where.outputPrefix,
    rawOutputDataPrefix: ctx.rawOutputPrefix,
    checkpointOutputPrefix: where.checkpointOutputPrefix,
    prevCheckpointPrefix: where.prevCheckpointPrefix,
    perRetryUniqueKey: perRetryUniqueKey(ctx.generatedName),
    namespace: where.namespace,
    inputs: ctx.inputs,
    ...(where.data === undefined ? {} : { blobPath: (name: string) => `${where.data!.inputPath}/${name}` }),
  };
  if (primary.command !== undefined) primary.command = primary.command.map((part) => renderTemplate(part, values));
  if (primary.args !== undefined) primary.args = primary.args.map((part) => renderTemplate(part, values));

  const secrets = secretMounts(template.securityContext?.secrets ?? []);
  const defaultEnv: V1EnvVar[] = Object.entries(defaults.env ?? {}).map(([name, value]) => ({ name, value }));
  const roleEnv: V1EnvVar[] = Object.entries(options.env ?? {}).map(([name, value]) => ({ name, value }));
  primary.env = mergeByName(defaultEnv, flyteEnv(ctx), primary.env, roleEnv, secrets.env);
  const resources =
    options.resources === undefined
      ? target.resources
      : { requests: { ...options.resources.requests }, limits: { ...options.resources.limits } };
  primary.resources = completeResources(resources, defaults);
  primary.terminationMessagePolicy ??= 'FallbackToLogsOnError';
  if (defaults.imagePullPolicy !== undefined) primary.imagePullPolicy ??= defaults.imagePullPolicy;

  const volumes = [...(spec.volumes ?? [])];
  const shm = sharedMemory(template.extendedResources);
  const data = where.data === undefined ? undefined : hostDataVolumes(where.data);
  const taken = shm
    ? primary.volumeMounts?.find((m) => m.mountPath.replace(/\/+$/, '') === shm.mount.mountPath && m.name !== shm.mount.name)
    : undefined;
  if (taken !== undefined && shm !== undefined) {
    // The API server refuses two mounts at one path; fail here, with the fix, before a pod is created.
    throw badFormat(
      `the task's pod spec already mounts volume '${taken.name}' at ${shm.mount.mountPath} on the primary container, and sharedMemory mounts one there too: drop one of the two`,
    );
  }
  const mounts = [...(shm ? [shm.mount] : []), ...(data?.mounts ?? [])];
  if (shm) volumes.push(shm.volume);
  if (data) volumes.push(...data.volumes);
  if (mounts.length > 0) primary.volumeMounts = mergeByName(primary.volumeMounts, mounts);
  if (secrets.volumes.length > 0) {
    volumes.push(...secrets.volumes);
    for (const c of [...spec.containers, ...(spec.initContainers ?? [])]) c.volumeMounts = mergeByName(c.volumeMounts, secrets.mounts);
  }
  if (volumes.length > 0) spec.volumes = mergeByName(volumes);

  spec.restartPolicy = options.restartPolicy ?? 'Never';
  const placement = acceleratorPlacement(template.extendedResources, platform.gpu);
  const tolerations = [
    ...(spec.tolerations ?? []),
    ...(defaults.tolerations ?? []),
    ...(interruptible ? (defaults.interruptibleTolerations ?? []) : []),
    ...placement.tolerations,
  ];
  if (tolerations.length > 0) spec.tolerations = tolerations;
  const nodeSelector = { ...defaults.nodeSelector, ...(interruptible ? defaults.interruptibleNodeSelector : {}), ...spec.nodeSelector };
  if (Object.keys(nodeSelector).length > 0) spec.nodeSelector = nodeSelector;
  if (placement.requirements.length > 0) {
    const affinity = (spec.affinity ??= {});
    const nodeAffinity = (affinity.nodeAffinity ??= {});
    const required = (nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution ??= { nodeSelectorTerms: [] });
    if (required.nodeSelectorTerms.length === 0) required.nodeSelectorTerms.push({});
    // Terms are OR-ed; the accelerator must hold in each of them.
    for (const term of required.nodeSelectorTerms) term.matchExpressions = [...(term.matchExpressions ?? []), ...placement.requirements];
  }
  if (defaults.serviceAccountName !== undefined) spec.serviceAccountName ??= defaults.serviceAccountName;
  if (defaults.schedulerName !== undefined) spec.schedulerName ??= defaults.schedulerName;

  const taskMeta = template.metadata?.metadata;
  const labels = {
    ...defaults.labels,
    ...platform.podTemplate?.metadata?.labels,
    ...target.labels,
    ...taskMeta?.labels,
    ...options.labels,
    ...options.overlay?.metadata?.labels,
    [TASK_NAME_LABEL]: labelValue(template.id?.name ?? template.type),
    [ATTEMPT_LABEL]: String(ctx.attempt),
    ...(options.role === undefined ? {} : { [ROLE_LABEL]: labelValue(options.role) }),
  };
  const annotations = {
    [SAFE_TO_EVICT]: 'false',
    ...defaults.annotations,
    ...platform.podTemplate?.metadata?.annotations,
    ...target.annotations,
    ...taskMeta?.annotations,
    ...options.annotations,
    ...options.overlay?.metadata?.annotations,
    [PRIMARY_CONTAINER_ANNOTATION]: primaryName,
  };
  const built = overlayPodSpec(spec, primaryName, options.overlay, roleEnv);
  return { metadata: { labels, annotations }, spec: built, primaryContainerName: primaryName };
}

/** The attempt's pod for a container or K8sPod target: its one role, named and placed. */
export function buildPod(ctx: AttemptContext, where: PodLocations, options: PodBuildOptions = {}): V1Pod {
  const { metadata, spec } = rolePodSpec(ctx, { locations: where, platform: options });
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: where.name, namespace: where.namespace, ...metadata }, spec };
}
