// A BigQuery task for serialize's stock-propeller spec: scalar inputs referenced as plain values, so
// propeller's BigQuery plugin (which binds every input as a named parameter) runs it as tflyte does.
import { t } from '@tflyte/core';
import { bigqueryTask } from '@tflyte/plugin-bigquery';

export const ordersAbove = bigqueryTask({
  name: 'ordersAbove',
  query: 'SELECT id, amount FROM `example-project.sales.orders` WHERE region = {{ .inputs.region }} AND amount >= {{ .inputs.minAmount }}',
  inputs: { region: t.string(), minAmount: t.float() },
  projectId: 'example-project',
  location: 'EU',
});
