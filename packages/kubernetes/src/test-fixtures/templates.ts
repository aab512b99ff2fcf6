/** TaskTemplates with a Container target, for tests that run them as pods. */
import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { SecretSchema, SecurityContextSchema } from '@tflyte/idl/core/security';
import {
  ContainerSchema,
  type DataLoadingConfig,
  ExtendedResourcesSchema,
  K8sObjectMetadataSchema,
  Resources_ResourceEntrySchema,
  Resources_ResourceName,
  type TaskTemplate,
} from '@tflyte/idl/core/tasks';
import { type TestTaskOptions, testTaskTemplate } from '@tflyte/testing';

type Quantities = Partial<Record<'cpu' | 'memory' | 'gpu' | 'ephemeralStorage', string>>;

export interface ContainerTemplateOptions extends Omit<TestTaskOptions, 'type'> {
  readonly type?: string;
  readonly image?: string;
  readonly command?: readonly string[];
  readonly args?: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  readonly requests?: Quantities;
  readonly limits?: Quantities;
  readonly extendedResources?: MessageInitShape<typeof ExtendedResourcesSchema>;
  readonly secrets?: readonly MessageInitShape<typeof SecretSchema>[];
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly dataConfig?: DataLoadingConfig;
  /** TaskMetadata.podTemplateName: a cluster PodTemplate to build the pod on. */
  readonly podTemplateName?: string;
}

const NAMES = {
  cpu: Resources_ResourceName.CPU,
  memory: Resources_ResourceName.MEMORY,
  gpu: Resources_ResourceName.GPU,
  ephemeralStorage: Resources_ResourceName.EPHEMERAL_STORAGE,
};

const entries = (spec: Quantities = {}) =>
  Object.entries(spec).map(([key, value]) => create(Resources_ResourceEntrySchema, { name: NAMES[key as keyof Quantities], value }));

/** A `container` task running `command` (default `sh -c true`) in `busybox`. */
export function containerTemplate(options: ContainerTemplateOptions = {}): TaskTemplate {
  const template = testTaskTemplate({ ...options, type: options.type ?? 'container' });
  template.target = {
    case: 'container',
    value: create(ContainerSchema, {
      image: options.image ?? 'busybox',
      command: [...(options.command ?? ['sh', '-c', 'true'])],
      args: [...(options.args ?? [])],
      env: Object.entries(options.env ?? {}).map(([key, value]) => ({ key, value })),
      resources: { requests: entries(options.requests), limits: entries(options.limits) },
      ...(options.dataConfig ? { dataConfig: options.dataConfig } : {}),
    }),
  };
  if (options.podTemplateName) template.metadata!.podTemplateName = options.podTemplateName;
  if (options.extendedResources) template.extendedResources = create(ExtendedResourcesSchema, options.extendedResources);
  if (options.secrets)
    template.securityContext = create(SecurityContextSchema, { secrets: options.secrets.map((s) => create(SecretSchema, s)) });
  if (options.labels || options.annotations) {
    template.metadata!.metadata = create(K8sObjectMetadataSchema, {
      labels: { ...options.labels },
      annotations: { ...options.annotations },
    });
  }
  return template;
}
