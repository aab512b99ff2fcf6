import { create, fromBinary, toBinary, toJson } from '@bufbuild/protobuf';
import { LiteralMapSchema } from '@tflyte/idl/core/literals';
import { describe, expect, it } from 'vitest';
import { TypeMismatchError } from '../errors.ts';
import { fromLiteralMap, toLiteralMap } from './literal-map.ts';
import { t } from './t.ts';
import { UnknownFieldError } from './type-errors.ts';

const inputs = {
  name: t.string(),
  values: t.list(t.float()),
  retries: t.int().default(3),
  note: t.optional(t.string()),
};

describe('toLiteralMap', () => {
  it('converts every declared field, filling defaults for omitted ones', () => {
    const map = toLiteralMap(inputs, { name: 'a', values: [1.5] });
    expect(toJson(LiteralMapSchema, map)).toEqual({
      literals: {
        name: { scalar: { primitive: { stringValue: 'a' } } },
        values: { collection: { literals: [{ scalar: { primitive: { floatValue: 1.5 } } }] } },
        retries: { scalar: { primitive: { integer: '3' } } },
        note: { scalar: { union: { value: { scalar: { noneType: {} } }, type: { simple: 'NONE', structure: { tag: 'none' } } } } },
      },
    });
  });

  it('names the field of a nested mismatch', () => {
    expect(() => toLiteralMap(inputs, { name: 'a', values: [1, 'x'] })).toThrow(new TypeMismatchError('values[1]', 'float', 'string "x"'));
    expect(() => toLiteralMap(inputs, { name: 'a', values: [1, 'x'] }, 'inputs')).toThrow(
      'inputs.values[1]: expected float, got string "x"',
    );
  });

  it('requires fields without a default', () => {
    expect(() => toLiteralMap(inputs, { values: [] })).toThrow('name: expected string (the field is required), got undefined');
  });

  it('rejects keys that are not declared', () => {
    const attempt = () => toLiteralMap(inputs, { name: 'a', values: [], valeus: [] });
    expect(attempt).toThrow(UnknownFieldError);
    expect(attempt).toThrow('valeus: unknown field; the declared fields are name, values, retries, note');
  });
});

describe('fromLiteralMap', () => {
  it('reads every declared field back, after a trip over the wire', () => {
    const map = fromBinary(LiteralMapSchema, toBinary(LiteralMapSchema, toLiteralMap(inputs, { name: 'a', values: [2], note: 'hi' })));
    expect(fromLiteralMap(inputs, map)).toEqual({ name: 'a', values: [2], retries: 3, note: 'hi' });
  });

  it('uses defaults for missing literals and ignores undeclared ones', () => {
    const map = toLiteralMap({ name: t.string(), values: t.list(t.float()), extra: t.bool() }, { name: 'a', values: [], extra: true });
    expect(fromLiteralMap(inputs, map)).toEqual({ name: 'a', values: [], retries: 3, note: null });
  });

  it('names a missing required field and a mismatched one', () => {
    expect(() => fromLiteralMap(inputs, create(LiteralMapSchema), 'outputs')).toThrow(
      'outputs.name: expected string (the field is required), got no literal',
    );
    const wrong = toLiteralMap({ name: t.int(), values: t.list(t.float()) }, { name: 1, values: [] });
    expect(() => fromLiteralMap(inputs, wrong)).toThrow('name: expected string, got integer literal 1');
  });
});

describe('names that are Object.prototype members', () => {
  it('converts inputs named "__proto__", "constructor" and "prototype" both ways as ordinary fields', () => {
    const record = Object.fromEntries(['__proto__', 'constructor', 'prototype'].map((name) => [name, t.int()]));
    const values = Object.fromEntries([
      ['__proto__', 1],
      ['constructor', 2],
      ['prototype', 3],
    ]);
    const map = toLiteralMap(record, values);
    expect(Object.keys(map.literals)).toEqual(['__proto__', 'constructor', 'prototype']);
    expect(Object.entries(fromLiteralMap(record, map))).toEqual([
      ['__proto__', 1],
      ['constructor', 2],
      ['prototype', 3],
    ]);
  });
});
