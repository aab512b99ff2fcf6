import { create, equals, fromJson } from '@bufbuild/protobuf';
import type { LiteralType } from '@tflyte/idl/core/types';
import { LiteralTypeSchema } from '@tflyte/idl/core/types';
import { describe, expect, it } from 'vitest';
import { InvalidSchemaError } from '../errors.ts';
import type { AnyType } from './flyte-type.ts';
import { describeLiteralType, typeFromLiteralType } from './from-literal-type.ts';
import { literalTypeEquals } from './literal-type-equals.ts';
import { t } from './t.ts';

const lt = (json: object): LiteralType => fromJson(LiteralTypeSchema, json as never);

describe('typeFromLiteralType', () => {
  const declared: AnyType[] = [
    t.int(),
    t.float(),
    t.string(),
    t.bool(),
    t.datetime(),
    t.duration(),
    t.none(),
    t.binary(),
    t.struct(),
    t.list(t.map(t.float())),
    t.enum(['x', 'y']),
    t.file(),
    t.file({ format: 'csv' }),
    t.directory({ format: 'zip' }),
    t.dataset({ format: 'parquet', columns: { a: t.int(), b: t.list(t.string()) } }),
    t.dataset(),
    t.union(t.int(), t.string()),
    t.optional(t.list(t.int())),
    t.optional(t.union(t.bool(), t.struct())),
    t.union(t.none(), t.int()),
  ];

  it.each(declared.map((type) => [type.display, type] as const))('rebuilds %s with an identical LiteralType and display', (_, type) => {
    const rebuilt = typeFromLiteralType(type.literalType());
    expect(equals(LiteralTypeSchema, rebuilt.literalType(), type.literalType())).toBe(true);
    expect(rebuilt.kind).toBe(type.kind);
  });

  it('keeps displays, except that a union ending in none reads back as an optional', () => {
    expect(typeFromLiteralType(t.list(t.map(t.float())).literalType()).display).toBe('list<map<string, float>>');
    expect(typeFromLiteralType(t.optional(t.int()).literalType()).display).toBe('optional<int>');
    expect(typeFromLiteralType(t.optional(t.union(t.bool(), t.struct())).literalType()).display).toBe('optional<union<bool|struct>>');
    expect(typeFromLiteralType(t.union(t.int(), t.none()).literalType()).display).toBe('optional<int>');
    expect(typeFromLiteralType(t.union(t.none(), t.int()).literalType()).display).toBe('union<none|int>');
  });

  it('gives a rebuilt optional the null default, so the input stays omittable', () => {
    expect(typeFromLiteralType(t.optional(t.int()).literalType()).defaultValue).toEqual({ value: null });
  });

  it('reads types written by flytekit: dataclasses as records (as struct when a field is one a record cannot hold), Python union tags, date as datetime', () => {
    const dataclass = lt({
      simple: 'STRUCT',
      metadata: { type: 'object', title: 'Row', properties: { a: { type: 'integer' }, b: { type: 'integer', default: 2 } } },
      structure: { dataclassType: { a: { simple: 'INTEGER' }, b: { simple: 'INTEGER' } } },
    });
    const row = typeFromLiteralType(dataclass);
    expect(row.display).toBe('Row');
    expect(row.check({ a: 1 })).toEqual({ a: 1 });
    const withFile = lt({ simple: 'STRUCT', structure: { dataclassType: { f: { blob: {} } } } });
    expect(typeFromLiteralType(withFile).display).toBe('struct');
    const pyOptional = lt({
      unionType: {
        variants: [
          { simple: 'DATETIME', structure: { tag: 'date' } },
          { simple: 'NONE', structure: { tag: 'none' } },
        ],
      },
    });
    expect(typeFromLiteralType(pyOptional).display).toBe('optional<datetime>');
    const pickle = lt({ blob: { format: 'PythonPickle' } });
    expect(typeFromLiteralType(pickle).display).toBe('file<PythonPickle>');
  });

  it('refuses what tflyte cannot represent, saying what it was', () => {
    expect(() => typeFromLiteralType(lt({ schema: { columns: [] } }))).toThrow(InvalidSchemaError);
    expect(() => typeFromLiteralType(lt({ schema: {} }))).toThrow(
      'LiteralType schema (the legacy FlyteSchema) is not supported; use a structured dataset (t.dataset)',
    );
    expect(() => typeFromLiteralType(lt({ simple: 'ERROR' }))).toThrow('LiteralType simple ERROR has no tflyte type');
    expect(() => typeFromLiteralType(create(LiteralTypeSchema))).toThrow('LiteralType has no type set');
    expect(() => typeFromLiteralType(lt({ enumType: {} }))).toThrow('LiteralType enum_type has no values');
  });
});

describe('describeLiteralType', () => {
  it('describes rebuildable types by their display and others without throwing', () => {
    expect(describeLiteralType(t.map(t.optional(t.int())).literalType())).toBe('map<string, optional<int>>');
    expect(describeLiteralType(lt({ collectionType: { simple: 'ERROR' } }))).toBe('list<error>');
    expect(describeLiteralType(lt({ schema: {} }))).toBe('schema');
  });
});

describe('literalTypeEquals', () => {
  it('compares shapes and ignores tags, annotations and metadata at every depth', () => {
    const tagged = lt({ collectionType: { unionType: { variants: [{ simple: 'INTEGER', structure: { tag: 'int' } }] } } });
    const untagged = lt({ collectionType: { unionType: { variants: [{ simple: 'INTEGER' }] } } });
    expect(literalTypeEquals(tagged, untagged)).toBe(true);
    expect(literalTypeEquals(t.struct().literalType(), lt({ simple: 'STRUCT', metadata: { a: 1 } }))).toBe(true);
  });

  it('tells different shapes apart', () => {
    expect(literalTypeEquals(t.int().literalType(), t.float().literalType())).toBe(false);
    expect(literalTypeEquals(t.file({ format: 'csv' }).literalType(), t.file().literalType())).toBe(false);
    expect(literalTypeEquals(t.file().literalType(), t.directory().literalType())).toBe(false);
    expect(literalTypeEquals(t.enum(['a', 'b']).literalType(), t.enum(['b', 'a']).literalType())).toBe(false);
    expect(literalTypeEquals(t.map(t.int()).literalType(), t.list(t.int()).literalType())).toBe(false);
    expect(
      literalTypeEquals(t.dataset({ columns: { a: t.int() } }).literalType(), t.dataset({ columns: { a: t.float() } }).literalType()),
    ).toBe(false);
    expect(literalTypeEquals(t.union(t.int(), t.string()).literalType(), t.union(t.string(), t.int()).literalType())).toBe(false);
  });
});
