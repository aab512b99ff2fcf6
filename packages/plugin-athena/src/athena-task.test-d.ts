// Type-level specification of athenaTask: checked by `tsc -p tsconfig.json` (typecheck), not run by vitest.
import { type JsonObject, type StructuredDatasetRef, t } from '@tflyte/core';
import { expectTypeOf } from 'vitest';
import { athenaTask } from './athena-task.ts';

// Without outputs: the result file.
const plain = athenaTask({
  name: 'plain',
  query: 'SELECT * FROM t WHERE r = {{ .inputs.region }}',
  inputs: { region: t.string() },
  database: 'db',
});
expectTypeOf(plain).parameter(0).toEqualTypeOf<{ region: string | PromiseLike<string> }>();
expectTypeOf(plain).returns.resolves.toEqualTypeOf<{ results: StructuredDatasetRef }>();

// With rows.
const withRows = athenaTask({
  name: 'withRows',
  query: 'SELECT 1 WHERE {{ .inputs.n }} > 0',
  inputs: { n: t.optional(t.int()) },
  database: 'db',
  outputs: { results: t.dataset({ format: 'csv' }), rows: t.list(t.struct()) },
});
expectTypeOf(withRows).returns.resolves.toEqualTypeOf<{ results: StructuredDatasetRef; rows: JsonObject[] }>();

// No outputs.
const ddl = athenaTask({ name: 'ddl', query: 'CREATE TABLE x (a int)', database: 'db', outputs: {} });
expectTypeOf(ddl).returns.resolves.toEqualTypeOf<{}>();

// Only results and rows are Athena outputs; the database is required.
// @ts-expect-error an Athena task produces no `total`
athenaTask({ name: 'bad', query: 'SELECT 1', database: 'db', outputs: { total: t.int() } });
// @ts-expect-error database is required
athenaTask({ name: 'bad', query: 'SELECT 1' });
