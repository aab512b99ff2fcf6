import { type AnyType, t } from '@tflyte/core';
import { describe, expect, it } from 'vitest';
import { backQuoted, quoteIdentifier, sqlDialect, trinoDialect } from './dialect.ts';
import { ansiLiteral, identifierText, QueryInputError, referenceTypeProblem, sqlDateValue, sqlValue } from './sql-literals.ts';

const param = (type: AnyType, value: unknown): string => ansiLiteral('x', sqlValue('x', type.toLiteral(value)));

describe('ansiLiteral of sqlValue: each value as the SQL literal Athena binds to a ? (and inline dialects write)', () => {
  it('quotes strings, doubling single quotes and keeping everything else verbatim', () => {
    expect(param(t.string(), "it's")).toBe("'it''s'");
    expect(param(t.string(), "'; DROP TABLE t; --")).toBe("'''; DROP TABLE t; --'");
    expect(param(t.string(), 'back\\slash "dq" \n{{ x }} ?')).toBe('\'back\\slash "dq" \n{{ x }} ?\'');
    expect(param(t.string(), '')).toBe("''");
  });

  it('writes ints exactly, floats as DOUBLE literals (with an exponent) and bools as true/false', () => {
    expect(param(t.int(), -42)).toBe('-42');
    expect(param(t.int(), Number.MAX_SAFE_INTEGER)).toBe('9007199254740991');
    expect(param(t.float(), 1.5)).toBe('1.5E0');
    expect(param(t.float(), -0.001)).toBe('-1E-3');
    expect(param(t.float(), 1e21)).toBe('1E21');
    expect(param(t.bool(), true)).toBe('true');
    expect(param(t.bool(), false)).toBe('false');
  });

  it('writes datetimes as UTC TIMESTAMP literals to the millisecond', () => {
    expect(param(t.datetime(), new Date('2024-03-01T10:15:00.125Z'))).toBe("TIMESTAMP '2024-03-01 10:15:00.125'");
    expect(param(t.datetime(), new Date('0999-01-02T00:00:00Z'))).toBe("TIMESTAMP '0999-01-02 00:00:00.000'");
  });

  it('sends enum values as strings and optionals as their value or NULL', () => {
    expect(param(t.enum(['eu', 'us']), 'eu')).toBe("'eu'");
    expect(param(t.optional(t.int()), 7)).toBe('7');
    expect(param(t.optional(t.int()), null)).toBe('NULL');
    expect(param(t.union(t.int(), t.string()), 'a')).toBe("'a'");
  });

  it('refuses NaN and infinities, which have no literal', () => {
    expect(() => param(t.float(), Number.NaN)).toThrow(/input 'x' is NaN, which has no SQL literal/);
    expect(() => param(t.float(), Number.POSITIVE_INFINITY)).toThrow(QueryInputError);
  });

  it('refuses values without a literal form, naming the input', () => {
    expect(() => param(t.list(t.int()), [1])).toThrow(/input 'x' holds a value of type collection, which has no SQL literal form/);
    expect(() => param(t.struct(), { a: 1 })).toThrow(/input 'x' holds a value of type binary/);
    expect(() => param(t.duration(), { seconds: 1, nanos: 0 })).toThrow(/input 'x' holds a value of type duration/);
    expect(() => param(t.file(), { uri: 's3://b/k' })).toThrow(/input 'x' holds a value of type blob/);
  });
});

describe('quoteIdentifier (| identifier)', () => {
  const ident = (value: string) => quoteIdentifier('table', identifierText('table', t.string().toLiteral(value)), trinoDialect);

  it('double-quotes each dotted part of a plain name', () => {
    expect(ident('orders')).toBe('"orders"');
    expect(ident('sales.orders_2024')).toBe('"sales"."orders_2024"');
    expect(ident('_x')).toBe('"_x"');
  });

  it.each(['orders; DROP TABLE t', 'orders"--', 'a b', '1abc', 'a..b', '.a', 'a.', '', 'ordérs', 'a-b', 'a'.repeat(256)])(
    'refuses %j',
    (value) => {
      expect(() => ident(value)).toThrow(
        /input 'table' .* is not an identifier: \| identifier takes names made of letters, digits and underscores/,
      );
    },
  );

  it('takes strings only', () => {
    expect(() => identifierText('table', t.int().toLiteral(1))).toThrow(
      /input 'table' holds a value of type int; \| identifier takes a string/,
    );
  });

  it("quotes with the dialect's quote once the name is validated", () => {
    const hive = sqlDialect({ name: 'Hive', binding: 'positional', quoteIdentifier: backQuoted });
    expect(quoteIdentifier('table', 'db.orders', hive)).toBe('`db`.`orders`');
    expect(() => quoteIdentifier('table', 'a`b', hive)).toThrow(QueryInputError);
  });
});

describe('sqlDateValue (| date)', () => {
  it('writes a midnight-UTC datetime as a DATE literal', () => {
    expect(ansiLiteral('day', sqlDateValue('day', t.datetime().toLiteral(new Date('2024-02-29T00:00:00Z'))))).toBe("DATE '2024-02-29'");
  });

  it('refuses a datetime with a time of day rather than dropping it', () => {
    expect(() => sqlDateValue('day', t.datetime().toLiteral(new Date('2024-02-29T00:00:01Z')))).toThrow(
      /input 'day' is 2024-02-29 00:00:01.000 UTC, which has a time of day/,
    );
  });
});

describe('referenceTypeProblem: what may be referenced how, checked when the task is defined', () => {
  it('accepts scalar types, enums and optionals of them as values', () => {
    for (const type of [
      t.int(),
      t.float(),
      t.string(),
      t.bool(),
      t.datetime(),
      t.enum(['a']),
      t.optional(t.string()),
      t.union(t.int(), t.string()),
    ]) {
      expect(referenceTypeProblem(type, 'value')).toBeUndefined();
    }
  });

  it('refuses collections, structs, blobs and durations as values, saying what is accepted', () => {
    expect(referenceTypeProblem(t.list(t.string()), 'value')).toMatch(
      /has type list<string>, which has no SQL literal form.*pass int, float, string/,
    );
    expect(referenceTypeProblem(t.optional(t.map(t.int())), 'value')).toMatch(/map<string, int>/);
    for (const type of [t.struct(), t.binary(), t.file(), t.dataset(), t.duration()])
      expect(referenceTypeProblem(type, 'value')).toBeDefined();
  });

  it('takes only strings for | identifier and only datetimes for | date', () => {
    expect(referenceTypeProblem(t.string(), 'identifier')).toBeUndefined();
    expect(referenceTypeProblem(t.enum(['a', 'b']), 'identifier')).toBeUndefined();
    expect(referenceTypeProblem(t.optional(t.string()), 'identifier')).toMatch(/\| identifier takes a string/);
    expect(referenceTypeProblem(t.datetime(), 'date')).toBeUndefined();
    expect(referenceTypeProblem(t.string(), 'date')).toMatch(/\| date takes a datetime/);
  });
});
