// A Snowflake query as a typed task: the orders of one region above a minimum amount. The inputs are
// sent as bound values (`?`), never spliced into the SQL. Run it with
//   npx tflyte run examples/snowflake.ts ordersByRegion --region eu --min-amount 10
// and snowflakePlugin() in tflyte.config.ts. Credentials come from the plugin options or the
// environment (SNOWFLAKE_USER, SNOWFLAKE_PRIVATE_KEY_PATH | SNOWFLAKE_PASSWORD | SNOWFLAKE_TOKEN);
// TFLYTE_SNOWFLAKE_ACCESS_URL points a run at another endpoint, such as the local test server.
import { t } from '@tflyte/core';
import { snowflakeTask } from '@tflyte/plugin-snowflake';

/** Orders placed in `region` for at least `minAmount`: where the result is, and the rows. */
export const ordersByRegion = snowflakeTask({
  name: 'ordersByRegion',
  query: `
    SELECT id, customer, amount
    FROM orders
    WHERE region = {{ .inputs.region }}
      AND amount >= {{ .inputs.minAmount }}
    ORDER BY id`,
  inputs: { region: t.string(), minAmount: t.float().default(0) },
  account: 'tflyte',
  database: 'SALES',
  schema: 'PUBLIC',
  warehouse: 'COMPUTE_WH',
  outputs: { results: t.dataset(), rows: t.list(t.struct()) },
});
