/**
 * TaskTemplate + SparkJob → SparkApplication (sparkoperator.k8s.io/v1beta2), as Flyte's spark
 * plugin builds it: each role's pod comes from the task's own pod spec (built by @tflyte/kubernetes,
 * so resources, env, secrets and tolerations are those of any pod task), with the role's overlay
 * (`driverPod` / `executorPod`) laid on top; the driver never lands on interruptible nodes; cores,
 * memory and instances come from the Spark conf; image and arguments from the primary container.
 */
import type { V1Container, V1EnvVar, V1Pod, V1PodSpec } from '@kubernetes/client-node';
import { type AttemptContext, BackendError, type JsonObject, joinUri } from '@tflyte/core';
import { PRIMARY_CONTAINER_ANNOTATION, type PodBuildOptions, type PodLocations, buildPod } from '@tflyte/kubernetes';
import type { K8sPod } from '@tflyte/idl/core/tasks';
import { type SparkJob, SparkApplication_Type } from '@tflyte/idl/plugins/spark';
import { type SparkFeature, confInteger, layerSparkConf } from './spark-conf.ts';
import { OUTPUT_DOCUMENT_ENV, outputDocumentUri } from './spark-outputs.ts';

export const SPARK_API_VERSION = 'sparkoperator.k8s.io/v1beta2';
export const SPARK_KIND = 'SparkApplication';

/** What the manifest needs from the plugin's options. */
export interface SparkApplicationSettings {
  readonly defaultSparkConf?: Readonly<Record<string, string>>;
  readonly features?: readonly SparkFeature[];
  /** `spec.sparkVersion`, which the CRD requires. Default `3.5.0`. */
  readonly sparkVersion?: string;
  /** Used when the role's pod spec names none. Default `spark`, as Flyte. */
  readonly serviceAccount?: string;
  /** Pod defaults (labels, tolerations, interruptible tolerations, env, …) for both roles. */
  readonly pod?: PodBuildOptions;
}

