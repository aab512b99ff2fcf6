/**
 * record: a typed object with named fields, flytekit's dataclass. Serialized as flytekit 1.16
 * serializes a dataclass: LiteralType simple STRUCT with the fields' JSON schema (as mashumaro builds
 * it) in `metadata`, each field's LiteralType in `structure.dataclass_type` and the msgpack
 * annotation; the value a msgpack `Binary` of the field map in declaration order (floats as float64,
 * datetimes as ISO strings, durations as seconds). The older JSON form (`generic` Struct, flytekit
 * before 1.14 or FLYTE_USE_OLD_DC_FORMAT) is read too.
 */
import { create } from '@bufbuild/protobuf';
import type { Literal } from '@tflyte/idl/core/literals';
import { BinarySchema } from '@tflyte/idl/core/literals';
import type { LiteralType } from '@tflyte/idl/core/types';
import { LiteralTypeSchema, SimpleType } from '@tflyte/idl/core/types';
import { describeValue, InvalidSchemaError, TypeMismatchError } from '../errors.ts';
import { BaseType, requireType } from './base.ts';
import type { FlyteListType, FlyteMapType } from './collections.ts';
import type { FlyteEnumType } from './enum.ts';
import type { AnyType, Duration, FlyteType, InferInputs, JsonObject, JsonValue, TypeRecord } from './flyte-type.ts';
import { isPlainObject, literalMismatch, scalarLiteral, scalarOf } from './literals.ts';
import { MsgpackReadError, readMsgpack } from './msgpack-read.ts';
import { setOwn } from './own-key.ts';
import { fieldPath, indexPath, keyPath } from './path.ts';
import { Float, type PackValue, pack } from './record-msgpack.ts';
import { MAX_STRUCT_DEPTH, MSGPACK_TAG, unbigint } from './struct.ts';
import { UnknownFieldError } from './type-errors.ts';
import type { FlyteUnionType } from './union.ts';

type Simplify<T> = { [K in keyof T]: T[K] } & {};

/** A record's value: fields with a default (optional ones default to null) may be omitted. */
export type InferRecord<F extends TypeRecord> = Simplify<InferInputs<F>>;

export interface RecordOptions {
  /** The JSON schema's `title`, as the dataclass's name is in flytekit's. */
  readonly name?: string;
}

/**
 * A type alias rather than an interface: a task whose inputs hold a record then has a declaration
 * type spelled in names @tflyte/core exports (FlyteType), which `tsc --declaration` can emit.
 */
export type FlyteRecordType<F extends TypeRecord> = FlyteType<InferRecord<F>> & {
  readonly kind: 'record';
  readonly fields: F;
  readonly name: string | undefined;
};

/** The field types a record holds, as flytekit's msgpack form of a dataclass field can carry them. */
const FIELD_KINDS = new Set([
  'integer',
  'float',
  'string',
  'boolean',
  'datetime',
  'duration',
  'none',
  'struct',
  'list',
  'map',
  'enum',
  'union',
  'record',
]);

function checkFieldType(type: AnyType, where: string): void {
  if (!FIELD_KINDS.has(type.kind)) {
    throw new InvalidSchemaError(
      `${where}: ${type.display} cannot be a record field yet (flytekit writes files, directories, datasets and bytes inside a dataclass ` +
        'in forms tflyte does not read); make it an input or output of its own',
    );
  }
  if (type.kind === 'list') checkFieldType((type as FlyteListType<AnyType>).element, `${where} element`);
  if (type.kind === 'map') checkFieldType((type as FlyteMapType<AnyType>).valueType, `${where} value`);
  if (type.kind === 'union') {
    const variants = (type as FlyteUnionType<unknown>).variants;
    const inner = variants.filter((v) => v.kind !== 'none');
    // A msgpack value carries no variant tag, so only T | null reads back unambiguously.
    if (inner.length !== 1 || variants.length !== 2) {
      throw new InvalidSchemaError(`${where}: ${type.display} cannot be a record field; use t.optional(T) (a union of one type and none)`);
    }
    checkFieldType(inner[0] as AnyType, where);
  }
}

function innerOf(type: AnyType): AnyType {
  return (type as FlyteUnionType<unknown>).variants.find((v) => v.kind !== 'none') as AnyType;
}

/** mashumaro's JSON schema for one field type (what flytekit stores as the STRUCT's `metadata`). */
function jsonSchema(type: AnyType): JsonObject {
  switch (type.kind) {
    case 'integer':
      return { type: 'integer' };
    case 'float':
      return { type: 'number' };
    case 'string':
      return { type: 'string' };
    case 'boolean':
      return { type: 'boolean' };
    case 'datetime':
      return { type: 'string', format: 'date-time' };
    case 'duration':
      return { type: 'number', format: 'time-delta' };
    case 'none':
      return { type: 'null' };
    case 'struct':
      return { type: 'object', additionalProperties: {}, propertyNames: { type: 'string' } };
    case 'list':
      return { type: 'array', items: jsonSchema((type as FlyteListType<AnyType>).element) };
    case 'map':
      return {
        type: 'object',
        additionalProperties: jsonSchema((type as FlyteMapType<AnyType>).valueType),
        propertyNames: { type: 'string' },
      };
    case 'enum':
      return { enum: [...(type as FlyteEnumType<string>).values] };
    case 'union':
      return { anyOf: [jsonSchema(innerOf(type)), { type: 'null' }] };
    case 'record':
      return (type as RecordType<TypeRecord>).schema();
    default:
      return {};
  }
}

