import { create } from '@bufbuild/protobuf';
import { TaskTemplateSchema } from '@tflyte/idl/core/tasks';
import { type LiteralType, LiteralTypeSchema, SimpleType } from '@tflyte/idl/core/types';
import { describe, expect, it } from 'vitest';
import { forStockPropeller, StockPropellerRefusalError, stockPropellerProblems } from './stock-propeller.ts';

// A hand-written template: the Snowflake plugin's unescaped JSON body depends on the statement's text only.
function snowflake(statement: string, config: Record<string, string> = {}) {
  return create(TaskTemplateSchema, {
    id: { name: 'wh.count' },
    type: 'snowflake',
    config: { account: 'acme', database: 'SALES', schema: 'PUBLIC', warehouse: 'WH', ...config },
    target: { case: 'sql', value: { statement } },
  });
}

function bigquery(statement: string, inputs: Record<string, LiteralType>) {
  return create(TaskTemplateSchema, {
    id: { name: 'wh.q' },
    type: 'bigquery_query_job_task',
    interface: { inputs: { variables: Object.fromEntries(Object.entries(inputs).map(([k, type]) => [k, { type }])) } },
    target: { case: 'sql', value: { statement } },
  });
}

describe("propeller's BigQuery plugin", () => {
  it('refuses a filter, which it leaves unrendered, and an input it cannot bind even when unreferenced', () => {
    const table = bigquery('SELECT 1 FROM {{ .inputs.table | identifier }}', {
      table: create(LiteralTypeSchema, { type: { case: 'simple', value: SimpleType.STRING } }),
      at: create(LiteralTypeSchema, { type: { case: 'simple', value: SimpleType.DATETIME } }),
    });
    expect(stockPropellerProblems(table)).toEqual([
      expect.stringMatching(/renders no template, so BigQuery would receive \{\{ \.inputs\.table \| identifier \}\}/),
      expect.stringMatching(/input 'at' \(datetime\) fails the task/),
    ]);
  });
});

describe("propeller's Snowflake plugin", () => {
  it('accepts a statement its fmt-built JSON body carries intact', () => {
    expect(stockPropellerProblems(snowflake("SELECT count(*) FROM orders WHERE status = 'open'"))).toEqual([]);
  });

  it('refuses a quoted identifier or a backslash, which end or break the unescaped JSON string', () => {
    expect(stockPropellerProblems(snowflake('SELECT count(*) FROM "Orders"'))).toEqual([
      expect.stringMatching(/statement contains a double quote/),
    ]);
    expect(stockPropellerProblems(snowflake(String.raw`SELECT 'a\b'`))).toHaveLength(1);
  });

  it('refuses a role, which the plugin never sends', () => {
    expect(stockPropellerProblems(snowflake('SELECT 1', { role: 'ANALYST' }))).toEqual([
      expect.stringMatching(/role 'ANALYST' is ignored/),
    ]);
  });

  it('lets a type routed to a connector through', () => {
    const template = snowflake('SELECT 1', { role: 'ANALYST' });
    expect(() => forStockPropeller([template], new Set())).toThrow(StockPropellerRefusalError);
    expect(() => forStockPropeller([template], new Set(['snowflake']))).not.toThrow();
  });
});
