import { clone, create, fromBinary, toBinary, toJson } from '@bufbuild/protobuf';
import type { Literal } from '@tflyte/idl/core/literals';
import { LiteralSchema, ScalarSchema, UnionSchema } from '@tflyte/idl/core/literals';
import type { LiteralType } from '@tflyte/idl/core/types';
import { LiteralTypeSchema, TypeStructureSchema } from '@tflyte/idl/core/types';
import { describe, expect, it } from 'vitest';
import { InvalidSchemaError, TypeMismatchError } from '../errors.ts';
import { t } from './t.ts';
import { AmbiguousUnionError } from './type-errors.ts';
import { unionTag } from './union.ts';

const overWire = (literal: Literal) => fromBinary(LiteralSchema, toBinary(LiteralSchema, literal));
const unionLiteral = (value: Literal, type: LiteralType): Literal =>
  create(LiteralSchema, {
    value: { case: 'scalar', value: create(ScalarSchema, { value: { case: 'union', value: create(UnionSchema, { value, type }) } }) },
  });
const withTag = (type: LiteralType, tag: string): LiteralType => {
  const copy = clone(LiteralTypeSchema, type);
  copy.structure = create(TypeStructureSchema, { tag });
  return copy;
};

describe('t.union(A, B, …)', () => {
  const intOrString = t.union(t.int(), t.string());

  it('is union_type whose variants carry flytekit transformer names as structure.tag', () => {
    expect(toJson(LiteralTypeSchema, intOrString.literalType())).toEqual({
      unionType: {
        variants: [
          { simple: 'INTEGER', structure: { tag: 'int' } },
          { simple: 'STRING', structure: { tag: 'str' } },
        ],
      },
    });
    expect(intOrString.display).toBe('union<int|string>');
  });

  it('writes scalar.union{value, type} with the chosen variant, tagged', () => {
    expect(toJson(LiteralSchema, intOrString.toLiteral('x'))).toEqual({
      scalar: { union: { value: { scalar: { primitive: { stringValue: 'x' } } }, type: { simple: 'STRING', structure: { tag: 'str' } } } },
    });
    expect(intOrString.fromLiteral(overWire(intOrString.toLiteral('x')))).toBe('x');
    expect(intOrString.fromLiteral(overWire(intOrString.toLiteral(7)))).toBe(7);
  });

  it('rejects a value no variant accepts', () => {
    expect(() => intOrString.check(true, 'v')).toThrow(new TypeMismatchError('v', 'union<int|string>', 'boolean true'));
  });

  it('reports the inner error when exactly one variant got past the top level', () => {
    const u = t.union(t.list(t.int()), t.string());
    expect(() => u.check([1, 'x'], 'v')).toThrow('v[1]: expected int, got string "x"');
  });

  it('raises an ambiguity error when several variants accept the value, as flytekit does', () => {
    const u = t.union(t.list(t.int()), t.list(t.float()));
    const attempt = () => u.toLiteral([1, 2], 'v');
    expect(attempt).toThrow(AmbiguousUnionError);
    expect(attempt).toThrow('v: ambiguous value for union<list<int>|list<float>>: it matches list<int> and list<float>');
    expect(() => t.union(t.enum(['a']), t.string()).check('a', 'v')).toThrow(AmbiguousUnionError);
    // A non-empty list of non-integers picks the float variant alone.
    expect(u.fromLiteral(u.toLiteral([1.5]))).toEqual([1.5]);
  });

  it('prefers int over float for whole numbers, the one documented tie-break', () => {
    const number = t.union(t.float(), t.int());
    expect(toJson(LiteralSchema, number.toLiteral(3))).toEqual({
      scalar: { union: { value: { scalar: { primitive: { integer: '3' } } }, type: { simple: 'INTEGER', structure: { tag: 'int' } } } },
    });
    expect(toJson(LiteralSchema, number.toLiteral(3.5))).toMatchObject({ scalar: { union: { type: { simple: 'FLOAT' } } } });
    expect(toJson(LiteralSchema, number.toLiteral(2 ** 60))).toMatchObject({ scalar: { union: { type: { simple: 'FLOAT' } } } });
  });

  it('sends -0 to the float variant, the only one that keeps its sign', () => {
    const number = t.union(t.int(), t.float());
    expect(Object.is(number.fromLiteral(number.toLiteral(-0)), -0)).toBe(true);
  });

  it('reads by the stored variant type even when another variant could also read the value', () => {
    const number = t.union(t.int(), t.float());
    const storedFloat = unionLiteral(t.float().toLiteral(2.7), withTag(t.float().literalType(), 'float'));
    expect(number.fromLiteral(storedFloat)).toBe(2.7);
    const storedInt = unionLiteral(t.float().toLiteral(2.7), withTag(t.int().literalType(), 'int'));
    expect(number.fromLiteral(storedInt)).toBe(2);
  });

  it('reads a bare number literal into an int|float union by the literal kind', () => {
    const number = t.union(t.int(), t.float());
    expect(number.fromLiteral(t.float().toLiteral(2.7))).toBe(2.7);
    expect(number.fromLiteral(t.int().toLiteral(2))).toBe(2);
  });

  it('reads union literals tagged by other names (e.g. "date") by their shape', () => {
    const u = t.union(t.datetime(), t.string());
    const when = new Date('2024-01-02T00:00:00Z');
    const literal = unionLiteral(t.datetime().toLiteral(when), withTag(t.datetime().literalType(), 'date'));
    expect(u.fromLiteral(literal)).toEqual(when);
  });

  it('reads a bare (untagged) literal by trying each variant', () => {
    expect(intOrString.fromLiteral(t.string().toLiteral('s'))).toBe('s');
    expect(() => intOrString.fromLiteral(t.bool().toLiteral(true), 'v')).toThrow('v: expected union<int|string>, got boolean literal true');
  });

  it('flattens nested unions and refuses duplicate variants', () => {
    expect(t.union(t.union(t.int(), t.string()), t.bool()).display).toBe('union<int|string|bool>');
    expect(() => t.union(t.int(), t.list(t.int()), t.list(t.int()))).toThrow(
      new InvalidSchemaError('t.union: variant list<int> is listed twice (as list<int>); union variants must be distinct'),
    );
    expect(() => t.union(...([] as unknown as [never]))).toThrow('t.union needs at least one variant');
    expect(() => t.union(42 as never)).toThrow('t.union variant 0 expects a tflyte type such as t.int(), got number 42');
  });

  it('tags each kind with the flytekit transformer that reads it', () => {
    const tags = [
      t.int(),
      t.float(),
      t.string(),
      t.bool(),
      t.datetime(),
      t.duration(),
      t.none(),
      t.binary(),
      t.struct(),
      t.list(t.int()),
      t.map(t.int()),
      t.enum(['a']),
      t.file(),
      t.directory(),
      t.dataset(),
    ].map(unionTag);
    expect(tags).toEqual([
      'int',
      'float',
      'str',
      'bool',
      'datetime',
      'timedelta',
      'none',
      'binary',
      'Typed Dict',
      'Typed List',
      'Typed Dict',
      'DefaultEnumTransformer',
      'FlyteFilePath',
      'FlyteDirectory',
      'StructuredDataset Transformer',
    ]);
  });
});

