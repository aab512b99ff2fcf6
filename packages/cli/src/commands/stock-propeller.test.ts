import { create } from '@bufbuild/protobuf';
import { TaskTemplateSchema } from '@tflyte/idl/core/tasks';
import { describe, expect, it } from 'vitest';
import { checkStockPropeller, StockPropellerRefusalError, stockPropellerProblems } from './stock-propeller.ts';

// A hand-written template: the Snowflake plugin's unescaped JSON body depends on the statement's text only.
function snowflake(statement: string, config: Record<string, string> = {}) {
  return create(TaskTemplateSchema, {
    id: { name: 'wh.count' },
    type: 'snowflake',
    config: { account: 'acme', database: 'SALES', schema: 'PUBLIC', warehouse: 'WH', ...config },
    target: { case: 'sql', value: { statement } },
  });
}

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
    expect(() => checkStockPropeller([template], new Set())).toThrow(StockPropellerRefusalError);
    expect(() => checkStockPropeller([template], new Set(['snowflake']))).not.toThrow();
  });
});
