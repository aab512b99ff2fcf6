import { create, fromBinary, toBinary, toJson } from '@bufbuild/protobuf';
import type { Literal } from '@tflyte/idl/core/literals';
import { LiteralSchema } from '@tflyte/idl/core/literals';
import { LiteralTypeSchema } from '@tflyte/idl/core/types';
import { describe, expect, it } from 'vitest';
import { TypeMismatchError } from '../errors.ts';
import { t } from './t.ts';

const overWire = (literal: Literal) => fromBinary(LiteralSchema, toBinary(LiteralSchema, literal));

describe('t.list(T)', () => {
  const floats = t.list(t.float());

  it('is collection_type of the element type, displayed list<T>', () => {
    expect(toJson(LiteralTypeSchema, floats.literalType())).toEqual({ collectionType: { simple: 'FLOAT' } });
    expect(floats.display).toBe('list<float>');
    expect(t.list(t.list(t.int())).display).toBe('list<list<int>>');
    expect(floats.element.display).toBe('float');
  });

  it('writes collection.literals in order and reads them back', () => {
    const literal = floats.toLiteral([1.5, -2, 0]);
    expect(toJson(LiteralSchema, literal)).toEqual({
      collection: {
        literals: [
          { scalar: { primitive: { floatValue: 1.5 } } },
          { scalar: { primitive: { floatValue: -2 } } },
          { scalar: { primitive: { floatValue: 0 } } },
        ],
      },
    });
    expect(floats.fromLiteral(overWire(literal))).toEqual([1.5, -2, 0]);
    expect(floats.fromLiteral(overWire(floats.toLiteral([])))).toEqual([]);
  });

  it('names the failing element by index', () => {
    expect(() => floats.check([1, 2, 'x'], 'values')).toThrow('values[2]: expected float, got string "x"');
    expect(() => floats.toLiteral([1, 2, 'x'] as never, 'values')).toThrow('values[2]: expected float, got string "x"');
    expect(() => t.list(t.list(t.int())).check([[1], [2, 2.5]], 'grid')).toThrow('grid[1][1]: expected int, got number 2.5');
  });

  it('treats holes in a sparse array as undefined elements', () => {
    const sparse = [1, 2, 3];
    delete sparse[1];
    expect(() => floats.toLiteral(sparse, 'values')).toThrow('values[1]: expected float, got undefined');
  });

  it('rejects non-arrays and non-collection literals', () => {
    expect(() => floats.check(new Set([1]), 'values')).toThrow('values: expected list<float>, got object');
    expect(() => floats.fromLiteral(t.float().toLiteral(1), 'values')).toThrow('values: expected list<float>, got float literal 1');
  });

  it('reads elements leniently where the element type does (int list from float literals)', () => {
    const literal = t.list(t.float()).toLiteral([1, 2.7]);
    expect(t.list(t.int()).fromLiteral(literal)).toEqual([1, 2]);
  });
});

describe('t.map(T)', () => {
  const ints = t.map(t.int());

  it('is map_value_type of the value type, displayed map<string, T>', () => {
    expect(toJson(LiteralTypeSchema, ints.literalType())).toEqual({ mapValueType: { simple: 'INTEGER' } });
    expect(ints.display).toBe('map<string, int>');
    expect(ints.valueType.display).toBe('int');
  });

  it('writes map.literals keyed by string and reads them back', () => {
    const literal = ints.toLiteral({ a: 1, 'b c': 2 });
    expect(toJson(LiteralSchema, literal)).toEqual({
      map: { literals: { a: { scalar: { primitive: { integer: '1' } } }, 'b c': { scalar: { primitive: { integer: '2' } } } } },
    });
    expect(ints.fromLiteral(overWire(literal))).toEqual({ a: 1, 'b c': 2 });
  });

  it('keeps "__proto__" an ordinary key', () => {
    const value = JSON.parse('{"__proto__": 7}') as Record<string, number>;
    const back = ints.fromLiteral(overWire(ints.toLiteral(value)));
    expect(Object.keys(back)).toEqual(['__proto__']);
    expect(Object.getOwnPropertyDescriptor(back, '__proto__')?.value).toBe(7);
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
  });

  it('names the failing entry by quoted key', () => {
    expect(() => ints.check({ ok: 1, key: 'x' }, 'm')).toThrow('m["key"]: expected int, got string "x"');
    expect(() => t.map(t.list(t.int())).check({ a: [1, 'x'] }, 'm')).toThrow('m["a"][1]: expected int, got string "x"');
  });

  it('accepts only plain objects', () => {
    expect(() => ints.check(new Map([['a', 1]]), 'm')).toThrow(new TypeMismatchError('m', 'map<string, int> (a plain object)', 'object'));
    expect(() => ints.check([1], 'm')).toThrow('m: expected map<string, int> (a plain object), got array(1)');
    expect(() => ints.fromLiteral(create(LiteralSchema), 'm')).toThrow('m: expected map<string, int>, got empty literal');
  });
});
