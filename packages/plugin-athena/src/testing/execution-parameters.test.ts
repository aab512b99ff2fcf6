import { describe, expect, it } from 'vitest';
import { ParameterLiteralError, parseParameterLiteral } from './execution-parameters.ts';

describe('parseParameterLiteral', () => {
  it('reads quoted strings, undoubling inner quotes', () => {
    expect(parseParameterLiteral("'abc'")).toEqual({ kind: 'varchar', value: 'abc' });
    expect(parseParameterLiteral("'it''s'")).toEqual({ kind: 'varchar', value: "it's" });
    expect(parseParameterLiteral("''")).toEqual({ kind: 'varchar', value: '' });
    expect(parseParameterLiteral("'''; DROP TABLE t; --'")).toEqual({ kind: 'varchar', value: "'; DROP TABLE t; --" });
  });

  it('reads integers as integer or bigint by range, as Trino does', () => {
    expect(parseParameterLiteral('42')).toEqual({ kind: 'integer', value: 42 });
    expect(parseParameterLiteral('-2147483648')).toEqual({ kind: 'integer', value: -2147483648 });
    expect(parseParameterLiteral('2147483648')).toEqual({ kind: 'bigint', value: 2147483648n });
    expect(() => parseParameterLiteral('9223372036854775808')).toThrow(/out of range for bigint/);
  });

  it('reads decimal literals as exact decimals and exponents as doubles', () => {
    const decimal = parseParameterLiteral('-12.50');
    expect(decimal.kind === 'decimal' && [decimal.value.value, decimal.value.width, decimal.value.scale]).toEqual([-1250n, 4, 2]);
    const fraction = parseParameterLiteral('.5');
    expect(fraction.kind === 'decimal' && fraction.value.toString()).toBe('0.5');
    expect(parseParameterLiteral('1.5e3')).toEqual({ kind: 'double', value: 1500 });
  });

  it('reads booleans, NULL, and DATE / TIMESTAMP literals', () => {
    expect(parseParameterLiteral('TRUE')).toEqual({ kind: 'boolean', value: true });
    expect(parseParameterLiteral('null')).toEqual({ kind: 'null' });
    const date = parseParameterLiteral("DATE '2024-03-01'");
    expect(date.kind === 'date' && date.value.toString()).toBe('2024-03-01');
    const ts = parseParameterLiteral("timestamp '2024-03-01 10:15:30.25'");
    expect(ts.kind === 'timestamp' && ts.value.toString()).toBe('2024-03-01 10:15:30.25');
  });

  it('rejects text that is not a literal, naming the parameter and the fix', () => {
    for (const text of ["'; DROP TABLE t; --", 'abc', "'a'b'", '', "DATE '2024-02-30'", "TIMESTAMP 'soon'", '1 + 1']) {
      expect(() => parseParameterLiteral(text, 3)).toThrow(ParameterLiteralError);
    }
    expect(() => parseParameterLiteral('abc', 3)).toThrow(/^ExecutionParameters\[3\] \("abc"\) is not a SQL literal; quote strings/);
  });
});
