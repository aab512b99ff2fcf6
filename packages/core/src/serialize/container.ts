/**
 * The Container and K8sPod targets every container-based task kind shares: image, resources and
 * env from the task's options, and a pod template's primary container merged the way flytekit does.
 */
import { create } from '@bufbuild/protobuf';
import {
  type Container,
  ContainerSchema,
  type DataLoadingConfig,
  K8sObjectMetadataSchema,
  K8sPodSchema,
  type Resources_ResourceEntry,
  ResourcesSchema,
  Resources_ResourceEntrySchema,
  Resources_ResourceName,
} from '@tflyte/idl/core/tasks';
import { KeyValuePairSchema } from '@tflyte/idl/core/literals';
import { TflyteError } from '../errors.ts';
import type { TaskDefinition, TaskTarget, TargetContext } from '../task/define-task.ts';
import type { NormalizedResources } from '../task/options.ts';
import type { JsonObject, JsonValue } from '../types/flyte-type.ts';

const RESOURCE_NAMES: ReadonlyArray<[keyof NormalizedResources, Resources_ResourceName, string]> = [
  ['cpu', Resources_ResourceName.CPU, 'cpu'],
  ['gpu', Resources_ResourceName.GPU, 'nvidia.com/gpu'],
  ['mem', Resources_ResourceName.MEMORY, 'memory'],
  ['ephemeralStorage', Resources_ResourceName.EPHEMERAL_STORAGE, 'ephemeral-storage'],
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
 * The task's container replaces the primary container's image, command and args; resources and
 * env are merged with the task's values winning; a missing primary container is appended.
 */
function mergePrimaryContainer(podSpec: JsonObject, primary: string, task: TaskDefinition, container: Container): JsonObject {
  const spec = structuredClone(podSpec);
  const containers = (Array.isArray(spec.containers) ? spec.containers : []) as JsonObject[];
  let target = containers.find((c) => c.name === primary);
  if (!target) {
    target = { name: primary };
    containers.push(target);
  }
  target.image = container.image;
  target.command = [...container.command];
  target.args = [...container.args];
  const resources = (target.resources ?? {}) as { requests?: JsonObject; limits?: JsonObject };
  const merged: JsonObject = {};
  for (const side of ['requests', 'limits'] as const) {
    const values: JsonObject = { ...(resources[side] ?? {}) };
    for (const [key, , k8sName] of RESOURCE_NAMES) {
      const value = task.options[side][key];
      if (value !== undefined) values[k8sName] = value;
    }
    if (Object.keys(values).length > 0) merged[side] = values;
  }
  if (Object.keys(merged).length > 0) target.resources = merged;
  const env = new Map<string, JsonValue>();
  for (const e of (Array.isArray(target.env) ? target.env : []) as JsonObject[]) env.set(String(e.name), e);
  for (const [name, value] of Object.entries(task.options.env)) env.set(name, { name, value });
  if (env.size > 0) target.env = [...env.values()];
  spec.containers = containers;
  return spec;
}
