// Athena tasks for serialize's stock-propeller spec: one propeller renders as tflyte does, and one
// per way propeller's raw pasting goes wrong.
import { t } from '@tflyte/core';
import { athenaTask } from '@tflyte/plugin-athena';

export const countAbove = athenaTask({
  name: 'countAbove',
  query: 'SELECT count(*) AS n FROM numbers WHERE n > {{ .inputs.above }} AND flagged = {{ .inputs.flagged }}',
  inputs: { above: t.int(), flagged: t.bool() },
  database: 'bench',
});

export const byRegion = athenaTask({
  name: 'byRegion',
  query: 'SELECT id FROM orders WHERE region = {{ .inputs.region }}',
  inputs: { region: t.string() },
  database: 'sales',
});

export const fromTable = athenaTask({
  name: 'fromTable',
  query: 'SELECT count(*) AS n FROM {{ .inputs.table | identifier }}',
  inputs: { table: t.string() },
  database: 'sales',
});

export const atLeast = athenaTask({
  name: 'atLeast',
  query: 'SELECT id FROM orders WHERE amount >= {{ .inputs.min }}',
  inputs: { min: t.optional(t.int()) },
  database: 'sales',
});

export const offset = athenaTask({
  name: 'offset',
  query: 'SELECT id FROM orders WHERE id = 100-{{ .inputs.delta }}',
  inputs: { delta: t.int() },
  database: 'sales',
  outputs: { results: t.dataset({ format: 'csv' }), rows: t.list(t.struct()) },
});
