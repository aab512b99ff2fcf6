/**
 * The primary container's resources as Flyte's pod plugin fills them (flytek8s container_helper):
 * a missing request takes the limit or the platform default, a missing limit takes the request, a
 * request never exceeds its limit; GPUs and ephemeral storage only when asked for.
 */
import type { V1ResourceRequirements } from '@kubernetes/client-node';
import { parseQuantity } from '@tflyte/core';
import { type Resources_ResourceEntry, Resources_ResourceName } from '@tflyte/idl/core/tasks';

export interface ResourceDefaults {
  /** CPU request (and limit) for a task that sets neither. Default `1000m`. */
  readonly cpu?: string;
  /** Memory request (and limit) for a task that sets neither. Default `1024Mi`. */
  readonly memory?: string;
  /** The extended resource GPUs are requested as. Default `nvidia.com/gpu`. */
  readonly gpuResourceName?: string;
}

type Quantities = Record<string, string>;

/** k8s resource names of the flyteidl enum. */
function resourceName(name: Resources_ResourceName, gpuResourceName: string): string | undefined {
  switch (name) {
    case Resources_ResourceName.CPU:
      return 'cpu';
    case Resources_ResourceName.MEMORY:
      return 'memory';
    case Resources_ResourceName.GPU:
      return gpuResourceName;
    case Resources_ResourceName.EPHEMERAL_STORAGE:
      return 'ephemeral-storage';
    default:
      return undefined;
  }
}

export function entriesToQuantities(entries: readonly Resources_ResourceEntry[], gpuResourceName: string): Quantities {
  const out: Quantities = {};
  for (const entry of entries) {
    const name = resourceName(entry.name, gpuResourceName);
    if (name !== undefined && entry.value !== '') out[name] = entry.value;
  }
  return out;
}

/** Fills and clamps requests/limits; `gpu` in either list is rewritten to the configured resource name. */
export function completeResources(
  resources: { requests?: Quantities; limits?: Quantities },
  defaults: ResourceDefaults = {},
): V1ResourceRequirements {
  const gpu = defaults.gpuResourceName ?? 'nvidia.com/gpu';
  // String(): a K8sPod target's quantities come from its JSON pod spec, where `cpu: 1` is a number.
  const rename = (q: Quantities = {}): Quantities =>
    Object.fromEntries(Object.entries(q).map(([k, v]) => [k === 'gpu' ? gpu : k, String(v)]));
  const requests = rename(resources.requests);
  const limits = rename(resources.limits);
  const fallback: Quantities = { cpu: defaults.cpu ?? '1000m', memory: defaults.memory ?? '1024Mi' };
  for (const name of new Set([...Object.keys(fallback), ...Object.keys(requests), ...Object.keys(limits)])) {
    const request = requests[name] ?? limits[name] ?? fallback[name];
    if (request === undefined) continue;
    let limit = limits[name] ?? request;
    // Extended resources such as GPUs cannot be overcommitted: the request is the limit.
    if (name === gpu) limit = request;
    const r = parseQuantity(request);
    const l = parseQuantity(limit);
    requests[name] = r !== undefined && l !== undefined && r > l ? limit : request;
    limits[name] = limit;
  }
  return { requests, limits };
}

/**
 * A replica's own flyteidl Resources (a PyTorch worker group's) as a role's replacement resources, or
 * undefined when it sets none and the task's stand. GPUs stay `gpu` until the platform names them.
 */
export function resourcesOverride(
  resources: { readonly requests: readonly Resources_ResourceEntry[]; readonly limits: readonly Resources_ResourceEntry[] } | undefined,
) {
  if (resources === undefined || (resources.requests.length === 0 && resources.limits.length === 0)) return undefined;
  return { requests: entriesToQuantities(resources.requests, 'gpu'), limits: entriesToQuantities(resources.limits, 'gpu') };
}
