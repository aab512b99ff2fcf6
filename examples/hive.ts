// A Hive query as a typed task: the orders of one region above a minimum amount. HiveServer2 has no
// parameter binding, so the inputs are written into the statement as typed HiveQL literals (a
// string quoted with Hive's backslash escapes, a number as a number), never spliced as text. Run it
// with
//   npx tflyte run examples/hive.ts ordersByRegion --region eu --min-amount 10
// and hivePlugin() in tflyte.config.ts. Without a host there, the run finds HiveServer2 in the
// environment, by the JDBC URL beeline takes:
//   TFLYTE_HIVE_URL='jdbc:hive2://hs2.example.com:10000/sales' HIVE_USER=ada HIVE_PASSWORD=… npx tflyte run …
// (`;transportMode=http;httpPath=cliservice` for the HTTP transport, `;auth=noSasl` for NOSASL);
// the same variables point a run at a local test server from @tflyte/plugin-hive/testing.
import { t } from '@tflyte/core';
import { hiveTask } from '@tflyte/plugin-hive';

/** Orders placed in `region` for at least `minAmount`, as rows. */
export const ordersByRegion = hiveTask({
  name: 'ordersByRegion',
  query: `
    SELECT id, customer, amount
    FROM orders
    WHERE region = {{ .inputs.region }}
      AND amount >= {{ .inputs.minAmount }}
    ORDER BY id`,
  inputs: { region: t.string(), minAmount: t.float().default(0) },
  outputs: { rows: t.list(t.struct()) },
  tags: { team: 'sales' },
  timeout: 600,
});
