import { create } from '@bufbuild/protobuf';
import { type JsonObject, TflyteError } from '@tflyte/core';
import { ResourceType } from '@tflyte/idl/core/identifier';
import { type Literal, type LiteralMap, LiteralMapSchema, LiteralSchema } from '@tflyte/idl/core/literals';
import { type TaskTemplate, TaskTemplateSchema } from '@tflyte/idl/core/tasks';
import { type LiteralType, LiteralTypeSchema, SimpleType } from '@tflyte/idl/core/types';

export type SimpleTypeName = 'integer' | 'float' | 'string' | 'boolean' | 'datetime' | 'duration' | 'binary' | 'struct' | 'none';

const SIMPLE: Record<SimpleTypeName, SimpleType> = {
  integer: SimpleType.INTEGER,
  float: SimpleType.FLOAT,
  string: SimpleType.STRING,
  boolean: SimpleType.BOOLEAN,
  datetime: SimpleType.DATETIME,
  duration: SimpleType.DURATION,
  binary: SimpleType.BINARY,
  struct: SimpleType.STRUCT,
  none: SimpleType.NONE,
};

export interface TestTaskOptions {
  /** TaskTemplate.id.name. Default `test.task`. */
  readonly name?: string;
  /** TaskTemplate.type. Default `test-task`. */
  readonly type?: string;
  readonly taskTypeVersion?: number;
  readonly inputs?: Readonly<Record<string, SimpleTypeName | LiteralType>>;
  readonly outputs?: Readonly<Record<string, SimpleTypeName | LiteralType>>;
  /** USER retries (metadata.retries.retries). */
  readonly retries?: number;
  /** metadata.timeout, in ms. */
  readonly timeoutMs?: number;
  readonly interruptible?: boolean;
  /** Turns on caching (metadata.discoverable) with this discovery version. */
  readonly cache?: { readonly version: string; readonly serializable?: boolean; readonly ignoreInputs?: readonly string[] };
  readonly custom?: JsonObject;
}

function variables(side: 'inputs' | 'outputs', record: Readonly<Record<string, SimpleTypeName | LiteralType>> | undefined) {
  const out: Record<string, { type: LiteralType }> = {};
  for (const [name, type] of Object.entries(record ?? {})) {
    if (typeof type === 'string' && !Object.hasOwn(SIMPLE, type)) {
      throw new TflyteError(
        'TFLYTE_CONFIG',
        `testTaskTemplate ${side}.${name}: '${type}' is not a simple type; use one of ${Object.keys(SIMPLE).join(', ')} or a LiteralType`,
      );
    }
    out[name] = { type: typeof type === 'string' ? create(LiteralTypeSchema, { type: { case: 'simple', value: SIMPLE[type] } }) : type };
  }
  return { variables: out };
}

/** A minimal TaskTemplate for executor and backend tests. */
export function testTaskTemplate(options: TestTaskOptions = {}): TaskTemplate {
  const timeoutMs = options.timeoutMs ?? 0;
  return create(TaskTemplateSchema, {
    id: { resourceType: ResourceType.TASK, project: 'test', domain: 'development', name: options.name ?? 'test.task', version: 'v1' },
    type: options.type ?? 'test-task',
    taskTypeVersion: options.taskTypeVersion ?? 0,
    metadata: {
      discoverable: options.cache !== undefined,
      discoveryVersion: options.cache?.version ?? '',
      cacheSerializable: options.cache?.serializable ?? false,
      cacheIgnoreInputVars: [...(options.cache?.ignoreInputs ?? [])],
      retries: { retries: options.retries ?? 0 },
      ...(timeoutMs > 0 && { timeout: { seconds: BigInt(Math.floor(timeoutMs / 1000)), nanos: (timeoutMs % 1000) * 1e6 } }),
      ...(options.interruptible !== undefined && { interruptibleValue: { case: 'interruptible' as const, value: options.interruptible } }),
    },
    interface: { inputs: variables('inputs', options.inputs), outputs: variables('outputs', options.outputs) },
    ...(options.custom !== undefined && { custom: options.custom }),
  });
}

export type PrimitiveValue = string | number | bigint | boolean;

/**
 * A LiteralMap of primitives: bigint → integer, number → float, string, boolean.
 * (Write `1n` for an integer input.)
 */
export function testLiteralMap(values: Readonly<Record<string, PrimitiveValue>>): LiteralMap {
  const literals: Record<string, Literal> = {};
  for (const [name, value] of Object.entries(values)) literals[name] = primitiveLiteral(value);
  return create(LiteralMapSchema, { literals });
}

function primitiveLiteral(value: PrimitiveValue): Literal {
  const primitive =
    typeof value === 'bigint'
      ? { case: 'integer' as const, value }
      : typeof value === 'number'
        ? { case: 'floatValue' as const, value }
        : typeof value === 'string'
          ? { case: 'stringValue' as const, value }
          : { case: 'boolean' as const, value };
  return create(LiteralSchema, { value: { case: 'scalar', value: { value: { case: 'primitive', value: { value: primitive } } } } });
}

/** The primitive values of a LiteralMap (undefined for non-primitive literals), for assertions. */
export function primitiveValues(map: LiteralMap): Record<string, PrimitiveValue | undefined> {
  const out: Record<string, PrimitiveValue | undefined> = {};
  for (const [name, literal] of Object.entries(map.literals)) {
    const scalar = literal.value.case === 'scalar' ? literal.value.value.value : undefined;
    const primitive = scalar?.case === 'primitive' ? scalar.value.value : undefined;
    out[name] = primitive?.case === 'datetime' || primitive?.case === 'duration' ? undefined : primitive?.value;
  }
  return out;
}
