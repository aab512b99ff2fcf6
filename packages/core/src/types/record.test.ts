import { create, fromBinary, toBinary, toJson } from '@bufbuild/protobuf';
import { decode } from '@msgpack/msgpack';
import type { Literal } from '@tflyte/idl/core/literals';
import { LiteralSchema } from '@tflyte/idl/core/literals';
import { LiteralTypeSchema } from '@tflyte/idl/core/types';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidSchemaError, TypeMismatchError } from '../errors.ts';
import type { AnyType, TypeRecord } from './flyte-type.ts';
import { typeFromLiteralType } from './from-literal-type.ts';
import { scalarLiteral, scalarOf } from './literals.ts';
import { t } from './t.ts';
import { UnknownFieldError } from './type-errors.ts';

const point = t.record({ x: t.int(), y: t.float(), label: t.optional(t.string()) }, { name: 'Point' });

function msgpackBytes(literal: Literal): number[] {
  const scalar = scalarOf(literal);
  if (scalar?.case !== 'binary') throw new Error('not a binary literal');
  expect(scalar.value.tag).toBe('msgpack');
  return [...scalar.value.value];
}

/** The older JSON form of the same value: a google.protobuf.Struct, as flytekit before 1.14 wrote dataclasses. */
function jsonForm(literal: Literal): Literal {
  const scalar = scalarOf(literal);
  if (scalar?.case !== 'binary') throw new Error('not a binary literal');
  return scalarLiteral({ case: 'generic', value: decode(scalar.value.value) as Record<string, never> });
}

