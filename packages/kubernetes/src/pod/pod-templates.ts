/**
 * The base pod template of an attempt, as Flyte's pod plugin picks it (flytek8s getBasePodTemplate):
 * the cluster PodTemplate the task names (`podTemplateName`), else the one named by
 * `defaultPodTemplateName` when it exists, else the inline `podTemplate` option.
 *
 * Templates are read with one GET per (namespace, name) and kept for the backend's lifetime. Flyte
 * watches every PodTemplate instead; here a watch would hold a connection (and the CLI process) open
 * for configuration that rarely changes, and the Backend contract has no close to end it. Absence is
 * not kept, so a template created after a failed attempt is found by the next one.
 */
import { type AttemptContext, BackendError, type JsonObject } from '@tflyte/core';
import { apiFailure, KUBERNETES_API_ERROR } from '../kube/api-errors.ts';
import type { KubeClient } from '../kube/kube-client.ts';
import type { KubeObject } from '../kube/kube-object.ts';
import type { ResourceKind } from '../kube/resource-kind.ts';
import type { BasePodTemplate } from './build-pod.ts';

export const POD_TEMPLATE_KIND: ResourceKind = { apiVersion: 'v1', kind: 'PodTemplate', plural: 'podtemplates' };

export interface PodTemplateSourceOptions {
  /** Flyte's `default-pod-template-name`: used by tasks that name none, when it exists in the namespace. */
  readonly defaultPodTemplateName?: string;
  /** The base when no cluster PodTemplate applies. */
  readonly podTemplate?: BasePodTemplate;
}

/** A core/v1 PodTemplate as wire JSON. */
interface PodTemplateView extends KubeObject {
  template?: { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> }; spec?: JsonObject };
}

export type PodTemplateSource = (ctx: AttemptContext, namespace: string) => Promise<BasePodTemplate | undefined>;

/** A cluster PodTemplate as a base: its `template` (metadata labels/annotations and spec). */
function asBase(podTemplate: PodTemplateView): BasePodTemplate {
  const template = podTemplate.template ?? {};
  const metadata = template.metadata ?? {};
  return {
    metadata: {
      ...(metadata.labels ? { labels: metadata.labels } : {}),
      ...(metadata.annotations ? { annotations: metadata.annotations } : {}),
    },
    ...(template.spec ? { spec: template.spec } : {}),
  };
}

export function podTemplateSource(client: KubeClient, options: PodTemplateSourceOptions = {}): PodTemplateSource {
  const known = new Map<string, Promise<BasePodTemplate | undefined>>();

  const load = (namespace: string, name: string): Promise<BasePodTemplate | undefined> => {
    const key = `${namespace}/${name}`;
    let loading = known.get(key);
    if (loading === undefined) {
      // Concurrent attempts share one GET; only a template that exists is kept.
      loading = client
        .get<PodTemplateView>(POD_TEMPLATE_KIND, namespace, name)
        .then((found) => (found === undefined ? undefined : asBase(found)));
      known.set(key, loading);
      loading.then(
        (base) => base === undefined && known.delete(key),
        () => known.delete(key),
      );
    }
    return loading.catch((error: unknown) => {
      throw new BackendError(
        {
          kind: 'system',
          retryable: true,
          code: KUBERNETES_API_ERROR,
          message: `reading PodTemplate '${name}' in namespace '${namespace}': ${apiFailure(error).message}`,
        },
        { cause: error },
      );
    });
  };

  return async (ctx, namespace) => {
    const named = ctx.template.metadata?.podTemplateName ?? '';
    if (named !== '') {
      const base = await load(namespace, named);
      if (base === undefined) {
        throw new BackendError({
          kind: 'user',
          retryable: false,
          code: 'BadTaskSpecification',
          message: `PodTemplate '${named}' named by task '${ctx.template.id?.name ?? ctx.template.type}' (podTemplateName) does not exist in namespace '${namespace}': create it there, or change the task's podTemplateName`,
        });
      }
      return base;
    }
    const fallback = options.defaultPodTemplateName ?? '';
    const base = fallback === '' ? undefined : await load(namespace, fallback);
    return base ?? options.podTemplate;
  };
}
