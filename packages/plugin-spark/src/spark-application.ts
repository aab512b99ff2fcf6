/**
 * TaskTemplate + SparkJob → SparkApplication (sparkoperator.k8s.io/v1beta2), as Flyte's spark
 * plugin builds it: each role's pod comes from the task's own pod spec (built by @tflyte/kubernetes,
 * so resources, env, secrets and tolerations are those of any pod task), with the role's overlay
 * (`driverPod` / `executorPod`) laid on top; the driver never lands on interruptible nodes; cores,
 * memory and instances come from the Spark conf; image and arguments from the primary container.
 */
import type { V1Container } from '@kubernetes/client-node';
import { type AttemptContext, BackendError, type JsonObject } from '@tflyte/core';
import type { K8sPod } from '@tflyte/idl/core/tasks';
import { SparkApplication_Type, type SparkJob } from '@tflyte/idl/plugins/spark';
import { type PodBuildOptions, type PodLocations, type RolePod, rolePodSpec } from '@tflyte/kubernetes';
import { confInteger, layerSparkConf, type SparkFeature } from './spark-conf.ts';
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

function defined(object: Record<string, unknown>): JsonObject {
  return Object.fromEntries(
    Object.entries(object).filter(
      ([, v]) =>
        v !== undefined &&
        !(Array.isArray(v) && v.length === 0) &&
        !(typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 0),
    ),
  ) as JsonObject;
}

/** One role's SparkPodSpec (the CRD's `driver` / `executor`) from its pod, overlay included. */
function sparkPodSpec(
  name: 'driver' | 'executor',
  pod: RolePod,
  conf: Readonly<Record<string, string>>,
  settings: SparkApplicationSettings,
): { spec: JsonObject; primary: V1Container } {
  const podSpec = pod.spec;
  const primary = podSpec.containers.find((c) => c.name === pod.primaryContainerName)!;
  const int = (key: string): number | undefined => {
    const value = confInteger(conf, key);
    if (Number.isNaN(value)) throw badTask(`Spark conf '${key}' must be a positive whole number, got '${conf[key]}'`);
    return value;
  };
  const spec = defined({
    cores: int(`spark.${name}.cores`),
    memory: conf[`spark.${name}.memory`],
    ...(name === 'executor' ? { instances: int('spark.executor.instances') } : {}),
    image: primary.image,
    env: primary.env as unknown as JsonObject[] | undefined,
    labels: pod.metadata.labels,
    annotations: pod.metadata.annotations,
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

/** The SparkApplication of an attempt whose pods read and write at `where` (see podData's `locations`). */
export function buildSparkApplication(
  ctx: AttemptContext,
  job: SparkJob,
  where: PodLocations,
  settings: SparkApplicationSettings,
): SparkApplicationObject {
  if (job.mainApplicationFile === '') {
    throw badTask(
      `task '${ctx.template.id?.name ?? ''}' has no mainApplicationFile: the SparkApplication CRD requires one (for a JVM main class, the jar that holds it)`,
    );
  }
  const maxAttempts = String((ctx.template.metadata?.retries?.retries ?? 0) + 1);
  const role = (name: 'driver' | 'executor', overlay: K8sPod | undefined, env: Record<string, string>): RolePod =>
    rolePodSpec(ctx, {
      locations: where,
      ...(settings.pod === undefined ? {} : { platform: settings.pod }),
      role: name,
      // The driver holds the application's state: losing it to a preemption loses the run, so it never goes on interruptible nodes.
      ...(name === 'driver' ? { interruptible: false } : {}),
      env: { FLYTE_MAX_ATTEMPTS: maxAttempts, ...env },
      ...(overlay === undefined ? {} : { overlay }),
    });
  const driverPod = role('driver', job.driverPod, { [OUTPUT_DOCUMENT_ENV]: outputDocumentUri(ctx) });
  const executorPod = role('executor', job.executorPod, {});
  const conf = layerSparkConf({
    defaults: settings.defaultSparkConf ?? {},
    features: settings.features ?? [],
    executorPath: job.executorPath,
    taskConf: job.sparkConf,
    generatedName: ctx.generatedName,
    startTimeMs: ctx.clock.now(),
  });
  const driver = sparkPodSpec('driver', driverPod, conf, settings);
  const executor = sparkPodSpec('executor', executorPod, conf, settings);
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
    metadata: { name: where.name, namespace: where.namespace, labels: { ...driverPod.metadata.labels } },
    spec,
  };
}
