import { describe, expect, it } from 'vitest';
import { InvalidSchemaError } from '../errors.ts';
import { isFlyteType } from './base.ts';
import { parsePath } from './path.ts';
import { t } from './t.ts';

describe('.default(value)', () => {
  it('returns a copy carrying the default and leaves the original untouched', () => {
    const int = t.int();
    const withDefault = int.default(3);
    expect(withDefault.defaultValue).toEqual({ value: 3 });
    expect(int.defaultValue).toBeUndefined();
    expect(withDefault.display).toBe('int');
    expect(withDefault.fromLiteral(withDefault.toLiteral(4))).toBe(4);
  });

  it('validates the default at once and names the problem', () => {
    expect(() => t.int().default(1.5)).toThrow(
      new InvalidSchemaError('invalid default value for int: value: expected int, got number 1.5'),
    );
    expect(() => t.list(t.int()).default([1, 'x' as never])).toThrow(
      'invalid default value for list<int>: [1]: expected int, got string "x"',
    );
  });

  it('keeps the introspection members of the type it copies', () => {
    const list = t.list(t.string()).default(['a']);
    expect(list.element.display).toBe('string');
    expect(list.defaultValue.value).toEqual(['a']);
  });
});

describe('.describe(text)', () => {
  it('returns a described copy; other settings carry over', () => {
    const base = t.float().default(0.5);
    const described = base.describe('learning rate');
    expect(described.description).toBe('learning rate');
    expect(described.defaultValue).toEqual({ value: 0.5 });
    expect(base.description).toBeUndefined();
  });
});

describe("'~standard' (Standard Schema v1)", () => {
  it('declares version 1 and vendor tflyte', () => {
    expect(t.int()['~standard'].version).toBe(1);
    expect(t.int()['~standard'].vendor).toBe('tflyte');
  });

  it('returns the value when valid', () => {
    expect(t.list(t.int())['~standard'].validate([1, 2])).toEqual({ value: [1, 2] });
  });

  it('turns a mismatch into an issue with a path of property keys', () => {
    const schema = t.map(t.list(t.struct()));
    expect(schema['~standard'].validate({ k: [{}, { a: undefined }] })).toEqual({
      issues: [{ message: 'expected JSON value (omit the key or use null), got undefined', path: ['k', 1, 'a'] }],
    });
    expect(t.int()['~standard'].validate('1')).toEqual({ issues: [{ message: 'expected int, got string "1"' }] });
  });

  it('stays bound to its own copy after default() and describe()', () => {
    const defaulted = t.enum(['a', 'b']).default('a').describe('letter');
    expect(defaulted['~standard'].validate('b')).toEqual({ value: 'b' });
    expect(defaulted['~standard'].validate('c')).toEqual({ issues: [{ message: 'expected enum<a|b>, got string "c"' }] });
  });
});

describe('parsePath', () => {
  it('splits identifiers, indexes and quoted keys', () => {
    expect(parsePath('')).toEqual([]);
    expect(parsePath('values[2]')).toEqual(['values', 2]);
    expect(parsePath('cfg.name')).toEqual(['cfg', 'name']);
    expect(parsePath('m["a \\"b\\"].c"][0].x')).toEqual(['m', 'a "b"].c', 0, 'x']);
    expect(parsePath('[3]["k"]')).toEqual([3, 'k']);
  });
});

describe('isFlyteType', () => {
  it('recognises tflyte types and nothing else', () => {
    expect(isFlyteType(t.optional(t.int()))).toBe(true);
    expect(isFlyteType({ kind: 'integer' })).toBe(false);
    expect(isFlyteType(null)).toBe(false);
  });
});
