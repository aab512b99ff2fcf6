import { create, fromBinary, toBinary, toJson } from '@bufbuild/protobuf';
import { decode, encode } from '@msgpack/msgpack';
import { BinarySchema, LiteralSchema, ScalarSchema } from '@tflyte/idl/core/literals';
import type { Literal, Scalar } from '@tflyte/idl/core/literals';
import { LiteralTypeSchema } from '@tflyte/idl/core/types';
import { describe, expect, it } from 'vitest';
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
    expect(() => struct.fromLiteral(msgpackLiteral(new Uint8Array([0xc1])), 'cfg')).toThrow(/^cfg: expected struct encoded as msgpack, got undecodable msgpack/);
  });

  it('names the offending path inside the object', () => {
    expect(() => struct.check({ name: undefined }, 'cfg')).toThrow('cfg.name: expected JSON value (omit the key or use null), got undefined');
    expect(() => struct.check({ items: [1, Number.NaN] }, 'cfg')).toThrow('cfg.items[1]: expected JSON value (a finite number), got number NaN');
    expect(() => struct.check({ 'odd key': { at: new Date(0) } }, 'cfg')).toThrow(
      'cfg["odd key"].at: expected JSON value (plain object, array, string, number, boolean or null), got Date',
    );
    expect(() => struct.check([1], 'cfg')).toThrow('cfg: expected struct (a JSON object), got array(1)');
    expect(() => struct.check(new Map(), 'cfg')).toThrow('cfg: expected struct (a JSON object), got object');
  });

  it('refuses a "__proto__" key, which msgpack readers refuse to decode', () => {
    expect(() => struct.check(JSON.parse('{"a": {"__proto__": 1}}'), 'cfg')).toThrow('cfg.a.__proto__: expected a key other than "__proto__", got key "__proto__"');
  });

  it('rejects cycles instead of overflowing the stack', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    expect(() => struct.check(cyclic, 'cfg')).toThrow('cfg.self: expected JSON value without cycles, got a reference to an enclosing value');
  });

  it('accepts shared (non-cyclic) references', () => {
    const shared = { x: 1 };
    expect(struct.fromLiteral(struct.toLiteral({ a: shared, b: shared }))).toEqual({ a: { x: 1 }, b: { x: 1 } });
  });
});
