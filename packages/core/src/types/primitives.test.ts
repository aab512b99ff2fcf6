import { create, fromBinary, toBinary, toJson } from '@bufbuild/protobuf';
import { DurationSchema, TimestampSchema } from '@bufbuild/protobuf/wkt';
import type { Literal, Primitive } from '@tflyte/idl/core/literals';
import { LiteralSchema, PrimitiveSchema, ScalarSchema } from '@tflyte/idl/core/literals';
import { LiteralTypeSchema } from '@tflyte/idl/core/types';
import { describe, expect, it } from 'vitest';
import { TypeMismatchError } from '../errors.ts';
import type { AnyType } from './flyte-type.ts';
import { t } from './t.ts';

const typeJson = (type: AnyType) => toJson(LiteralTypeSchema, type.literalType());
const literalJson = (literal: Literal) => toJson(LiteralSchema, literal);
const overWire = (literal: Literal) => fromBinary(LiteralSchema, toBinary(LiteralSchema, literal));
const primitive = (value: Primitive['value']): Literal =>
  create(LiteralSchema, {
    value: { case: 'scalar', value: create(ScalarSchema, { value: { case: 'primitive', value: create(PrimitiveSchema, { value }) } }) },
  });

describe('t.int()', () => {
  const int = t.int();

  it('is the simple INTEGER type, displayed as int', () => {
    expect(typeJson(int)).toEqual({ simple: 'INTEGER' });
    expect(int.display).toBe('int');
    expect(int.kind).toBe('integer');
  });

  it('writes primitive.integer as an int64 and reads it back', () => {
    const literal = int.toLiteral(-42);
    expect(literalJson(literal)).toEqual({ scalar: { primitive: { integer: '-42' } } });
    expect(int.fromLiteral(overWire(literal))).toBe(-42);
    expect(int.fromLiteral(int.toLiteral(Number.MAX_SAFE_INTEGER))).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('reads a float literal by truncating it, as flytekit does for Flyte Console input', () => {
    expect(int.fromLiteral(primitive({ case: 'floatValue', value: 3.9 }))).toBe(3);
    expect(int.fromLiteral(primitive({ case: 'floatValue', value: -3.9 }))).toBe(-3);
    expect(Object.is(int.fromLiteral(primitive({ case: 'floatValue', value: -0.5 })), 0)).toBe(true);
  });

  it('rejects fractions, non-numbers and unsafe integers', () => {
    expect(() => int.check(1.5, 'n')).toThrow(new TypeMismatchError('n', 'int', 'number 1.5'));
    expect(() => int.check('1', 'n')).toThrow('n: expected int, got string "1"');
    expect(() => int.check(true, 'n')).toThrow('n: expected int, got boolean true');
    expect(() => int.check(2 ** 60, 'n')).toThrow('n: expected int within ±(2^53 - 1), got number 1152921504606847000');
    expect(() => int.toLiteral(Number.NaN, 'n')).toThrow(TypeMismatchError);
  });

  it('refuses to round an int64 literal beyond the JS safe range', () => {
    expect(() => int.fromLiteral(primitive({ case: 'integer', value: 2n ** 60n }), 'n')).toThrow(
      'n: expected int within ±(2^53 - 1), got integer literal 1152921504606846976',
    );
  });

  it('names the literal it cannot read', () => {
    expect(() => int.fromLiteral(primitive({ case: 'stringValue', value: 'x' }), 'n')).toThrow('n: expected int, got string literal "x"');
  });
});

describe('t.float()', () => {
  const float = t.float();

  it('is the simple FLOAT type and writes primitive.float_value', () => {
    expect(typeJson(float)).toEqual({ simple: 'FLOAT' });
    expect(literalJson(float.toLiteral(2.5))).toEqual({ scalar: { primitive: { floatValue: 2.5 } } });
  });

  it('keeps whole numbers as floats, and NaN, infinities and -0 as a protobuf double does', () => {
    expect(literalJson(float.toLiteral(3))).toEqual({ scalar: { primitive: { floatValue: 3 } } });
    for (const v of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, 1e-310]) {
      expect(Object.is(float.fromLiteral(overWire(float.toLiteral(v))), v)).toBe(true);
    }
  });

  it('reads an integer literal too', () => {
    expect(float.fromLiteral(primitive({ case: 'integer', value: 7n }))).toBe(7);
  });

  it('rejects non-numbers', () => {
    expect(() => float.check('1.0', 'x')).toThrow('x: expected float, got string "1.0"');
    expect(() => float.check(1n, 'x')).toThrow('x: expected float, got bigint 1');
  });
});

describe('t.string() and t.bool()', () => {
  it('are simple STRING and BOOLEAN with primitive string_value and boolean', () => {
    expect(typeJson(t.string())).toEqual({ simple: 'STRING' });
    expect(typeJson(t.bool())).toEqual({ simple: 'BOOLEAN' });
    expect(literalJson(t.string().toLiteral('héllo ✓'))).toEqual({ scalar: { primitive: { stringValue: 'héllo ✓' } } });
    expect(literalJson(t.bool().toLiteral(false))).toEqual({ scalar: { primitive: { boolean: false } } });
    expect(t.string().fromLiteral(overWire(t.string().toLiteral('😀')))).toBe('😀');
    expect(t.bool().fromLiteral(overWire(t.bool().toLiteral(true)))).toBe(true);
  });

  it('rejects a string with a lone surrogate, which UTF-8 cannot carry', () => {
    expect(() => t.string().check('a\uD800', 's')).toThrow('s: expected string without lone UTF-16 surrogates');
  });

  it('does not treat 0/1 as booleans', () => {
    expect(() => t.bool().check(1, 'flag')).toThrow('flag: expected bool, got number 1');
    expect(() => t.bool().fromLiteral(primitive({ case: 'integer', value: 1n }), 'flag')).toThrow(
      'flag: expected bool, got integer literal 1',
    );
  });
});

describe('t.datetime()', () => {
  const datetime = t.datetime();

  it('is simple DATETIME written as a Timestamp with millisecond precision', () => {
    expect(typeJson(datetime)).toEqual({ simple: 'DATETIME' });
    const when = new Date('2024-02-29T12:34:56.789Z');
    expect(literalJson(datetime.toLiteral(when))).toEqual({ scalar: { primitive: { datetime: '2024-02-29T12:34:56.789Z' } } });
    expect(datetime.fromLiteral(overWire(datetime.toLiteral(when)))).toEqual(when);
  });

  it('handles instants before 1970', () => {
    const when = new Date('1969-12-31T23:59:59.001Z');
    expect(datetime.fromLiteral(datetime.toLiteral(when)).getTime()).toBe(when.getTime());
  });

  it('truncates sub-millisecond precision written by other SDKs', () => {
    const ts = create(TimestampSchema, { seconds: 10n, nanos: 999_999_999 });
    expect(datetime.fromLiteral(primitive({ case: 'datetime', value: ts })).getTime()).toBe(10_999);
  });

  it('rejects invalid Dates, non-Dates and instants outside years 1..9999', () => {
    expect(() => datetime.check(new Date('nope'), 'at')).toThrow('at: expected datetime (a valid Date), got invalid Date');
    expect(() => datetime.check('2024-01-01', 'at')).toThrow('at: expected datetime (a valid Date), got string "2024-01-01"');
    expect(() => datetime.check(new Date(Date.UTC(10000, 0, 1)), 'at')).toThrow(
      'at: expected datetime between 0001-01-01 and 9999-12-31 (UTC), got Date +010000-01-01T00:00:00.000Z',
    );
    const far = create(TimestampSchema, { seconds: 10n ** 15n });
    expect(() => datetime.fromLiteral(primitive({ case: 'datetime', value: far }), 'at')).toThrow(/at: expected datetime between/);
  });
});

describe('t.duration()', () => {
  const duration = t.duration();

  it('is simple DURATION written as a google.protobuf.Duration', () => {
    expect(typeJson(duration)).toEqual({ simple: 'DURATION' });
    expect(literalJson(duration.toLiteral({ seconds: 90, nanos: 500_000_000 }))).toEqual({
      scalar: { primitive: { duration: '90.500s' } },
    });
    expect(duration.fromLiteral(overWire(duration.toLiteral({ seconds: -3, nanos: -1 })))).toEqual({ seconds: -3, nanos: -1 });
  });

  it('rejects mixed signs, fractional parts and out-of-range values', () => {
    expect(() => duration.check({ seconds: 1, nanos: -1 }, 'd')).toThrow(
      /^d: expected duration \{seconds, nanos\}.*got \{seconds: number 1, nanos: number -1\}$/,
    );
    expect(() => duration.check({ seconds: 1.5, nanos: 0 }, 'd')).toThrow(TypeMismatchError);
    expect(() => duration.check({ seconds: 0, nanos: 1_000_000_000 }, 'd')).toThrow(TypeMismatchError);
    expect(() => duration.check({ seconds: 315_576_000_001, nanos: 0 }, 'd')).toThrow(TypeMismatchError);
    expect(() => duration.check(1000, 'd')).toThrow(/got number 1000$/);
    const huge = create(DurationSchema, { seconds: 10n ** 12n });
    expect(() => duration.fromLiteral(primitive({ case: 'duration', value: huge }), 'd')).toThrow(TypeMismatchError);
  });
});
