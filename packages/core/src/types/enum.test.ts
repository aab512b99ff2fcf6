import { fromBinary, toBinary, toJson } from '@bufbuild/protobuf';
import type { Literal } from '@tflyte/idl/core/literals';
import { LiteralSchema } from '@tflyte/idl/core/literals';
import { LiteralTypeSchema } from '@tflyte/idl/core/types';
import { describe, expect, it } from 'vitest';
import { t } from './t.ts';

const overWire = (literal: Literal) => fromBinary(LiteralSchema, toBinary(LiteralSchema, literal));

describe('t.enum(values)', () => {
  const color = t.enum(['red', 'green'] as const);

  it('is enum_type{values}, displayed enum<a|b>', () => {
    expect(toJson(LiteralTypeSchema, color.literalType())).toEqual({ enumType: { values: ['red', 'green'] } });
    expect(color.display).toBe('enum<red|green>');
    expect(color.values).toEqual(['red', 'green']);
  });

  it('writes primitive.string_value and reads it back', () => {
    expect(toJson(LiteralSchema, color.toLiteral('green'))).toEqual({ scalar: { primitive: { stringValue: 'green' } } });
    expect(color.fromLiteral(overWire(color.toLiteral('green')))).toBe('green');
  });

  it('rejects values outside the set, on write and on read', () => {
    expect(() => color.check('blue', 'c')).toThrow('c: expected enum<red|green>, got string "blue"');
    expect(() => color.fromLiteral(t.string().toLiteral('blue'), 'c')).toThrow('c: expected enum<red|green>, got string literal "blue"');
  });

  it('refuses empty, duplicate or non-string values when declared', () => {
    expect(() => t.enum([] as unknown as ['a'])).toThrow('t.enum needs a non-empty array of string values');
    expect(() => t.enum(['a', 'a'])).toThrow('t.enum value "a" is listed twice');
    expect(() => t.enum([1] as unknown as ['a'])).toThrow('t.enum values must be strings (as in flytekit), got number 1');
  });
});
