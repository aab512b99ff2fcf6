/**
 * Wire compatibility with Flyte's own encoder: the @flyteorg/flyteidl package ships protobufjs code
 * generated from the same .proto files. Bytes we write must decode there to the same values, and
 * bytes it writes must decode here.
 */
import { createRequire } from 'node:module';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { DurationSchema } from '@bufbuild/protobuf/wkt';
import { CreateTaskRequestSchema } from '@tflyte/idl/admin/agent';
import { IdentifierSchema, ResourceType } from '@tflyte/idl/core/identifier';
import { TypedInterfaceSchema, VariableMapSchema, VariableSchema } from '@tflyte/idl/core/interface';
import { KeyValuePairSchema, LiteralMapSchema, LiteralSchema, RetryStrategySchema } from '@tflyte/idl/core/literals';
import {
  ContainerSchema,
  Resources_ResourceEntrySchema,
  Resources_ResourceName,
  ResourcesSchema,
  RuntimeMetadata_RuntimeType,
  RuntimeMetadataSchema,
  TaskMetadataSchema,
  TaskTemplateSchema,
} from '@tflyte/idl/core/tasks';
import { LiteralTypeSchema, SimpleType } from '@tflyte/idl/core/types';
import { AsyncAgentService } from '@tflyte/idl/service/agent';
import { describe, expect, it } from 'vitest';

// The package is CommonJS protobufjs static code with no types of its own worth importing here.
type Pb = Record<
  string,
  Record<
    string,
    {
      encode(m: unknown): { finish(): Uint8Array };
      decode(b: Uint8Array): Record<string, unknown>;
      verify(m: unknown): string | null;
      create(m: unknown): unknown;
    }
  >
>;
const require = createRequire(import.meta.url);
const flyteidl = (require('@flyteorg/flyteidl/gen/pb-js/flyteidl.js') as { flyteidl: Pb }).flyteidl;

function sampleTemplate() {
  const float = create(LiteralTypeSchema, { type: { case: 'simple', value: SimpleType.FLOAT } });
  return create(TaskTemplateSchema, {
    id: create(IdentifierSchema, {
      resourceType: ResourceType.TASK,
      project: 'p',
      domain: 'd',
      name: 'examples.basics.mean',
      version: 'v1',
    }),
    type: 'container',
    metadata: create(TaskMetadataSchema, {
      discoverable: true,
      discoveryVersion: '1',
      runtime: create(RuntimeMetadataSchema, { type: RuntimeMetadata_RuntimeType.FLYTE_SDK, version: '0.1.0', flavor: 'typescript' }),
      timeout: create(DurationSchema, { seconds: 300n, nanos: 5 }),
      retries: create(RetryStrategySchema, { retries: 3 }),
      interruptibleValue: { case: 'interruptible', value: true },
      tags: { team: 'ml' },
    }),
    interface: create(TypedInterfaceSchema, {
      inputs: create(VariableMapSchema, {
        variables: {
          values: create(VariableSchema, { type: create(LiteralTypeSchema, { type: { case: 'collectionType', value: float } }) }),
        },
      }),
      outputs: create(VariableMapSchema, { variables: { o0: create(VariableSchema, { type: float, description: 'the mean' }) } }),
    }),
    custom: { sparkConf: { 'spark.executor.cores': '2' }, replicas: 3, flag: true, nothing: null },
    target: {
      case: 'container',
      value: create(ContainerSchema, {
        image: 'ghcr.io/acme/app:1',
        args: ['tflyte', 'execute', '--inputs', '{{.input}}'],
        resources: create(ResourcesSchema, {
          requests: [create(Resources_ResourceEntrySchema, { name: Resources_ResourceName.CPU, value: '500m' })],
          limits: [create(Resources_ResourceEntrySchema, { name: Resources_ResourceName.MEMORY, value: '1Gi' })],
        }),
        env: [create(KeyValuePairSchema, { key: 'A', value: 'b' })],
      }),
    },
    taskTypeVersion: 1,
    config: { primary_container_name: 'primary' },
  });
}

