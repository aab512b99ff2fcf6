import { create, fromBinary, toBinary, toJson } from '@bufbuild/protobuf';
import { decode, encode } from '@msgpack/msgpack';
import type { Literal, Scalar } from '@tflyte/idl/core/literals';
import { BinarySchema, LiteralSchema, ScalarSchema } from '@tflyte/idl/core/literals';
import { LiteralTypeSchema } from '@tflyte/idl/core/types';
import { describe, expect, it } from 'vitest';
import type { JsonObject } from './flyte-type.ts';
import { t } from './t.ts';

const struct = t.struct();
const overWire = (literal: Literal) => fromBinary(LiteralSchema, toBinary(LiteralSchema, literal));
const scalar = (value: Scalar['value']): Literal =>
  create(LiteralSchema, { value: { case: 'scalar', value: create(ScalarSchema, { value }) } });
const msgpackLiteral = (bytes: Uint8Array) => scalar({ case: 'binary', value: create(BinarySchema, { value: bytes, tag: 'msgpack' }) });

describe('t.struct()', () => {
  it('is simple STRUCT with the msgpack cache-key annotation flytekit puts on dicts', () => {
    expect(toJson(LiteralTypeSchema, struct.literalType())).toEqual({
      simple: 'STRUCT',
      annotation: { annotations: { 'cache-key-metadata': { 'serialization-format': 'msgpack' } } },
    });
    expect(struct.display).toBe('struct');
  });

  it('writes scalar.binary with tag "msgpack" holding the msgpack-encoded object', () => {
    const value = { name: 'run', n: 3, ratio: 0.5, tags: ['a', null], nested: { ok: true } };
    const literal = struct.toLiteral(value);
    const s = literal.value.case === 'scalar' ? literal.value.value.value : undefined;
    expect(s?.case).toBe('binary');
    if (s?.case !== 'binary') return;
    expect(s.value.tag).toBe('msgpack');
    expect(decode(s.value.value)).toEqual(value);
    expect(struct.fromLiteral(overWire(literal))).toEqual(value);
  });

  it('reads the legacy generic google.protobuf.Struct form', () => {
    const literal = scalar({ case: 'generic', value: { a: 1, b: [true, 'x'], c: { d: null } } });
    expect(struct.fromLiteral(overWire(literal))).toEqual({ a: 1, b: [true, 'x'], c: { d: null } });
  });

  it('reads msgpack written by other SDKs, including int64 values within the safe range', () => {
    // 0xd3 is msgpack's int64: Python may write small numbers that way too.
    const bytes = new Uint8Array([0x81, 0xa1, 0x6b, 0xd3, 0, 0, 0, 0, 0, 0, 0, 5]);
    expect(struct.fromLiteral(msgpackLiteral(bytes))).toEqual({ k: 5 });
  });

  it('refuses msgpack integers a JS number would round', () => {
    const bytes = new Uint8Array([0x81, 0xa1, 0x6b, 0xd3, 0x10, 0, 0, 0, 0, 0, 0, 1]);
    expect(() => struct.fromLiteral(msgpackLiteral(bytes), 'cfg')).toThrow(
      'cfg.k: expected JSON number within ±(2^53 - 1), got msgpack integer 1152921504606846977',
    );
  });

  it('rejects msgpack that is not an object, or not msgpack at all', () => {
    expect(() => struct.fromLiteral(msgpackLiteral(encode([1, 2])), 'cfg')).toThrow('cfg: expected struct (a JSON object), got array(2)');
    expect(() => struct.fromLiteral(msgpackLiteral(new Uint8Array([0xc1])), 'cfg')).toThrow(
      /^cfg: expected struct encoded as msgpack, got undecodable msgpack/,
    );
  });

  it('names the offending path inside the object', () => {
    expect(() => struct.check({ name: undefined }, 'cfg')).toThrow(
      'cfg.name: expected JSON value (omit the key or use null), got undefined',
    );
    expect(() => struct.check({ items: [1, Number.NaN] }, 'cfg')).toThrow(
      'cfg.items[1]: expected JSON value (a finite number), got number NaN',
    );
    expect(() => struct.check({ 'odd key': { at: new Date(0) } }, 'cfg')).toThrow(
      'cfg["odd key"].at: expected JSON value (plain object, array, string, number, boolean or null), got Date',
    );
    expect(() => struct.check([1], 'cfg')).toThrow('cfg: expected struct (a JSON object), got array(1)');
    expect(() => struct.check(new Map(), 'cfg')).toThrow('cfg: expected struct (a JSON object), got object');
  });

  it('keeps "__proto__", "constructor" and "prototype" as ordinary keys through msgpack and back', () => {
    const value = JSON.parse('{"__proto__": {"x": 1}, "a": {"constructor": 2, "prototype": [3]}}') as JsonObject;
    const back = struct.fromLiteral(struct.toLiteral(value));
    expect(Object.entries(back)).toEqual([
      ['__proto__', { x: 1 }],
      ['a', { constructor: 2, prototype: [3] }],
    ]);
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it('round-trips a struct nested 1000 deep and refuses one level more, naming where', () => {
    const nested = (depth: number): JsonObject => JSON.parse(`${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`);
    expect(JSON.stringify(struct.fromLiteral(struct.toLiteral(nested(1000))))).toBe(JSON.stringify(nested(1000)));
    expect(() => struct.check(nested(1001), 'cfg')).toThrow(
      /^cfg(\.a){1000}: expected JSON value nested at most 1000 levels deep, got a value that nests deeper than 1000 levels$/,
    );
  });

  it('reads msgpack written by another SDK, refusing what is not JSON', () => {
    const literal = (bytes: number[]) =>
      scalar({ case: 'binary', value: create(BinarySchema, { value: new Uint8Array(bytes), tag: 'msgpack' }) });
    // {"n": -1, "big": 2^53 - 1 as uint64, "f": 1.5 as float64}
    const bytes = [
      0x83, 0xa1, 0x6e, 0xff, 0xa3, 0x62, 0x69, 0x67, 0xcf, 0x00, 0x1f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xa1, 0x66, 0xcb, 0x3f, 0xf8, 0,
      0, 0, 0, 0, 0,
    ];
    expect(struct.fromLiteral(literal(bytes))).toEqual({ n: -1, big: Number.MAX_SAFE_INTEGER, f: 1.5 });
    expect(() => struct.fromLiteral(literal([0x81, 0xa1, 0x6e, 0xd4, 0x01, 0x00]), 'cfg')).toThrow(
      /cfg: expected struct encoded as msgpack, got undecodable msgpack \(type byte 0xd4/,
    );
    expect(() => struct.fromLiteral(literal([0x81, 0xa1]), 'cfg')).toThrow(/truncated/);
  });

  it('rejects cycles instead of overflowing the stack', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    expect(() => struct.check(cyclic, 'cfg')).toThrow(
      'cfg.self: expected JSON value without cycles, got a reference to an enclosing value',
    );
  });

  it('accepts shared (non-cyclic) references', () => {
    const shared = { x: 1 };
    expect(struct.fromLiteral(struct.toLiteral({ a: shared, b: shared }))).toEqual({ a: { x: 1 }, b: { x: 1 } });
  });
});