describe('t.optional(T)', () => {
  const maybeInt = t.optional(t.int());

  it('is the union of T and none, like Optional[T], displayed optional<T>', () => {
    expect(toJson(LiteralTypeSchema, maybeInt.literalType())).toEqual({
      unionType: {
        variants: [
          { simple: 'INTEGER', structure: { tag: 'int' } },
          { simple: 'NONE', structure: { tag: 'none' } },
        ],
      },
    });
    expect(maybeInt.display).toBe('optional<int>');
    expect(maybeInt.inner.display).toBe('int');
  });

  it('defaults to null so the input may be omitted; .default() replaces that', () => {
    expect(maybeInt.defaultValue).toEqual({ value: null });
    expect(maybeInt.default(5).defaultValue).toEqual({ value: 5 });
    expect(maybeInt.describe('count').defaultValue).toEqual({ value: null });
  });

  it('writes null as a none variant and reads both variants back', () => {
    expect(toJson(LiteralSchema, maybeInt.toLiteral(null))).toEqual({
      scalar: { union: { value: { scalar: { noneType: {} } }, type: { simple: 'NONE', structure: { tag: 'none' } } } },
    });
    expect(maybeInt.fromLiteral(overWire(maybeInt.toLiteral(null)))).toBeNull();
    expect(maybeInt.fromLiteral(overWire(maybeInt.toLiteral(4)))).toBe(4);
  });

  it('reads a bare none or bare value literal too', () => {
    expect(maybeInt.fromLiteral(t.none().toLiteral(null))).toBeNull();
    expect(maybeInt.fromLiteral(t.int().toLiteral(9))).toBe(9);
  });

  it('reports the inner problem of a nested value', () => {
    expect(() => t.optional(t.struct()).check({ a: undefined }, 'cfg')).toThrow(
      'cfg.a: expected JSON value (omit the key or use null), got undefined',
    );
    expect(() => maybeInt.check(undefined, 'n')).toThrow('n: expected optional<int>, got undefined');
  });

  it('keeps a single none when nested', () => {
    const nested = t.optional(t.optional(t.string()));
    expect(nested.variants.map((v) => v.display)).toEqual(['string', 'none']);
    expect(nested.display).toBe('optional<optional<string>>');
    expect(t.optional(t.union(t.int(), t.string())).variants.map((v) => v.display)).toEqual(['int', 'string', 'none']);
  });
});
