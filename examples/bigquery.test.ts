import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '@tflyte/cli';
import { type BigQueryTestServer, startBigQueryServer } from '@tflyte/plugin-bigquery/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ordersByRegion } from './bigquery.ts';

describe('examples/bigquery', () => {
  let server: BigQueryTestServer;
  let scratch: string;
  beforeAll(async () => {
    server = await startBigQueryServer({ queuedMs: 5, runningMs: 5 });
    await server.sql(`
      CREATE SCHEMA sales;
      CREATE TABLE sales.orders(id BIGINT, customer VARCHAR, region VARCHAR, amount DECIMAL(10,2));
      INSERT INTO sales.orders VALUES
        (1, 'ada', 'eu', 12.50), (2, 'grace', 'us', 7.05), (3, 'edsger', 'eu', 99.99), (4, 'barbara', 'eu', 3.00);`);
    scratch = await mkdtemp(join(tmpdir(), 'tflyte-example-bigquery-'));
  });
  afterAll(async () => {
    await server?.close();
    if (scratch !== undefined) await rm(scratch, { recursive: true, force: true });
  });

  it('runs with tflyte run against the test server named by BIGQUERY_EMULATOR_HOST, printing the result location and rows', async () => {
    const project = join(scratch, 'project');
    const pluginUrl = new URL('../packages/plugin-bigquery/src/index.ts', import.meta.url).href;
    await mkdir(project);
    await writeFile(
      join(project, 'tflyte.config.ts'),
      `import { bigqueryPlugin } from ${JSON.stringify(pluginUrl)};\n` +
        `export default { plugins: [bigqueryPlugin({ poll: { initialMs: 10 } })] };\n`,
    );
    const env = { BIGQUERY_EMULATOR_HOST: server.endpoint, METADATA_SERVER_DETECTION: 'none' };
    const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
    Object.assign(process.env, env);
    const out: string[] = [];
    const err: string[] = [];
    try {
      const file = new URL('./bigquery.ts', import.meta.url).pathname;
      const code = await main(['run', file, 'ordersByRegion', '--region', 'eu', '--min-amount', '10'], {
        cwd: project,
        out: (l) => out.push(l),
        err: (l) => err.push(l),
        env: process.env,
        isTTY: false,
      });
      expect(code, err.join('\n')).toBe(0);
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
    const printed = JSON.parse(out.join('\n')) as { results: { uri: string }; rows: unknown[] };
    const job = server.jobs().at(-1);
    expect(err.join('\n')).toContain(
      `BigQuery Console: https://console.cloud.google.com/bigquery?project=example-project&j=bq:EU:${job?.spec.jobId}&page=queryresults`,
    );
    expect(printed.results).toMatchObject({ uri: `bq://example-project:_anonymous_results.anon_${job?.spec.jobId}` });
    expect(printed.rows).toEqual([
      { id: 1, customer: 'ada', amount: '12.5' },
      { id: 3, customer: 'edsger', amount: '99.99' },
    ]);
    expect(job?.spec.parameters).toEqual([
      { name: 'region', parameterType: { type: 'STRING' }, parameterValue: { value: 'eu' } },
      { name: 'minAmount', parameterType: { type: 'FLOAT64' }, parameterValue: { value: '10' } },
    ]);
  });

  it('is named by module and export, as Flyte names tasks', () => {
    expect(ordersByRegion.name).toBe('examples.bigquery.ordersByRegion');
  });
});
