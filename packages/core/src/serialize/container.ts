/**
 * The Container and K8sPod targets every container-based task kind shares: image, resources and
 * env from the task's options, and a pod template's primary container merged the way flytekit does.
 */
import { create } from '@bufbuild/protobuf';
import { KeyValuePairSchema } from '@tflyte/idl/core/literals';
import {
  type Container,
  ContainerSchema,
  type DataLoadingConfig,
  K8sObjectMetadataSchema,
  K8sPodSchema,
  type Resources_ResourceEntry,
  Resources_ResourceEntrySchema,
  Resources_ResourceName,
  ResourcesSchema,
} from '@tflyte/idl/core/tasks';
import { TflyteError } from '../errors.ts';
import type { TargetContext, TaskDefinition, TaskTarget } from '../task/define-task.ts';
import type { NormalizedResources } from '../task/options.ts';
import type { JsonObject, JsonValue } from '../types/flyte-type.ts';

/**
 * In flytekit's order (ephemeral storage first, then cpu, gpu, memory), with the names flytekit writes
 * into a pod spec: the ResourceName lower-cased with `_` as `-`, so GPUs are `gpu`, which propeller
 * renames to its configured GPU resource (`nvidia.com/gpu` by default) when it builds the pod.
 */
const RESOURCE_NAMES: ReadonlyArray<[keyof NormalizedResources, Resources_ResourceName, string]> = [
  ['ephemeralStorage', Resources_ResourceName.EPHEMERAL_STORAGE, 'ephemeral-storage'],
  ['cpu', Resources_ResourceName.CPU, 'cpu'],
  ['gpu', Resources_ResourceName.GPU, 'gpu'],
  ['mem', Resources_ResourceName.MEMORY, 'memory'],
];

export interface ContainerParts {
  readonly command: readonly string[];
  readonly args: readonly string[];
  readonly dataConfig?: DataLoadingConfig;
}

function resolveImage(task: TaskDefinition, ctx: TargetContext): string {
  const image = task.options.image ?? ctx.image;
  if (!image) {
    throw new TflyteError(
      'TFLYTE_INVALID_OPTION',
      `task '${task.name}' has no image: set { image: '…' } on the task or pass a default image when serializing (--image)`,
    );
  }
  return image;
}

export function buildContainer(task: TaskDefinition, ctx: TargetContext, parts: ContainerParts): Container {
  const entries = (spec: NormalizedResources): Resources_ResourceEntry[] =>
    RESOURCE_NAMES.filter(([key]) => spec[key] !== undefined).map(([key, name]) =>
      create(Resources_ResourceEntrySchema, { name, value: spec[key] }),
    );
  return create(ContainerSchema, {
    image: resolveImage(task, ctx),
    command: [...parts.command],
    args: [...parts.args],
    resources: create(ResourcesSchema, { requests: entries(task.options.requests), limits: entries(task.options.limits) }),
    env: Object.entries(task.options.env).map(([key, value]) => create(KeyValuePairSchema, { key, value })),
    ...(parts.dataConfig ? { dataConfig: parts.dataConfig } : {}),
  });
}

/** A Container target, or a K8sPod target when the task has a pod template. */
export function containerTarget(task: TaskDefinition, ctx: TargetContext, parts: ContainerParts): TaskTarget {
  const container = buildContainer(task, ctx, parts);
  const template = task.options.podTemplate;
  if (!template) return { case: 'container', value: container };
  return {
    case: 'k8sPod',
    value: create(K8sPodSchema, {
      metadata: create(K8sObjectMetadataSchema, { labels: { ...template.labels }, annotations: { ...template.annotations } }),
      podSpec: mergePrimaryContainer(template.podSpec, template.primaryContainerName, task, container),
      primaryContainerName: template.primaryContainerName,
      ...(parts.dataConfig ? { dataConfig: parts.dataConfig } : {}),
    }),
  };
}

/**
 * The primary container merged as flytekit's `_serialize_pod_spec` merges it:
 * - the template's own image wins when it names one, else the task's;
 * - command and args are the task's;
 * - the task's resources replace the template's wholesale when it sets any (a template limit of
 *   `gpu: 999` beside the task's `gpu: 1` would otherwise reach the pod);
 * - env is the task's first, then the template's, both kept;
 * - a missing primary container is appended; every other container is left as written.
 */
function mergePrimaryContainer(podSpec: JsonObject, primary: string, task: TaskDefinition, container: Container): JsonObject {
  const spec = structuredClone(podSpec);
  const containers = (Array.isArray(spec.containers) ? spec.containers : []) as JsonObject[];
  let target = containers.find((c) => c.name === primary);
  if (!target) {
    target = { name: primary };
    containers.push(target);
  }
  if (typeof target.image !== 'string' || target.image === '') target.image = container.image;
  target.command = [...container.command];
  target.args = [...container.args];
  const resources: JsonObject = {};
  for (const side of ['limits', 'requests'] as const) {
    const values: JsonObject = {};
    for (const [key, , k8sName] of RESOURCE_NAMES) {
      const value = task.options[side][key];
      if (value !== undefined) values[k8sName] = value;
    }
    resources[side] = values;
  }
  if (Object.keys(resources.limits as JsonObject).length + Object.keys(resources.requests as JsonObject).length > 0)
    target.resources = resources;
  const taskEnv: JsonValue[] = Object.entries(task.options.env).map(([name, value]) => ({ name, value }));
  const templateEnv = (Array.isArray(target.env) ? target.env : []) as JsonValue[];
  if (taskEnv.length + templateEnv.length > 0) target.env = [...taskEnv, ...templateEnv];
  spec.containers = containers;
  return spec;
}
