// An Athena query task, authored in TypeScript as any tflyte task. Whether it runs through the
// Athena plugin in-process or through a Flyte connector is the project's configuration, not the
// task's: see client/tflyte.config.ts.
import { t } from '@tflyte/core';
import { athenaTask } from '@tflyte/plugin-athena';

/** The customers with orders in `region`. */
export const customersIn = athenaTask({
  name: 'customersIn',
  query: 'SELECT id, customer FROM orders WHERE region = {{ .inputs.region }} ORDER BY id',
  inputs: { region: t.string() },
  database: 'sales',
  outputs: { rows: t.list(t.struct()) },
});