/** The value as msgpack carries it. */
function toPack(type: AnyType, value: unknown): PackValue {
  if (value === null) return null;
  switch (type.kind) {
    case 'float':
      return new Float(value as number);
    case 'datetime':
      return isoformat(value as Date);
    case 'duration': {
      const { seconds, nanos } = value as Duration;
      return new Float(seconds + nanos / 1e9);
    }
    case 'list':
      return (value as unknown[]).map((item) => toPack((type as FlyteListType<AnyType>).element, item));
    case 'map': {
      const out: Record<string, PackValue> = {};
      for (const [k, v] of Object.entries(value as Record<string, unknown>))
        setOwn(out, k, toPack((type as FlyteMapType<AnyType>).valueType, v));
      return out;
    }
    case 'union':
      return toPack(innerOf(type), value);
    case 'record':
      return (type as RecordType<TypeRecord>).toPack(value as Record<string, unknown>);
    default:
      return value as PackValue;
  }
}

/** Python's `datetime.isoformat()` of an aware UTC datetime: microseconds only when non-zero, `+00:00`. */
function isoformat(date: Date): string {
  const iso = date.toISOString();
  const ms = date.getUTCMilliseconds();
  return `${iso.slice(0, 19)}${ms === 0 ? '' : `.${String(ms).padStart(3, '0')}000`}+00:00`;
}

const ISO = /^(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2})?)(?:\.(\d+))?(Z|[+-]\d{2}:?\d{2})?$/i;

function parseIso(text: string, path: string): Date {
  const m = ISO.exec(text);
  // A naive datetime (no zone) is read as UTC: the zone flytekit's writer would have used is not known here.
  const date =
    m === null ? new Date(Number.NaN) : new Date(`${m[1]}${m[2] === undefined ? '' : `.${m[2].slice(0, 3).padEnd(3, '0')}`}${m[3] ?? 'Z'}`);
  if (Number.isNaN(date.getTime())) throw new TypeMismatchError(path, 'an ISO-8601 datetime', describeValue(text));
  return date;
}

/** A decoded msgpack or JSON value (a field's value, or its JSON-schema default) as the field's native value. */
export function fromPlain(type: AnyType, plain: unknown, path: string): unknown {
  if (plain === null && (type.kind === 'union' || type.kind === 'none')) return null;
  switch (type.kind) {
    case 'integer':
    case 'float':
    case 'string':
    case 'boolean':
    case 'enum':
      return type.check(plain, path);
    case 'datetime':
      if (typeof plain !== 'string') throw new TypeMismatchError(path, 'an ISO-8601 datetime string', describeValue(plain));
      return parseIso(plain, path);
    case 'duration': {
      if (typeof plain !== 'number' || !Number.isFinite(plain))
        throw new TypeMismatchError(path, 'a duration in seconds', describeValue(plain));
      // flytekit's timedelta is kept to the microsecond; so is a record's duration.
      const seconds = Math.trunc(plain);
      return type.check({ seconds, nanos: Math.round((plain - seconds) * 1e6) * 1000 }, path);
    }
    case 'struct':
      return type.check(unbigint(plain, path), path);
    case 'list': {
      if (!Array.isArray(plain)) throw new TypeMismatchError(path, type.display, describeValue(plain));
      return plain.map((item, i) => fromPlain((type as FlyteListType<AnyType>).element, item, indexPath(path, i)));
    }
    case 'map': {
      if (!isPlainObject(plain)) throw new TypeMismatchError(path, type.display, describeValue(plain));
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(plain)) setOwn(out, k, fromPlain((type as FlyteMapType<AnyType>).valueType, v, keyPath(path, k)));
      return out;
    }
    case 'union':
      return fromPlain(innerOf(type), plain, path);
    case 'record':
      return (type as RecordType<TypeRecord>).fromPlain(plain, path);
    default:
      return type.check(plain, path);
  }
}

export class RecordType<F extends TypeRecord> extends BaseType<InferRecord<F>> {
  readonly kind = 'record';
  readonly display: string;
  readonly fields: F;
  readonly name: string | undefined;

