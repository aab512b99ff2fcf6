/**
 * Laying one pod spec over another, by container name — the merge every pod of a job goes through:
 * a base pod template under the task's spec, and a role's own overlay (a Spark `driverPod` /
 * `executorPod`) over the role's pod, as Flyte's MergeOverlayPodSpecOntoBase does.
 */
import type { V1Container, V1EnvVar, V1PodSpec } from '@kubernetes/client-node';
import type { JsonObject } from '@tflyte/core';

/** Later lists win by name; order is first appearance. */
export function mergeByName<T extends { name: string }>(...lists: readonly (readonly T[] | undefined)[]): T[] {
  const merged = new Map<string, T>();
  for (const list of lists) for (const item of list ?? []) merged.set(item.name, item);
  return [...merged.values()];
}

/** A role's overlay, in the shape of flyteidl's K8sPod (so a SparkJob's `driverPod` passes as is). */
export interface PodOverlay {
  readonly podSpec?: V1PodSpec | JsonObject | undefined;
  /** The overlay's container that is merged into the role's primary. Default: the primary's own name. */
  readonly primaryContainerName?: string | undefined;
  readonly metadata?:
    | { readonly labels?: Readonly<Record<string, string>>; readonly annotations?: Readonly<Record<string, string>> }
    | undefined;
}

/**
 * `overlay` laid onto `base`: the overlay's pod-level fields win, its primary container is merged
 * into the base's primary (fields of the overlay win, env by name, then `lastEnv` on top), its other
 * containers are added, tolerations are joined and node selectors merged.
 */
export function overlayPodSpec(
  base: V1PodSpec,
  primaryName: string,
  overlay: PodOverlay | undefined,
  lastEnv: readonly V1EnvVar[] = [],
): V1PodSpec {
  if (overlay?.podSpec === undefined) return base;
  const spec = structuredClone(overlay.podSpec) as unknown as V1PodSpec;
  const overlayPrimaryName = overlay.primaryContainerName || primaryName;
  const containers: V1Container[] = Array.isArray(spec.containers) ? spec.containers : [];
  const primaryOverlay = containers.find((c) => c.name === overlayPrimaryName);
  const basePrimary = base.containers.find((c) => c.name === primaryName)!;
  const env = mergeByName(basePrimary.env, primaryOverlay?.env, lastEnv);
  const primary: V1Container = { ...basePrimary, ...primaryOverlay, name: basePrimary.name, ...(env.length > 0 ? { env } : {}) };
  const tolerations = [...(base.tolerations ?? []), ...(spec.tolerations ?? [])];
  const nodeSelector = { ...base.nodeSelector, ...spec.nodeSelector };
  return {
    ...base,
    ...spec,
    containers: [primary, ...base.containers.filter((c) => c !== basePrimary), ...containers.filter((c) => c !== primaryOverlay)],
    ...(tolerations.length > 0 ? { tolerations } : { tolerations: undefined }),
    ...(Object.keys(nodeSelector).length > 0 ? { nodeSelector } : { nodeSelector: undefined }),
  };
}
