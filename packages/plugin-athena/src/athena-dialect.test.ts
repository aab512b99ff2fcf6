import { t } from '@tflyte/core';
import { parseQueryTemplate, QueryInputError, renderQuery } from '@tflyte/warehouse';
import { describe, expect, it } from 'vitest';
import { athenaDialect } from './athena-dialect.ts';

const render = (query: string, literals: Record<string, ReturnType<ReturnType<typeof t.string>['toLiteral']>>) =>
  renderQuery(parseQueryTemplate(query), { literals } as never, athenaDialect);

describe('athenaDialect', () => {
  it('sends each value reference as a ? with its SQL literal as an execution parameter', () => {
    const { query, parameters } = render('SELECT * FROM t WHERE a = {{ .inputs.a }} AND b = {{ .inputs.a }}', {
      a: t.string().toLiteral("it's"),
    });
    expect(query).toBe('SELECT * FROM t WHERE a = ? AND b = ?');
    expect(parameters.map((p) => athenaDialect.literal(p.name, p.value))).toEqual(["'it''s'", "'it''s'"]);
  });

  it('refuses strings longer than an execution parameter may be', () => {
    const literal = (n: number) => athenaDialect.literal('x', { type: 'string', value: 'a'.repeat(n) });
    expect(() => literal(1023)).toThrow(/1025 characters as a SQL literal; Athena takes execution parameters of at most 1024/);
    expect(() => literal(1023)).toThrow(QueryInputError);
    expect(literal(1022)).toHaveLength(1024);
  });
});