  constructor(fields: F, options: RecordOptions = {}) {
    super();
    if (!isPlainObject(fields)) throw new InvalidSchemaError(`t.record expects an object of field types, got ${describeValue(fields)}`);
    if (options.name !== undefined && (typeof options.name !== 'string' || options.name === '')) {
      throw new InvalidSchemaError(`t.record option name must be a non-empty string, got ${describeValue(options.name)}`);
    }
    const entries = Object.entries(fields);
    for (const [name, type] of entries) {
      requireType(type, `t.record field '${name}'`);
      checkFieldType(type, `t.record field '${name}'`);
    }
    this.fields = Object.freeze({ ...fields });
    this.name = options.name;
    this.display = options.name ?? `record{${entries.map(([n, type]) => `${n}: ${type.display}`).join(', ')}}`;
  }

  /** mashumaro's `build_json_schema(cls).to_dict()`: properties, required fields, no other keys. */
  schema(): JsonObject {
    const properties: JsonObject = {};
    const required: string[] = [];
    for (const [name, type] of Object.entries(this.fields)) {
      const property = jsonSchema(type);
      if (type.defaultValue === undefined) required.push(name);
      else property.default = toJson(toPack(type, type.defaultValue.value));
      setOwn(properties, name, property);
    }
    return {
      type: 'object',
      ...(this.name === undefined ? {} : { title: this.name }),
      properties,
      additionalProperties: false,
      ...(required.length === 0 ? {} : { required }),
    };
  }

  literalType(): LiteralType {
    const dataclassType: Record<string, LiteralType> = {};
    for (const [name, type] of Object.entries(this.fields)) setOwn(dataclassType, name, type.literalType());
    return create(LiteralTypeSchema, {
      type: { case: 'simple', value: SimpleType.STRUCT },
      metadata: this.schema(),
      structure: { tag: '', dataclassType },
      annotation: { annotations: { 'cache-key-metadata': { 'serialization-format': MSGPACK_TAG } } },
    });
  }

  check(value: unknown, path = ''): InferRecord<F> {
    if (!isPlainObject(value)) throw new TypeMismatchError(path, this.display, describeValue(value));
    for (const key of Object.keys(value)) {
      if (!Object.hasOwn(this.fields, key)) throw new UnknownFieldError(fieldPath(path, key), Object.keys(this.fields));
    }
    for (const [name, type] of Object.entries(this.fields)) {
      const field = Object.hasOwn(value, name) ? value[name] : undefined;
      if (field === undefined) {
        if (type.defaultValue === undefined) throw new TypeMismatchError(fieldPath(path, name), type.display, 'a missing field');
        continue;
      }
      type.check(field, fieldPath(path, name));
    }
    return value as InferRecord<F>;
  }

  /** Every field in declaration order, defaults filled in, as flytekit's `asdict` has them. */
  toPack(value: Record<string, unknown>): PackValue {
    const out: Record<string, PackValue> = {};
    for (const [name, type] of Object.entries(this.fields)) {
      const field = Object.hasOwn(value, name) ? value[name] : undefined;
      setOwn(out, name, toPack(type, field === undefined ? type.defaultValue?.value : field));
    }
    return out;
  }

  /** Keys the record does not declare are skipped, as mashumaro skips them: a newer writer's field does not break a reader. */
  fromPlain(plain: unknown, path: string): InferRecord<F> {
    if (!isPlainObject(plain)) throw new TypeMismatchError(path, this.display, describeValue(plain));
    const out: Record<string, unknown> = {};
    for (const [name, type] of Object.entries(this.fields)) {
      const at = fieldPath(path, name);
      if (Object.hasOwn(plain, name)) setOwn(out, name, fromPlain(type, plain[name], at));
      else if (type.defaultValue !== undefined) setOwn(out, name, type.defaultValue.value);
      else throw new TypeMismatchError(at, type.display, 'a missing field');
    }
    return out as InferRecord<F>;
  }

  toLiteral(value: InferRecord<F>, path = ''): Literal {
    const bytes = pack(this.toPack(this.check(value, path)));
    return scalarLiteral({ case: 'binary', value: create(BinarySchema, { value: bytes, tag: MSGPACK_TAG }) });
  }

  fromLiteral(literal: Literal, path = ''): InferRecord<F> {
    const scalar = scalarOf(literal);
    if (scalar?.case === 'generic') return this.fromPlain(scalar.value, path);
    if (scalar?.case !== 'binary' || scalar.value.tag !== MSGPACK_TAG) throw literalMismatch(path, this.display, literal);
    let decoded: unknown;
    try {
      decoded = readMsgpack(scalar.value.value, MAX_STRUCT_DEPTH);
    } catch (error) {
      if (!(error instanceof MsgpackReadError)) throw error;
      throw new TypeMismatchError(path, `${this.display} encoded as msgpack`, `undecodable msgpack (${error.message})`);
    }
    return this.fromPlain(decoded, path);
  }
}

function toJson(value: PackValue): JsonValue {
  if (value instanceof Float) return value.value;
  if (Array.isArray(value)) return value.map(toJson);
  if (value !== null && typeof value === 'object') {
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(value as Record<string, PackValue>)) setOwn(out, k, toJson(v));
    return out;
  }
  return value as JsonValue;
}