describe('t.record()', () => {
  it("is a STRUCT with mashumaro's JSON schema, the fields' types in structure.dataclass_type and the msgpack annotation", () => {
    // flytekit 1.16 DataclassTransformer.get_literal_type: simple STRUCT, metadata = build_json_schema(cls).to_dict(),
    // structure = TypeStructure(tag="", dataclass_type={field: LiteralType}), annotation cache-key-metadata msgpack.
    expect(toJson(LiteralTypeSchema, point.literalType())).toEqual({
      simple: 'STRUCT',
      metadata: {
        type: 'object',
        title: 'Point',
        properties: {
          x: { type: 'integer' },
          y: { type: 'number' },
          label: { anyOf: [{ type: 'string' }, { type: 'null' }], default: null },
        },
        additionalProperties: false,
        required: ['x', 'y'],
      },
      structure: {
        dataclassType: {
          x: { simple: 'INTEGER' },
          y: { simple: 'FLOAT' },
          label: {
            unionType: {
              variants: [
                { simple: 'STRING', structure: { tag: 'str' } },
                { simple: 'NONE', structure: { tag: 'none' } },
              ],
            },
          },
        },
      },
      annotation: { annotations: { 'cache-key-metadata': { 'serialization-format': 'msgpack' } } },
    });
  });

  it('writes the msgpack bytes flytekit writes for the same dataclass value: every field in order, floats as float64', () => {
    // Golden: msgpack.packb({"x": 1, "y": 2.0, "label": None}) — the dict flytekit's mashumaro encoder packs
    // for Point(x=1, y=2.0): fixmap(3), fixstr keys, positive fixint 1, float64 2.0 (0xcb), nil for the unset optional.
    const golden = [
      0x83, 0xa1, 0x78, 0x01, 0xa1, 0x79, 0xcb, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xa5, 0x6c, 0x61, 0x62, 0x65, 0x6c, 0xc0,
    ];
    expect(msgpackBytes(point.toLiteral({ x: 1, y: 2 }))).toEqual(golden);
    expect(
      point.fromLiteral(scalarLiteral({ case: 'binary', value: { value: Uint8Array.from(golden), tag: 'msgpack' } } as never)),
    ).toEqual({
      x: 1,
      y: 2,
      label: null,
    });
  });

  it('writes datetimes as Python isoformat strings and durations as seconds, as mashumaro does', () => {
    const event = t.record({ at: t.datetime(), took: t.duration() });
    const literal = event.toLiteral({ at: new Date('2026-01-31T12:00:00.250Z'), took: { seconds: 90, nanos: 500_000_000 } });
    expect(decode(Uint8Array.from(msgpackBytes(literal)))).toEqual({ at: '2026-01-31T12:00:00.250000+00:00', took: 90.5 });
    expect(event.fromLiteral(literal)).toEqual({ at: new Date('2026-01-31T12:00:00.250Z'), took: { seconds: 90, nanos: 500_000_000 } });
  });

  it('nests records, lists and maps of records, and reads the older JSON Struct form', () => {
    const order = t.record({
      id: t.int(),
      lines: t.list(t.record({ sku: t.string(), qty: t.int().default(1) })),
      byWarehouse: t.map(t.record({ stock: t.float() })),
      customer: t.optional(t.record({ name: t.string() })),
    });
    const value = { id: 7, lines: [{ sku: 'a', qty: 2 }, { sku: 'b' }], byWarehouse: { eu: { stock: 1.5 } }, customer: { name: 'Ada' } };
    const read = {
      ...value,
      lines: [
        { sku: 'a', qty: 2 },
        { sku: 'b', qty: 1 },
      ],
    };
    const literal = order.toLiteral(value);
    expect(order.fromLiteral(literal)).toEqual(read);
    expect(order.fromLiteral(jsonForm(literal))).toEqual(read);
    expect(toJson(LiteralTypeSchema, order.literalType())).toMatchObject({
      metadata: {
        properties: { lines: { type: 'array', items: { properties: { qty: { type: 'integer', default: 1 } }, required: ['sku'] } } },
      },
    });
  });

  it('refuses a missing field, an unknown field and a wrong field type, naming the field', () => {
    expect(() => point.check({ y: 1 }, 'p')).toThrow(new TypeMismatchError('p.x', 'int', 'a missing field'));
    expect(() => point.check({ x: 1, y: 1, z: 3 }, 'p')).toThrow(UnknownFieldError);
    expect(() => point.check({ x: 1, y: 1, z: 3 }, 'p')).toThrow('p.z: unknown field; the declared fields are x, y, label');
    expect(() => point.toLiteral({ x: 1.5, y: 1 } as never, 'p')).toThrow(/^p\.x: expected int/);
  });

  it('skips fields a newer writer added when reading, as mashumaro does', () => {
    const literal = scalarLiteral({ case: 'generic', value: { x: 1, y: 2, added: 'later' } } as never);
    expect(point.fromLiteral(literal)).toEqual({ x: 1, y: 2, label: null });
  });

  it('refuses at definition the field types a dataclass carries in forms tflyte does not read, and unions other than optional', () => {
    expect(() => t.record({ f: t.file() })).toThrow(InvalidSchemaError);
    expect(() => t.record({ f: t.list(t.binary()) })).toThrow("t.record field 'f' element: binary cannot be a record field yet");
    expect(() => t.record({ u: t.union(t.int(), t.string()) })).toThrow("t.record field 'u': union<int|string> cannot be a record field");
    expect(() => t.record({ n: 'int' as never })).toThrow("t.record field 'n' expects a tflyte type");
  });

  it('is rebuilt from its LiteralType, name and fields, as the CLI and the entrypoint read a serialized interface', () => {
    const rebuilt = typeFromLiteralType(point.literalType());
    expect(rebuilt.kind).toBe('record');
    expect(toJson(LiteralTypeSchema, rebuilt.literalType())).toEqual(toJson(LiteralTypeSchema, point.literalType()));
  });

  it('is tagged as flytekit tags a dataclass variant of a union (the tag alone), and is rebuilt from its JSON schema there', () => {
    // flytekit's _add_tag_to_type replaces a variant's structure with TypeStructure(tag); the schema in metadata stays.
    const optional = t.optional(point);
    const variants = toJson(LiteralTypeSchema, optional.literalType()) as { unionType: { variants: { structure: unknown }[] } };
    expect(variants.unionType.variants[0]?.structure).toEqual({ tag: 'Object-Dataclass-Transformer' });
    const rebuilt = typeFromLiteralType(optional.literalType());
    const literal = optional.toLiteral({ x: 1, y: 2.5, label: 'a' });
    expect(rebuilt.fromLiteral(literal)).toEqual({ x: 1, y: 2.5, label: 'a' });
    expect(toBinary(LiteralSchema, rebuilt.toLiteral({ x: 1, y: 2.5, label: 'a' }))).toEqual(toBinary(LiteralSchema, literal));
  });

  it('reads a dataclass schema whose fields a record cannot hold as a plain struct', () => {
    const withRef = create(LiteralTypeSchema, {
      type: { case: 'simple', value: 9 },
      metadata: { type: 'object', properties: { inner: { $ref: '#/$defs/Inner' } }, additionalProperties: false },
    });
    expect(typeFromLiteralType(withRef).kind).toBe('struct');
  });
});

