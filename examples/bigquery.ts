// A BigQuery query job as a typed task: the orders of one region above a minimum amount. The inputs
// travel to BigQuery as typed named parameters (@region STRING, @minAmount FLOAT64), never spliced
// into the SQL. Run it with
//   npx tflyte run examples/bigquery.ts ordersByRegion --region eu --min-amount 10
// and bigqueryPlugin() in tflyte.config.ts. Credentials are Application Default Credentials; for a
// local server (startBigQueryServer from @tflyte/plugin-bigquery/testing) set the SDK's own
// BIGQUERY_EMULATOR_HOST=http://127.0.0.1:PORT (and METADATA_SERVER_DETECTION=none).
import { t } from '@tflyte/core';
import { bigqueryTask } from '@tflyte/plugin-bigquery';

/** Orders placed in `region` for at least `minAmount`: the destination table and, as it is small, the rows. */
export const ordersByRegion = bigqueryTask({
  name: 'ordersByRegion',
  query: `
    SELECT id, customer, amount
    FROM \`example-project.sales.orders\`
    WHERE region = {{ .inputs.region }}
      AND amount >= {{ .inputs.minAmount }}
    ORDER BY id`,
  inputs: { region: t.string(), minAmount: t.float().default(0) },
  projectId: 'example-project',
  location: 'EU',
  queryConfig: { labels: { example: 'orders' } },
  outputs: { results: t.dataset(), rows: t.list(t.struct()) },
});
