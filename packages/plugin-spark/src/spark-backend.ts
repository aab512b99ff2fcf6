/**
 * The backend of `spark` tasks: one SparkApplication per attempt, created, followed through the
 * shared watch and deleted by @tflyte/kubernetes' resource backend (Flyte's k8s plugin manager:
 * create-error table, one watch per namespace, deletion when the attempt is over). This module
 * supplies only what is Spark's: the manifest, the phase table and log links, and the outputs.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { type AsyncBackend, type Storage, type TaskStatus, Phase, createFileStore, createStorage, failed, succeeded } from '@tflyte/core';
import { type KubeClient, type KubeObject, type ResourceHandle, type ResourceKind, createKubeClient, kubernetesResourceBackend } from '@tflyte/kubernetes';
import type { TaskTemplate } from '@tflyte/idl/core/tasks';
import type { SparkJob } from '@tflyte/idl/plugins/spark';
import { type SparkApplicationSettings, SPARK_API_VERSION, SPARK_KIND, buildSparkApplication } from './spark-application.ts';
import { collectOutputs } from './spark-outputs.ts';
import { type SparkApplicationView, type SparkLinkOptions, sparkPhase } from './spark-phase.ts';

export const SPARK_BACKEND = 'kubernetes-spark';

export const SPARK_APPLICATION_KIND: ResourceKind = { apiVersion: SPARK_API_VERSION, kind: SPARK_KIND, plural: 'sparkapplications' };

export type SparkHandle = ResourceHandle;

export interface SparkBackendOptions extends SparkApplicationSettings, SparkLinkOptions {
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
}

/** `readJob` reads a task's SparkJob from its template (the plugin definition's `configOf`). */
export function sparkBackend(options: SparkBackendOptions, readJob: (template: TaskTemplate) => SparkJob): AsyncBackend<SparkHandle> {
  const storage = options.storage ?? createStorage([createFileStore()]);
  // The connection is made on first use, so that a config file naming this plugin loads without a cluster.
  let backend: AsyncBackend<SparkHandle> | undefined;
  const resolve = (): AsyncBackend<SparkHandle> =>
    (backend ??= kubernetesResourceBackend<SparkApplicationView & KubeObject>({
      name: SPARK_BACKEND,
      kind: SPARK_APPLICATION_KIND,
      client:
        options.client ??
        createKubeClient({ ...(options.kubeConfig ? { kubeConfig: options.kubeConfig } : {}), ...(options.context ? { context: options.context } : {}) }),
      ...(options.namespace === undefined ? {} : { namespace: options.namespace }),
      ...(options.deleteWhenDone === undefined ? {} : { deleteWhenDone: options.deleteWhenDone }),
      build: (ctx, target) => buildSparkApplication(ctx, readJob(ctx.template), target, options) as never,
      phaseOf: (app, ctx) => ({ status: sparkPhase(app, ctx, options) }),
      finalize: async (status, _app, ctx): Promise<TaskStatus> => {
        if (status.phase !== Phase.SUCCEEDED) return status;
        const collected = await collectOutputs(ctx, storage);
        return collected.ok ? succeeded(collected.outputs, status.logs === undefined ? {} : { logs: status.logs }) : failed(collected.failure, status.logs === undefined ? {} : { logs: status.logs });
      },
    }) as unknown as AsyncBackend<SparkHandle>);

  return {
    name: SPARK_BACKEND,
    handleVersion: 1,
    create: (ctx) => resolve().create(ctx),
    get: (handle, ctx) => resolve().get(handle, ctx),
    delete: (handle, ctx) => resolve().delete(handle, ctx),
    watch: (handle, ctx, onStatus, signal, onError) => resolve().watch!(handle, ctx, onStatus, signal, onError),
  };
}
