import { t, toTaskTemplate } from '@tflyte/core';
import { describe, expect, it } from 'vitest';
import { readTemplate, snowflakeTask } from './index.ts';

const base = { account: 'xy12345.us-east-1', user: 'ada', database: 'SALES', schema: 'PUBLIC', warehouse: 'COMPUTE_WH' } as const;

describe('snowflakeTask', () => {
  it("serializes as flytekit's SnowflakeTask: type snowflake, no custom, the connection in config, the statement in sql", () => {
    const task = snowflakeTask({
      ...base,
      name: 'orders',
      inputs: { region: t.string() },
      query: 'SELECT *\n  FROM orders WHERE region = {{ .inputs.region }}',
    });
    const template = toTaskTemplate(task);
    expect(template.type).toBe('snowflake');
    expect(template.taskTypeVersion).toBe(0);
    expect(template.custom).toBeUndefined();
    expect(template.config).toEqual({
      account: 'xy12345.us-east-1',
      user: 'ada',
      database: 'SALES',
      schema: 'PUBLIC',
      warehouse: 'COMPUTE_WH',
    });
    expect(template.target).toMatchObject({
      case: 'sql',
      value: { statement: 'SELECT * FROM orders WHERE region = {{ .inputs.region }}' },
    });
    expect(Object.keys(template.interface?.outputs?.variables ?? {})).toEqual(['results']);
    expect(readTemplate(template).config).toMatchObject({ account: 'xy12345.us-east-1', database: 'SALES', role: '' });
  });

  it('writes role and the rows bound when set', () => {
    const task = snowflakeTask({
      ...base,
      name: 'rows',
      role: 'ANALYST',
      query: 'SELECT 1',
      outputs: { rows: t.list(t.struct()) },
      maxRows: 5,
    });
    expect(toTaskTemplate(task).config).toMatchObject({ role: 'ANALYST', snowflake_max_rows: '5' });
  });

  it('fails at definition on a reference to an undeclared input, naming it', () => {
    expect(() => snowflakeTask({ ...base, name: 'bad', query: 'SELECT {{ .inputs.missing }}' })).toThrow(
      /references input 'missing'.*not declared/,
    );
  });

  it('fails at definition on an unused input, a bad name, and a missing database', () => {
    expect(() => snowflakeTask({ ...base, name: 'unused', inputs: { x: t.int() }, query: 'SELECT 1' })).toThrow(/inputs.x.*not referenced/);
    expect(() => snowflakeTask({ ...base, name: 'badwh', warehouse: 'wh"; drop', query: 'SELECT 1' })).toThrow(/option 'warehouse'/);
    expect(() => snowflakeTask({ ...base, name: 'nodb', database: '', query: 'SELECT 1' })).toThrow(/option 'database' is required/);
    expect(() => snowflakeTask({ ...base, name: 'list', inputs: { xs: t.list(t.int()) }, query: 'SELECT {{ .inputs.xs }}' })).toThrow(
      /inputs.xs/,
    );
  });
});
