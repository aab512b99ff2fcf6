import { type DefinedTask, InvalidOptionError, t, toLiteralMap } from '@tflyte/core';
import type { LiteralMap } from '@tflyte/idl/core/literals';
import { describe, expect, it } from 'vitest';
import { checkQuery } from './check-query.ts';
import { backQuoted, sqlDialect, trinoDialect } from './dialect.ts';
import { parseQueryTemplate } from './query-template.ts';
import { renderQuery } from './render-query.ts';
import { sqlDataType } from './sql-data.ts';
import { QueryInputError } from './sql-literals.ts';

const inputs = (values: { region: string; min: number; table: string }): LiteralMap =>
  ({
    literals: {
      region: t.string().toLiteral(values.region),
      min: t.int().toLiteral(values.min),
      table: t.string().toLiteral(values.table),
    },
  }) as unknown as LiteralMap;
const QUERY =
  'SELECT * FROM {{ .inputs.table | identifier }} WHERE region = {{ .inputs.region }} AND n > {{ .inputs.min }} OR alt = {{ .inputs.region }}';
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
    expect(() => renderQuery(template, { literals: {} } as unknown as LiteralMap, trinoDialect)).toThrow(
      /input 'table' is referenced by the query/,
    );
    expect(() => renderQuery(template, inputs({ region: 'eu', min: 1, table: 'x; DROP TABLE y' }), trinoDialect)).toThrow(QueryInputError);
  });

  it("refuses a rendered query over the dialect's limit", () => {
    const short = sqlDialect({ name: 'Tiny', binding: 'positional', maxQueryLength: 10 });
    expect(() => renderQuery(template, values, short)).toThrow(/Tiny takes at most 10/);
  });
});

describe('checkQuery at definition', () => {
  const task = (declared: Record<string, ReturnType<typeof t.string>>): DefinedTask =>
    ({ name: 'q', inputs: declared }) as unknown as DefinedTask;

  it('accepts a query whose references are exactly the declared inputs', () => {
    expect(checkQuery(task({ region: t.string() }), 'SELECT {{ .inputs.region }}').references).toHaveLength(1);
  });

  it('refuses an undeclared reference and an unused input', () => {
    expect(() => checkQuery(task({}), 'SELECT {{ .inputs.region }}')).toThrow(/references input 'region' .* which is not declared/);
    expect(() => checkQuery(task({ region: t.string(), extra: t.string() }), 'SELECT {{ .inputs.region }}')).toThrow(
      /option 'inputs.extra' is not referenced by the query/,
    );
    expect(() => checkQuery(task({}), 'SELECT {{ .inputs.region }}')).toThrow(InvalidOptionError);
  });
});

describe('values beyond scalars, for a dialect that binds them', () => {
  const wide = sqlDialect({ name: 'Wide', binding: 'named', binds: { bytes: true, arrays: true, structs: true } });
  const declared = { xs: t.list(t.int()), blob: t.binary(), rec: t.struct(), maybe: t.optional(t.list(t.string())), n: t.int() };
  const literals = (values: Record<string, unknown>): LiteralMap => toLiteralMap(declared, values);
  const types = Object.fromEntries(Object.entries(declared).map(([k, v]) => [k, v.literalType()]));
  const all = parseQueryTemplate('SELECT {{ .inputs.xs }}, {{ .inputs.blob }}, {{ .inputs.rec }}, {{ .inputs.maybe }}, {{ .inputs.n }}');

  it('renders lists, bytes and structs as typed data, and a null optional with its declared type', () => {
    const { parameters } = renderQuery(
      all,
      literals({ xs: [1, 2], blob: new Uint8Array([1, 2]), rec: { a: 'x', b: 1.5, c: [true] }, maybe: null, n: 7 }),
      wide,
      { types },
    );
    expect(Object.fromEntries(parameters.map((p) => [p.name, p.value]))).toEqual({
      xs: {
        type: 'array',
        element: { kind: 'integer' },
        items: [
          { type: 'integer', value: 1n },
          { type: 'integer', value: 2n },
        ],
      },
      blob: { type: 'bytes', value: new Uint8Array([1, 2]) },
      rec: {
        type: 'struct',
        fields: [
          { name: 'a', value: { type: 'string', value: 'x' } },
          { name: 'b', value: { type: 'float', value: 1.5 } },
          { name: 'c', value: { type: 'array', element: undefined, items: [{ type: 'boolean', value: true }] } },
        ],
      },
      maybe: { type: 'null', of: { kind: 'array', element: { kind: 'string' } } },
      n: { type: 'integer', value: 7n },
    });
  });

  it('keeps the element type of an empty list from the declaration', () => {
    const { parameters } = renderQuery(all, literals({ xs: [], blob: new Uint8Array(), rec: {}, maybe: ['a'], n: 0 }), wide, { types });
    expect(sqlDataType(parameters[0]!.value)).toEqual({ kind: 'array', element: { kind: 'integer' } });
    expect(parameters[3]?.value).toEqual({ type: 'array', element: { kind: 'string' }, items: [{ type: 'string', value: 'a' }] });
  });

  it('is accepted at definition by the dialect that binds it, and refused by one that does not', () => {
    const task = { name: 'q', inputs: declared } as unknown as DefinedTask;
    expect(checkQuery(task, all.statement, { dialect: wide }).references).toHaveLength(5);
    expect(() => checkQuery(task, all.statement, { dialect: trinoDialect })).toThrow(
      /'inputs.xs' has type list<int>, which has no SQL literal form \(list\)/,
    );
    const nested = { name: 'q', inputs: { xss: t.list(t.list(t.int())) } } as unknown as DefinedTask;
    expect(() => checkQuery(nested, 'SELECT {{ .inputs.xss }}', { dialect: wide })).toThrow(/no SQL literal form \(list of lists\)/);
  });

  it('refuses such a value at render time in a scalar dialect, naming the input', () => {
    expect(() =>
      renderQuery(parseQueryTemplate('SELECT {{ .inputs.xs }}'), toLiteralMap({ xs: t.list(t.int()) }, { xs: [1] }), trinoDialect),
    ).toThrow(/input 'xs' holds a value of type collection/);
  });
});

describe('inline literals', () => {
  it('parenthesize a negative number, so x-{{ .inputs.n }} never becomes a -- comment', () => {
    const inline = sqlDialect({ name: 'Inline', binding: 'inline' });
    const template = parseQueryTemplate('SELECT 1-{{ .inputs.n }}, 2-{{ .inputs.f }}');
    const { query } = renderQuery(template, toLiteralMap({ n: t.int(), f: t.float() }, { n: -5, f: -0.5 }), inline);
    expect(query).toBe('SELECT 1-(-5), 2-(-5E-1)');
  });
});
