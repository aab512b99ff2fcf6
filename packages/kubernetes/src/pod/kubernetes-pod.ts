/**
 * `kubernetesPod()`: the Backend that runs container-target task types — function tasks
 * (`container`) and container tasks (`raw-container`) — as Kubernetes pods, built on the shared
 * resource backend: one watch per namespace for every pod, Flyte's phase tables, log links, and
 * the pod deleted once its attempt is over.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { InvalidOptionError, type StatusCheckPolicy } from '@tflyte/core';
import type { KubeClient } from '../kube/kube-client.ts';
import { lazyKubeClient } from '../kube/lazy-client.ts';
import { POD_KIND } from '../kube/resource-kind.ts';
import { kubernetesResourceBackend, type ResourceBackend } from '../resource-backend.ts';
import { buildPod, type PodBuildOptions } from './build-pod.ts';
import { type LogLinkTemplate, renderLogLinks } from './log-links.ts';
import { type PodDataOptions, podData } from './pod-data.ts';
import { DEFAULT_POD_PHASE_OPTIONS, podPhase } from './pod-phase.ts';
import { podTemplateSource } from './pod-templates.ts';
import type { PodView } from './pod-view.ts';

export interface KubernetesPodOptions extends PodBuildOptions, PodDataOptions {
  /** Backend name in events and the state store. Default `kubernetes-pod`. */
  readonly name?: string;
  /** A client to share with other backends (one watch per namespace for all of them). */
  readonly client?: KubeClient;
  /** Used when no client is given; default: the kubeconfig kubectl would use. */
  readonly kubeConfig?: KubeConfig;
  /** A context of the default kubeconfig. */
  readonly context?: string;
  /** Default: the context's namespace, else `default`. */
  readonly namespace?: string;
  /**
   * A cluster PodTemplate (core/v1 `podtemplates`, in the pod's namespace) used as the base of tasks
   * that name none with `podTemplateName`, when it exists; it takes the place of `podTemplate`.
   * Flyte's `default-pod-template-name`.
   */
  readonly defaultPodTemplateName?: string;
  /**
   * Add the pod's latest Kubernetes Event, when it is a Warning (FailedScheduling, BackOff,
   * FailedMount…), to the message of pending and running statuses. One events watch per namespace.
   * Default true.
   */
  readonly podEvents?: boolean;
  /** Log links shown once a pod is scheduled. */
  readonly logLinks?: readonly LogLinkTemplate[];
  /** How long ImagePullBackOff is tolerated. Default 3 min. */
  readonly imagePullGracePeriodMs?: number;
  /** How long CreateContainerError is tolerated. Default 3 min. */
  readonly createContainerErrorGracePeriodMs?: number;
  /** How long CreateContainerConfigError is tolerated. Default 0. */
  readonly createContainerConfigErrorGracePeriodMs?: number;
  /** A pod pending longer fails (retryable). Default 0: no limit. */
  readonly podPendingTimeoutMs?: number;
  /** Delete each pod once its attempt is over. Default true. */
  readonly deleteWhenDone?: boolean;
  /** Backoff between creates while a resource quota is full. Default 2 s → 20 s. */
  readonly createBackoff?: { readonly initialMs: number; readonly maxMs: number };
  /** Tolerance for failed status reads (a broken watch, an unreachable API server). Default the executor's. */
  readonly statusChecks?: Partial<StatusCheckPolicy>;
}

export const KUBERNETES_POD_BACKEND = 'kubernetes-pod';

function nonNegative(value: number | undefined, option: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < 0)
    throw new InvalidOptionError('kubernetesPod', option, `must be a non-negative number of milliseconds, got ${value}`);
  return value;
}

export function kubernetesPod(options: KubernetesPodOptions = {}): ResourceBackend {
  const phaseOptions = {
    imagePullBackoffGraceMs: nonNegative(
      options.imagePullGracePeriodMs,
      'imagePullGracePeriodMs',
      DEFAULT_POD_PHASE_OPTIONS.imagePullBackoffGraceMs,
    ),
    createContainerErrorGraceMs: nonNegative(
      options.createContainerErrorGracePeriodMs,
      'createContainerErrorGracePeriodMs',
      DEFAULT_POD_PHASE_OPTIONS.createContainerErrorGraceMs,
    ),
    createContainerConfigErrorGraceMs: nonNegative(
      options.createContainerConfigErrorGracePeriodMs,
      'createContainerConfigErrorGracePeriodMs',
      DEFAULT_POD_PHASE_OPTIONS.createContainerConfigErrorGraceMs,
    ),
    podPendingTimeoutMs: nonNegative(options.podPendingTimeoutMs, 'podPendingTimeoutMs', DEFAULT_POD_PHASE_OPTIONS.podPendingTimeoutMs),
  };
  // The connection is made on first use: a config file that names this backend loads without a cluster.
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

  return kubernetesResourceBackend<PodView>({
    name: options.name ?? KUBERNETES_POD_BACKEND,
    kind: POD_KIND,
    client,
    ...(options.namespace === undefined ? {} : { namespace: options.namespace }),
    ...(options.deleteWhenDone === undefined ? {} : { deleteWhenDone: options.deleteWhenDone }),
    ...(options.createBackoff === undefined ? {} : { createBackoff: options.createBackoff }),
    ...(options.statusChecks === undefined ? {} : { statusChecks: options.statusChecks }),
    objectEvents: options.podEvents ?? true,
    async prepare(ctx, target) {
      // First: a task naming a PodTemplate that does not exist fails before anything is uploaded.
      await baseTemplate(ctx, target.namespace);
      await data.upload(ctx, data.locations(ctx, target));
    },
    async build(ctx, target) {
      const podTemplate = await baseTemplate(ctx, target.namespace);
      return buildPod(ctx, data.locations(ctx, target), { ...options, podTemplate }) as PodView;
    },
    phaseOf: (pod, ctx, now) => podPhase(pod, now, phaseOptions, renderLogLinks(logLinks, pod, ctx)),
    finalize: (status, pod, ctx) =>
      data.collect(status, ctx, data.locations(ctx, { namespace: pod.metadata?.namespace ?? '', name: pod.metadata?.name ?? '' })),
  });
}