// Random record types: leaves a dataclass field can hold, nested through lists, maps, optionals and records.
const fieldName = fc.stringMatching(/^[a-z][a-z0-9_]{0,6}$/);
const leaf: fc.Arbitrary<AnyType> = fc.constantFrom<AnyType>(
  t.int(),
  t.float(),
  t.string(),
  t.bool(),
  t.datetime(),
  t.duration(),
  t.struct(),
  t.enum(['red', 'green']),
  t.int().default(3),
);
const { type: fieldType } = fc.letrec<{ type: AnyType; record: AnyType }>((tie) => ({
  type: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    tie('type').map((e) => t.list(e)),
    tie('type').map((v) => t.map(v)),
    tie('type')
      .filter((inner) => inner.kind !== 'union')
      .map((inner) => t.optional(inner)),
    tie('record'),
  ),
  record: fc.dictionary(fieldName, tie('type'), { maxKeys: 4, noNullPrototype: true }).map((fields) => t.record(fields as TypeRecord)),
}));
const recordType = fc
  .dictionary(fieldName, fieldType, { minKeys: 1, maxKeys: 5, noNullPrototype: true })
  .map((f) => t.record(f as TypeRecord));

function arbitraryOf(type: AnyType): fc.Arbitrary<unknown> {
  const kind = type.kind;
  switch (kind) {
    case 'integer':
      return fc.maxSafeInteger();
    case 'float':
      return fc.double({ noNaN: true, noDefaultInfinity: true });
    case 'string':
      return fc.string({ unit: 'grapheme' });
    case 'boolean':
      return fc.boolean();
    case 'datetime':
      return fc.date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59.999Z'), noInvalidDate: true });
    case 'duration':
      // flytekit's timedelta keeps microseconds, and so does a record's duration.
      return fc
        .tuple(fc.integer({ min: -1_000_000_000, max: 1_000_000_000 }), fc.integer({ min: 0, max: 999_999 }))
        .map(([seconds, micros]) => ({ seconds, nanos: (seconds < 0 && micros !== 0 ? -micros : micros) * 1000 }));
    case 'struct':
      return fc
        .dictionary(fieldName, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3, noNullPrototype: true })
        .map((o) => JSON.parse(JSON.stringify(o)));
    case 'enum':
      return fc.constantFrom('red', 'green');
    case 'list':
      return fc.array(arbitraryOf((type as unknown as { element: AnyType }).element), { maxLength: 3 });
    case 'map':
      return fc.dictionary(fieldName, arbitraryOf((type as unknown as { valueType: AnyType }).valueType), {
        maxKeys: 3,
        noNullPrototype: true,
      });
    case 'union':
      return fc.option(arbitraryOf((type as unknown as { variants: AnyType[] }).variants[0] as AnyType), { nil: null });
    case 'record': {
      const fields = (type as unknown as { fields: TypeRecord }).fields;
      return fc.record(Object.fromEntries(Object.entries(fields).map(([k, f]) => [k, arbitraryOf(f)])));
    }
    default:
      throw new Error(`no values for ${kind}`);
  }
}

/** What reading gives back: defaults filled in (the generated values set every field). */
describe('t.record() round trip (property)', () => {
  it('value → msgpack Literal → wire → value, through the JSON Struct form, and through a type rebuilt from its LiteralType', () => {
    const cases = recordType.chain((type) => fc.tuple(fc.constant(type), arbitraryOf(type)));
    fc.assert(
      fc.property(cases, ([type, value]) => {
        const literal = type.toLiteral(value as never);
        const wire = fromBinary(LiteralSchema, toBinary(LiteralSchema, literal));
        expect(type.fromLiteral(wire)).toEqual(value);
        expect(type.fromLiteral(jsonForm(literal))).toEqual(value);
        const rebuilt = typeFromLiteralType(type.literalType());
        expect(toBinary(LiteralSchema, rebuilt.toLiteral(value))).toEqual(toBinary(LiteralSchema, literal));
        expect(create(LiteralTypeSchema, rebuilt.literalType())).toEqual(type.literalType());
      }),
      { numRuns: 300 },
    );
  });
});
