import { create, fromBinary, toBinary, toJson } from '@bufbuild/protobuf';
import type { Literal } from '@tflyte/idl/core/literals';
import { BinarySchema, LiteralSchema, ScalarSchema } from '@tflyte/idl/core/literals';
import { LiteralTypeSchema } from '@tflyte/idl/core/types';
import { describe, expect, it } from 'vitest';
import { t } from './t.ts';

const overWire = (literal: Literal) => fromBinary(LiteralSchema, toBinary(LiteralSchema, literal));
const binaryLiteral = (value: Uint8Array, tag: string): Literal =>
  create(LiteralSchema, {
    value: { case: 'scalar', value: create(ScalarSchema, { value: { case: 'binary', value: create(BinarySchema, { value, tag }) } }) },
  });

describe('t.none()', () => {
  const none = t.none();

  it('is simple NONE written as scalar.none_type (Void)', () => {
    expect(toJson(LiteralTypeSchema, none.literalType())).toEqual({ simple: 'NONE' });
    expect(toJson(LiteralSchema, none.toLiteral(null))).toEqual({ scalar: { noneType: {} } });
    expect(none.fromLiteral(overWire(none.toLiteral(null)))).toBeNull();
  });

  it('accepts only null: undefined means "not given"', () => {
    expect(() => none.check(undefined, 'x')).toThrow('x: expected none (null), got undefined');
    expect(() => none.fromLiteral(t.int().toLiteral(0), 'x')).toThrow('x: expected none, got integer literal 0');
  });
});

describe('t.binary()', () => {
  const binary = t.binary();

  it('is simple BINARY written as Binary with an empty tag', () => {
    expect(toJson(LiteralTypeSchema, binary.literalType())).toEqual({ simple: 'BINARY' });
    const literal = binary.toLiteral(new Uint8Array([0, 1, 255]));
    expect(toJson(LiteralSchema, literal)).toEqual({ scalar: { binary: { value: 'AAH/' } } });
    expect(binary.fromLiteral(overWire(literal))).toEqual(new Uint8Array([0, 1, 255]));
  });

  it('copies the bytes, so later writes to the buffer do not leak into the literal', () => {
    const bytes = new Uint8Array([1, 2]);
    const literal = binary.toLiteral(bytes);
    bytes[0] = 9;
    expect(binary.fromLiteral(literal)).toEqual(new Uint8Array([1, 2]));
  });

  it('accepts a Buffer (a Uint8Array) and rejects arrays of numbers', () => {
    expect(binary.fromLiteral(binary.toLiteral(Buffer.from('hi')))).toEqual(new Uint8Array([104, 105]));
    expect(() => binary.check([1, 2], 'blob')).toThrow('blob: expected binary (Uint8Array), got array(2)');
  });

  it('does not read msgpack struct data as raw bytes', () => {
    expect(() => binary.fromLiteral(binaryLiteral(new Uint8Array([0x80]), 'msgpack'), 'b')).toThrow(
      'b: expected binary, got binary literal (tag "msgpack")',
    );
  });
});
