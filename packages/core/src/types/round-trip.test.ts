/**
 * Property: for every type tflyte can declare, nested list/map/union/optional included, and every
 * value of it, value → Literal → bytes → Literal → value is the identity, and a type rebuilt from
 * the LiteralType alone writes the same bytes and reads the same value.
 */
import { fromBinary, toBinary } from '@bufbuild/protobuf';
import type { Literal } from '@tflyte/idl/core/literals';
import { LiteralSchema } from '@tflyte/idl/core/literals';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FlyteDatasetType } from './blobs.ts';
import type { FlyteListType, FlyteMapType } from './collections.ts';
import type { FlyteEnumType } from './enum.ts';
import type { AnyType, TypeRecord } from './flyte-type.ts';
import { typeFromLiteralType } from './from-literal-type.ts';
import type { FlyteRecordType } from './record.ts';
import { t } from './t.ts';
import type { FlyteUnionType } from './union.ts';

const format = fc.constantFrom(undefined, 'csv', 'parquet');
const name = fc.string({ unit: 'grapheme', maxLength: 8 });

const leafType: fc.Arbitrary<AnyType> = fc.oneof(
  {
    arbitrary: fc.constantFrom(t.int(), t.float(), t.string(), t.bool(), t.datetime(), t.duration(), t.none(), t.binary(), t.struct()),
    weight: 9,
  },
  fc.uniqueArray(name, { minLength: 1, maxLength: 4 }).map((values) => t.enum(values as [string, ...string[]])),
  format.map((f) => t.file(f === undefined ? {} : { format: f })),
  format.map((f) => t.directory(f === undefined ? {} : { format: f })),
  fc
    .record({ format, columns: fc.dictionary(fc.constantFrom('a', 'b', 'c'), fc.constantFrom(t.int(), t.string(), t.list(t.float()))) })
    .map(({ format: f, columns }) => t.dataset(f === undefined ? { columns } : { format: f, columns })),
);

/** The JS shape of a type's values; union variants must not share one (else writing is ambiguous by design). */
function families(type: AnyType): string[] {
  switch (type.kind) {
    case 'integer':
    case 'float':
    case 'boolean':
    case 'datetime':
    case 'binary':
    case 'none':
    case 'list':
      return [type.kind];
    case 'string':
    case 'enum':
      return ['string'];
    case 'union':
      return (type as FlyteUnionType<unknown>).variants.flatMap(families);
    default:
      return ['object'];
  }
}
const distinguishable = (variants: AnyType[]) => {
  const all = variants.flatMap(families);
  return new Set(all).size === all.length;
};

const { type: anyType } = fc.letrec<{ type: AnyType; list: AnyType; map: AnyType; optional: AnyType; union: AnyType }>((tie) => ({
  type: fc.oneof({ depthSize: 'small' }, leafType, tie('list'), tie('map'), tie('optional'), tie('union')),
  list: tie('type').map((element) => t.list(element)),
  map: tie('type').map((valueType) => t.map(valueType)),
  optional: tie('type')
    .filter((inner) => !families(inner).includes('none'))
    .map((inner) => t.optional(inner)),
  union: fc
    .array(tie('type'), { minLength: 2, maxLength: 3 })
    .filter(distinguishable)
    .map(([first, ...rest]) => t.union(first as AnyType, ...rest)),
}));

const MIN_DATE = new Date('0001-01-01T00:00:00.000Z');
const MAX_DATE = new Date('9999-12-31T23:59:59.999Z');
const MAX_SECONDS = 315_576_000_000;

function arbitraryValueOf(type: AnyType): fc.Arbitrary<unknown> {
  switch (type.kind) {
    case 'integer':
      return fc.maxSafeInteger();
    case 'float':
      return fc.double();
    case 'string':
      return fc.string({ unit: 'grapheme' });
    case 'boolean':
      return fc.boolean();
    case 'datetime':
      return fc.date({ min: MIN_DATE, max: MAX_DATE, noInvalidDate: true });
    case 'duration':
      return fc
        .tuple(
          fc.maxSafeInteger().map((n) => (n % (MAX_SECONDS + 1)) + 0),
          fc.integer({ min: 0, max: 999_999_999 }),
        )
        .map(([seconds, nanos]) => ({ seconds, nanos: seconds < 0 && nanos !== 0 ? -nanos : nanos }));
    case 'none':
      return fc.constant(null);
    case 'binary':
      return fc.uint8Array({ maxLength: 16 });
    case 'struct':
      // JSON has no -0 (msgpack writes it as the integer 0); "__proto__" is an ordinary key.
      return fc
        .dictionary(fc.oneof(fc.string(), fc.constantFrom('__proto__', 'constructor', 'prototype')), fc.jsonValue({ maxDepth: 2 }), {
          maxKeys: 4,
          noNullPrototype: true,
        })
        .map((o) => JSON.parse(JSON.stringify(o)) as unknown);
    case 'list':
      return fc.array(arbitraryValueOf((type as FlyteListType<AnyType>).element), { maxLength: 4 });
    case 'map':
      return fc.dictionary(name, arbitraryValueOf((type as FlyteMapType<AnyType>).valueType), { maxKeys: 4, noNullPrototype: true });
    case 'enum':
      return fc.constantFrom(...(type as FlyteEnumType<string>).values);
    case 'union':
      return fc.oneof(...(type as FlyteUnionType<unknown>).variants.map(arbitraryValueOf));
    case 'file':
    case 'directory':
      return fc.webUrl().map((uri) => ({ uri }));
    case 'record':
      return fc.record(
        Object.fromEntries(Object.entries((type as FlyteRecordType<TypeRecord>).fields).map(([k, field]) => [k, arbitraryValueOf(field)])),
      );
    case 'dataset': {
      const declared = (type as FlyteDatasetType).format;
      return fc
        .record({ uri: fc.webUrl(), format: declared === '' ? format : fc.constant(declared) })
        .map(({ uri, format: f }) => (f === undefined ? { uri } : { uri, format: f }));
    }
  }
}

const bytes = (literal: Literal) => toBinary(LiteralSchema, literal);

describe('round trip over every literal type', () => {
  it('value → Literal → wire → value is the identity, also through a type rebuilt from its LiteralType', () => {
    const cases = anyType.chain((type) => fc.tuple(fc.constant(type), arbitraryValueOf(type)));
    fc.assert(
      fc.property(cases, ([type, value]) => {
        const literal = type.toLiteral(value);
        expect(type.fromLiteral(literal)).toEqual(value);

        const wire = fromBinary(LiteralSchema, bytes(literal));
        expect(bytes(wire)).toEqual(bytes(literal));
        expect(type.fromLiteral(wire)).toEqual(value);

        const rebuilt = typeFromLiteralType(type.literalType());
        expect(bytes(rebuilt.toLiteral(value))).toEqual(bytes(literal));
        expect(rebuilt.fromLiteral(wire)).toEqual(value);
      }),
      { numRuns: 400 },
    );
  });
});