/** The SparkApplication as JSON, in the CRD's shape. */
export type SparkApplicationObject = JsonObject & {
  apiVersion: string;
  kind: string;
  metadata: { name?: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: JsonObject;
};

const APPLICATION_TYPES: Record<SparkApplication_Type, string> = {
  [SparkApplication_Type.PYTHON]: 'Python',
  [SparkApplication_Type.JAVA]: 'Java',
  [SparkApplication_Type.SCALA]: 'Scala',
  [SparkApplication_Type.R]: 'R',
};

/** Flyte retries a failed spark-submit this often before the application counts as failed. */
const SUBMISSION_FAILURE_RETRIES = 14;

function badTask(message: string): BackendError {
  return new BackendError({ kind: 'user', retryable: false, code: 'BadTaskSpecification', message });
}

function mergeEnv(...lists: readonly (readonly V1EnvVar[] | undefined)[]): V1EnvVar[] {
  const merged = new Map<string, V1EnvVar>();
  for (const list of lists) for (const item of list ?? []) merged.set(item.name, item);
  return [...merged.values()];
}

/**
 * A role's overlay laid onto the task's pod spec (Flyte's MergeOverlayPodSpecOntoBase): pod-level
 * fields of the overlay win, the overlay's primary container is merged into the task's primary
 * (env by name), and its other containers are added.
 */
function overlayRole(base: V1PodSpec, primaryName: string, overlay: K8sPod | undefined): V1PodSpec {
  if (overlay?.podSpec === undefined) return base;
  const spec = structuredClone(overlay.podSpec) as unknown as V1PodSpec;
  const overlayPrimaryName = overlay.primaryContainerName || primaryName;
  const containers = Array.isArray(spec.containers) ? spec.containers : [];
  const primaryOverlay = containers.find((c) => c.name === overlayPrimaryName);
  const basePrimary = base.containers.find((c) => c.name === primaryName)!;
  const primary: V1Container = {
    ...basePrimary,
    ...primaryOverlay,
    name: basePrimary.name,
    env: mergeEnv(basePrimary.env, primaryOverlay?.env),
  };
  return {
    ...base,
    ...spec,
    containers: [primary, ...base.containers.filter((c) => c !== basePrimary), ...containers.filter((c) => c !== primaryOverlay)],
    tolerations: [...(base.tolerations ?? []), ...(spec.tolerations ?? [])],
    nodeSelector: { ...base.nodeSelector, ...spec.nodeSelector },
  };
}

function defined(object: Record<string, unknown>): JsonObject {
  return Object.fromEntries(
    Object.entries(object).filter(([, v]) => v !== undefined && !(Array.isArray(v) && v.length === 0) && !(typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 0)),
  ) as JsonObject;
}

interface Role {
  readonly name: 'driver' | 'executor';
  readonly pod: V1Pod;
  readonly overlay: K8sPod | undefined;
  readonly extraEnv: readonly V1EnvVar[];
}

/** One role's SparkPodSpec (the CRD's `driver` / `executor`). */
function sparkPodSpec(role: Role, conf: Readonly<Record<string, string>>, settings: SparkApplicationSettings, maxAttempts: number): { spec: JsonObject; primary: V1Container } {
  const primaryName = role.pod.metadata?.annotations?.[PRIMARY_CONTAINER_ANNOTATION] ?? role.pod.spec!.containers[0]!.name;
  const podSpec = overlayRole(role.pod.spec!, primaryName, role.overlay);
  const primary = podSpec.containers.find((c) => c.name === primaryName)!;
  const int = (key: string): number | undefined => {
    const value = confInteger(conf, key);
    if (Number.isNaN(value)) throw badTask(`Spark conf '${key}' must be a positive whole number, got '${conf[key]}'`);
    return value;
  };
  const env = mergeEnv(primary.env, [{ name: 'FLYTE_MAX_ATTEMPTS', value: String(maxAttempts) }], role.extraEnv);
  const spec = defined({
    cores: int(`spark.${role.name}.cores`),
    memory: conf[`spark.${role.name}.memory`],
    ...(role.name === 'executor' ? { instances: int('spark.executor.instances') } : {}),
    image: primary.image,
    env: env as unknown as JsonObject[],
    labels: { ...role.pod.metadata?.labels, ...role.overlay?.metadata?.labels },
    annotations: { ...role.pod.metadata?.annotations, ...role.overlay?.metadata?.annotations },
    affinity: podSpec.affinity as JsonObject | undefined,
    tolerations: podSpec.tolerations as unknown as JsonObject[] | undefined,
    nodeSelector: podSpec.nodeSelector,
    schedulerName: podSpec.schedulerName,
    hostNetwork: podSpec.hostNetwork,
    dnsConfig: podSpec.dnsConfig as JsonObject | undefined,
    podSecurityContext: podSpec.securityContext as JsonObject | undefined,
    securityContext: primary.securityContext as JsonObject | undefined,
    priorityClassName: podSpec.priorityClassName,
    serviceAccount: podSpec.serviceAccountName ?? settings.serviceAccount ?? 'spark',
  });
  return { spec, primary };
}

/** Where buildPod renders `{{ .input }}`, `{{ .outputPrefix }}` and the checkpoint paths: the attempt's own locations. */
function attemptLocations(ctx: AttemptContext, target: { namespace: string; name: string }): PodLocations {
  return {
    ...target,
    inputUri: ctx.inputsUri,
    outputPrefix: ctx.outputPrefix,
    checkpointOutputPrefix: joinUri(ctx.rawOutputPrefix, '_flytecheckpoints'),
    prevCheckpointPrefix: '',
    data: undefined,
  };
}

export function buildSparkApplication(
  ctx: AttemptContext,
  job: SparkJob,
  target: { readonly namespace: string; readonly name: string },
  settings: SparkApplicationSettings,
): SparkApplicationObject {
  if (job.mainApplicationFile === '') {
    throw badTask(`task '${ctx.template.id?.name ?? ''}' has no mainApplicationFile: the SparkApplication CRD requires one (for a JVM main class, the jar that holds it)`);
  }
  const where = attemptLocations(ctx, target);
  const podOptions = settings.pod ?? {};
  // The driver holds the application's state: losing it to a preemption loses the run, so it never goes on interruptible nodes.
  const driverPod = buildPod({ ...ctx, interruptible: false }, where, podOptions);
  const executorPod = buildPod(ctx, where, podOptions);
  const conf = layerSparkConf({
    defaults: settings.defaultSparkConf ?? {},
    features: settings.features ?? [],
    executorPath: job.executorPath,
    taskConf: job.sparkConf,
    generatedName: ctx.generatedName,
    startTimeMs: ctx.clock.now(),
  });
  const maxAttempts = (ctx.template.metadata?.retries?.retries ?? 0) + 1;
  const driver = sparkPodSpec(
    { name: 'driver', pod: driverPod, overlay: job.driverPod, extraEnv: [{ name: OUTPUT_DOCUMENT_ENV, value: outputDocumentUri(ctx) }] },
    conf,
    settings,
    maxAttempts,
  );
  const executor = sparkPodSpec({ name: 'executor', pod: executorPod, overlay: job.executorPod, extraEnv: [] }, conf, settings, maxAttempts);
  const spec = defined({
    type: APPLICATION_TYPES[job.applicationType],
    mode: 'cluster',
    image: executor.primary.image,
    mainApplicationFile: job.mainApplicationFile,
    mainClass: job.mainClass === '' ? undefined : job.mainClass,
    arguments: [...(executor.primary.args ?? [])],
    sparkVersion: settings.sparkVersion ?? '3.5.0',
    sparkConf: conf,
    hadoopConf: { ...job.hadoopConf },
    restartPolicy: { type: 'OnFailure', onSubmissionFailureRetries: SUBMISSION_FAILURE_RETRIES },
    batchScheduler: conf['spark.batchScheduler'],
    driver: driver.spec,
    executor: executor.spec,
  });
  return {
    apiVersion: SPARK_API_VERSION,
    kind: SPARK_KIND,
    metadata: { name: target.name, namespace: target.namespace, labels: { ...driverPod.metadata?.labels } },
    spec,
  };
}
