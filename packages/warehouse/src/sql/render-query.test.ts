import { type DefinedTask, InvalidOptionError, t } from '@tflyte/core';
import type { LiteralMap } from '@tflyte/idl/core/literals';
import { describe, expect, it } from 'vitest';
import { checkQuery } from './check-query.ts';
import { backQuoted, sqlDialect, trinoDialect } from './dialect.ts';
import { parseQueryTemplate } from './query-template.ts';
import { renderQuery } from './render-query.ts';
import { QueryInputError } from './sql-literals.ts';

const inputs = (values: { region: string; min: number; table: string }): LiteralMap =>
  ({ literals: { region: t.string().toLiteral(values.region), min: t.int().toLiteral(values.min), table: t.string().toLiteral(values.table) } }) as unknown as LiteralMap;
const QUERY = 'SELECT * FROM {{ .inputs.table | identifier }} WHERE region = {{ .inputs.region }} AND n > {{ .inputs.min }} OR alt = {{ .inputs.region }}';
const template = parseQueryTemplate(QUERY);
const values = inputs({ region: "it's", min: 3, table: 'db.orders' });

describe('renderQuery in each binding style', () => {
  it('positional: one ? per reference, values in order', () => {
    const { query, parameters } = renderQuery(template, values, trinoDialect);
    expect(query).toBe('SELECT * FROM "db"."orders" WHERE region = ? AND n > ? OR alt = ?');
    expect(parameters).toEqual([
      { name: 'region', value: { type: 'string', value: "it's" } },
      { name: 'min', value: { type: 'integer', value: 3n } },
      { name: 'region', value: { type: 'string', value: "it's" } },
    ]);
  });

  it('named: @name per reference, one parameter per input', () => {
    const bigquery = sqlDialect({ name: 'BigQuery', binding: 'named', quoteIdentifier: backQuoted });
    const { query, parameters } = renderQuery(template, values, bigquery);
    expect(query).toBe('SELECT * FROM `db`.`orders` WHERE region = @region AND n > @min OR alt = @region');
    expect(parameters.map((p) => p.name)).toEqual(['region', 'min']);
  });

  it('inline: typed literals in the text, nothing bound', () => {
    const inline = sqlDialect({ name: 'Inline', binding: 'inline' });
    const { query, parameters } = renderQuery(template, values, inline);
    expect(query).toBe(`SELECT * FROM "db"."orders" WHERE region = 'it''s' AND n > 3 OR alt = 'it''s'`);
    expect(parameters).toEqual([]);
  });

  it('refuses a missing input and an unsafe identifier, naming the input', () => {
    expect(() => renderQuery(template, { literals: {} } as unknown as LiteralMap, trinoDialect)).toThrow(/input 'table' is referenced by the query/);
    expect(() => renderQuery(template, inputs({ region: 'eu', min: 1, table: 'x; DROP TABLE y' }), trinoDialect)).toThrow(QueryInputError);
  });

  it("refuses a rendered query over the dialect's limit", () => {
    const short = sqlDialect({ name: 'Tiny', binding: 'positional', maxQueryLength: 10 });
    expect(() => renderQuery(template, values, short)).toThrow(/Tiny takes at most 10/);
  });
});

describe('checkQuery at definition', () => {
  const task = (declared: Record<string, ReturnType<typeof t.string>>): DefinedTask => ({ name: 'q', inputs: declared }) as unknown as DefinedTask;

  it('accepts a query whose references are exactly the declared inputs', () => {
    expect(checkQuery(task({ region: t.string() }), 'SELECT {{ .inputs.region }}').references).toHaveLength(1);
  });

  it('refuses an undeclared reference and an unused input', () => {
    expect(() => checkQuery(task({}), 'SELECT {{ .inputs.region }}')).toThrow(/references input 'region' .* which is not declared/);
    expect(() => checkQuery(task({ region: t.string(), extra: t.string() }), 'SELECT {{ .inputs.region }}')).toThrow(/option 'inputs.extra' is not referenced by the query/);
    expect(() => checkQuery(task({}), 'SELECT {{ .inputs.region }}')).toThrow(InvalidOptionError);
  });
});
