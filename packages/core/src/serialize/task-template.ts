/**
 * Task → flyteidl TaskTemplate, field for field as flytekit fills it
 * (../shared/reference/flytekit-authoring.md §1.1), as protobuf bytes or proto3 JSON.
 */
import { create, toBinary, toJson } from '@bufbuild/protobuf';
import { DurationSchema } from '@bufbuild/protobuf/wkt';
import { IdentifierSchema, ResourceType } from '@tflyte/idl/core/identifier';
import { TypedInterfaceSchema, type Variable, VariableMapSchema, VariableSchema } from '@tflyte/idl/core/interface';
import { RetryStrategySchema } from '@tflyte/idl/core/literals';
import { Secret_MountType, SecretSchema, SecurityContextSchema } from '@tflyte/idl/core/security';
import {
  ExtendedResourcesSchema,
  GPUAcceleratorSchema,
  K8sObjectMetadataSchema,
  RuntimeMetadata_RuntimeType,
  RuntimeMetadataSchema,
  SharedMemorySchema,
  type TaskMetadata,
  TaskMetadataSchema,
  type TaskTemplate,
  TaskTemplateSchema,
} from '@tflyte/idl/core/tasks';
import corePackage from '../../package.json' with { type: 'json' };
import type { TaskDefinition } from '../task/define-task.ts';
import type { NormalizedOptions } from '../task/options.ts';
import type { TypeRecord } from '../types/flyte-type.ts';
import { defaultVersion } from './version.ts';

export const SDK_VERSION: string = corePackage.version;
export const SDK_FLAVOR = 'typescript';

export interface SerializeOptions {
  readonly project?: string;
  readonly domain?: string;
  /** Defaults to the task's own version option, else the git commit, else a content digest. */
  readonly version?: string;
  /** Image for tasks that set none. */
  readonly image?: string;
}

export function toTaskTemplate(task: TaskDefinition, options: SerializeOptions = {}): TaskTemplate {
  const o = task.options;
  return create(TaskTemplateSchema, {
    id: create(IdentifierSchema, {
      resourceType: ResourceType.TASK,
      project: options.project ?? '',
      domain: options.domain ?? '',
      name: task.name,
      version: options.version ?? defaultVersion(task),
    }),
    type: task.kind.taskType,
    metadata: taskMetadata(o),
    interface: create(TypedInterfaceSchema, {
      inputs: variableMap(task.inputs),
      outputs: variableMap(task.outputs.types),
    }),
    ...(task.kind.custom ? { custom: task.kind.custom } : {}),
    target: task.kind.target(task, { image: options.image }),
    taskTypeVersion: task.kind.taskTypeVersion,
    ...(o.secretRequests.length > 0
      ? {
          securityContext: create(SecurityContextSchema, {
            secrets: o.secretRequests.map((s) =>
              create(SecretSchema, {
                group: s.group,
                key: s.key ?? '',
                groupVersion: s.groupVersion ?? '',
                mountRequirement: { any: Secret_MountType.ANY, env: Secret_MountType.ENV_VAR, file: Secret_MountType.FILE }[
                  s.mountRequirement ?? 'any'
                ],
                envVar: s.envVar ?? '',
              }),
            ),
          }),
        }
      : {}),
    ...(o.accelerator || o.sharedMemory ? { extendedResources: extendedResources(o) } : {}),
    config: {
      ...(o.podTemplate ? { primary_container_name: o.podTemplate.primaryContainerName } : {}),
      ...task.kind.templateConfig,
    },
  });
}

export function taskTemplateToBinary(template: TaskTemplate): Uint8Array {
  return toBinary(TaskTemplateSchema, template);
}

/** proto3 JSON as flytekit's MessageToDict writes it: lowerCamelCase names, defaults omitted. */
export function taskTemplateToJson(template: TaskTemplate): unknown {
  return toJson(TaskTemplateSchema, template);
}

function taskMetadata(o: NormalizedOptions): TaskMetadata {
  return create(TaskMetadataSchema, {
    discoverable: o.cache !== undefined,
    runtime: create(RuntimeMetadataSchema, { type: RuntimeMetadata_RuntimeType.FLYTE_SDK, version: SDK_VERSION, flavor: SDK_FLAVOR }),
    ...(o.timeout ? { timeout: create(DurationSchema, { seconds: BigInt(o.timeout.seconds), nanos: o.timeout.nanos }) } : {}),
    retries: create(RetryStrategySchema, { retries: o.retries }),
    discoveryVersion: o.cache?.version ?? '',
    deprecatedErrorMessage: o.deprecated ?? '',
    ...(o.interruptible === undefined ? {} : { interruptibleValue: { case: 'interruptible', value: o.interruptible } }),
    cacheSerializable: o.cache?.serialize ?? false,
    tags: { ...o.tags },
    podTemplateName: o.podTemplateName ?? '',
    cacheIgnoreInputVars: [...(o.cache?.ignoredInputs ?? [])],
    generatesDeck: o.enableDeck,
    ...(Object.keys(o.labels).length + Object.keys(o.annotations).length > 0
      ? { metadata: create(K8sObjectMetadataSchema, { labels: { ...o.labels }, annotations: { ...o.annotations } }) }
      : {}),
  });
}

export function variableMap(types: TypeRecord) {
  const variables: Record<string, Variable> = {};
  for (const [name, type] of Object.entries(types)) {
    // flytekit describes an undocumented variable by its name (transform_variable_map), and the Console shows it.
    variables[name] = create(VariableSchema, { type: type.literalType(), description: type.description ?? name });
  }
  return create(VariableMapSchema, { variables });
}

function extendedResources(o: NormalizedOptions) {
  const a = o.accelerator;
  return create(ExtendedResourcesSchema, {
    ...(a
      ? {
          gpuAccelerator: create(GPUAcceleratorSchema, {
            device: a.device,
            partitionSizeValue:
              'unpartitioned' in a
                ? { case: 'unpartitioned', value: true }
                : a.partition !== undefined
                  ? { case: 'partitionSize', value: a.partition }
                  : { case: undefined },
          }),
        }
      : {}),
    ...(o.sharedMemory
      ? {
          sharedMemory: create(SharedMemorySchema, {
            mountName: 'flyte-shared-memory',
            mountPath: '/dev/shm',
            sizeLimit: o.sharedMemory.sizeLimit,
          }),
        }
      : {}),
  });
}
