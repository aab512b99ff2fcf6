// An Athena query as a typed task: the orders of one region above a minimum amount. The region is
// sent to Athena as an execution parameter, never spliced into the SQL. Run it with
//   npx tflyte run examples/athena.ts ordersByRegion --region eu --min-amount 10
// and athenaPlugin() in tflyte.config.ts (AWS credentials, region and, for a local test server,
// AWS_ENDPOINT_URL_ATHENA come from the SDK's default chains).
import { t } from '@tflyte/core';
import { athenaTask } from '@tflyte/plugin-athena';

/** Orders placed in `region` for at least `minAmount`: the result file and, as it is small, the rows. */
export const ordersByRegion = athenaTask({
  name: 'ordersByRegion',
  query: `
    SELECT id, customer, amount
    FROM orders
    WHERE region = {{ .inputs.region }}
      AND amount >= {{ .inputs.minAmount }}
    ORDER BY id`,
  inputs: { region: t.string(), minAmount: t.float().default(0) },
  database: 'sales',
  outputs: { results: t.dataset({ format: 'csv' }), rows: t.list(t.struct()) },
});
