/**
 * The backend of `spark` tasks: one SparkApplication per attempt, created, followed through the
 * shared watch and deleted by @tflyte/kubernetes' resource backend (Flyte's k8s plugin manager:
 * create-error table, one watch per namespace, deletion when the attempt is over). This module
 * supplies only what is Spark's: the manifest, the phase table and log links, and the outputs.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import {
  createFileStore,
  createStorage,
  failed,
  Phase,
  type StatusCheckPolicy,
  type Storage,
  succeeded,
  type TaskStatus,
} from '@tflyte/core';
import type { TaskTemplate } from '@tflyte/idl/core/tasks';
import type { SparkJob } from '@tflyte/idl/plugins/spark';
import {
  type KubeClient,
  type KubeObject,
  kubernetesResourceBackend,
  lazyKubeClient,
  podData,
  type ResourceBackend,
  type ResourceHandle,
  type ResourceKind,
} from '@tflyte/kubernetes';
import { buildSparkApplication, SPARK_API_VERSION, SPARK_KIND, type SparkApplicationSettings } from './spark-application.ts';
import type { SparkLocalOptions } from './spark-local.ts';
import { collectOutputs } from './spark-outputs.ts';
import { type SparkApplicationView, type SparkLinkOptions, sparkPhase } from './spark-phase.ts';

export const SPARK_BACKEND = 'kubernetes-spark';

export const SPARK_APPLICATION_KIND: ResourceKind = { apiVersion: SPARK_API_VERSION, kind: SPARK_KIND, plural: 'sparkapplications' };

export type SparkHandle = ResourceHandle;

export interface SparkBackendOptions extends SparkApplicationSettings, SparkLinkOptions {
  /**
   * `kubernetes` (default): a SparkApplication per attempt. `local`: `spark-submit --master local[N]`
   * on this machine, for trying a task without a cluster.
   */
  readonly mode?: 'kubernetes' | 'local';
  /** How local runs find and run spark-submit. */
  readonly local?: SparkLocalOptions;
  /** A client to share with other Kubernetes backends (one watch per namespace for all of them). */
  readonly client?: KubeClient;
  /** Used when no client is given; default: the kubeconfig kubectl would use. */
  readonly kubeConfig?: KubeConfig;
  readonly context?: string;
  /** Where SparkApplications go. Default: the context's namespace, else `default`. */
  readonly namespace?: string;
  /** Object stores the application writes its outputs to (s3://, gs://, file://). Default: file:// only. */
  readonly storage?: Storage;
  /** Delete each SparkApplication once its attempt is over. Default true. */
  readonly deleteWhenDone?: boolean;
  /** Tolerance for failed status reads (default: the executor's, 5 in a row). */
  readonly statusChecks?: Partial<StatusCheckPolicy>;
}

/** `readJob` reads a task's SparkJob from its template (the plugin definition's `configOf`). */
export function sparkBackend(options: SparkBackendOptions, readJob: (template: TaskTemplate) => SparkJob): ResourceBackend {
  const storage = options.storage ?? createStorage([createFileStore()]);
  // Where {{ .input }}, {{ .outputPrefix }} and the checkpoint paths point: the attempt's own locations, as for any pod.
  const data = podData({ storage });
  return kubernetesResourceBackend<SparkApplicationView & KubeObject>({
    name: SPARK_BACKEND,
    kind: SPARK_APPLICATION_KIND,
    // Connects on first use, so that a config file naming this plugin loads without a cluster.
    client:
      options.client ??
      lazyKubeClient({
        ...(options.kubeConfig ? { kubeConfig: options.kubeConfig } : {}),
        ...(options.context ? { context: options.context } : {}),
      }),
    ...(options.namespace === undefined ? {} : { namespace: options.namespace }),
    ...(options.deleteWhenDone === undefined ? {} : { deleteWhenDone: options.deleteWhenDone }),
    ...(options.statusChecks === undefined ? {} : { statusChecks: options.statusChecks }),
    prepare: (ctx, target) => data.upload(ctx, data.locations(ctx, target)),
    build: (ctx, target) => buildSparkApplication(ctx, readJob(ctx.template), data.locations(ctx, target), options),
    phaseOf: (app, ctx) => ({ status: sparkPhase(app, ctx, options) }),
    async finalize(status, _app, ctx): Promise<TaskStatus> {
      if (status.phase !== Phase.SUCCEEDED) return status;
      const collected = await collectOutputs(ctx, storage);
      const details = status.logs === undefined ? {} : { logs: status.logs };
      return collected.ok ? succeeded(collected.outputs, details) : failed(collected.failure, details);
    },
  });
}