describe('flyteidl wire compatibility with the @flyteorg/flyteidl protobufjs code', () => {
  it('a TaskTemplate we encode decodes there to the same field values', () => {
    const bytes = toBinary(TaskTemplateSchema, sampleTemplate());
    const Pbt = flyteidl.core!.TaskTemplate!;
    const decoded = Pbt.decode(bytes) as any;
    expect(Pbt.verify(decoded)).toBeNull();
    expect(decoded.id.name).toBe('examples.basics.mean');
    expect(decoded.id.resourceType).toBe(1);
    expect(decoded.type).toBe('container');
    expect(decoded.metadata.discoverable).toBe(true);
    expect(decoded.metadata.runtime).toMatchObject({ type: 1, version: '0.1.0', flavor: 'typescript' });
    expect(Number(decoded.metadata.timeout.seconds)).toBe(300);
    expect(decoded.metadata.timeout.nanos).toBe(5);
    expect(decoded.metadata.retries.retries).toBe(3);
    expect(decoded.metadata.interruptible).toBe(true);
    expect(decoded.metadata.tags).toEqual({ team: 'ml' });
    expect(decoded.interface.inputs.variables.values.type.collectionType.simple).toBe(SimpleType.FLOAT);
    expect(decoded.interface.outputs.variables.o0.description).toBe('the mean');
    expect(decoded.custom.fields.sparkConf.structValue.fields['spark.executor.cores'].stringValue).toBe('2');
    expect(decoded.custom.fields.replicas.numberValue).toBe(3);
    expect(decoded.container.image).toBe('ghcr.io/acme/app:1');
    expect(decoded.container.args).toEqual(['tflyte', 'execute', '--inputs', '{{.input}}']);
    expect(decoded.container.resources.requests[0]).toMatchObject({ name: 1, value: '500m' });
    expect(decoded.container.resources.limits[0]).toMatchObject({ name: 3, value: '1Gi' });
    expect(decoded.taskTypeVersion).toBe(1);
    expect(decoded.config).toEqual({ primary_container_name: 'primary' });
  });

  it('bytes protobufjs encodes decode here to an equal message', () => {
    const original = sampleTemplate();
    const Pbt = flyteidl.core!.TaskTemplate!;
    const reencoded = Pbt.encode(Pbt.decode(toBinary(TaskTemplateSchema, original))).finish();
    expect(fromBinary(TaskTemplateSchema, reencoded)).toEqual(original);
  });

  it('literal maps round-trip both ways', () => {
    const map = create(LiteralMapSchema, {
      literals: {
        x: create(LiteralSchema, {
          value: { case: 'scalar', value: { value: { case: 'primitive', value: { value: { case: 'integer', value: 42n } } } } },
        }),
      },
    });
    const Pbm = flyteidl.core!.LiteralMap!;
    const decoded = Pbm.decode(toBinary(LiteralMapSchema, map)) as any;
    expect(Number(decoded.literals.x.scalar.primitive.integer)).toBe(42);
    expect(fromBinary(LiteralMapSchema, Pbm.encode(decoded).finish())).toEqual(map);
  });

  it('the agent service request and its methods are generated', () => {
    const request = create(CreateTaskRequestSchema, { template: sampleTemplate(), outputPrefix: 's3://bucket/out' });
    const Pbr = flyteidl.admin!.CreateTaskRequest!;
    const decoded = Pbr.decode(toBinary(CreateTaskRequestSchema, request)) as any;
    expect(decoded.outputPrefix).toBe('s3://bucket/out');
    expect(decoded.template.id.name).toBe('examples.basics.mean');
    expect(Object.keys(AsyncAgentService.method)).toEqual(expect.arrayContaining(['createTask', 'getTask', 'deleteTask']));
  });
});
