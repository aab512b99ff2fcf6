import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '@tflyte/cli';
import { openSession, withRunner } from '@tflyte/core';
import { athenaPlugin } from '@tflyte/plugin-athena';
import { type AthenaTestServer, startAthenaServer } from '@tflyte/plugin-athena/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ordersByRegion } from './athena.ts';

const CREDENTIALS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'example-secret' };

describe('examples/athena', () => {
  let server: AthenaTestServer;
  let scratch: string;
  beforeAll(async () => {
    server = await startAthenaServer({ workGroups: { primary: { outputLocation: 's3://example-results/athena/' } } });
    await server.sql(`
      CREATE SCHEMA sales;
      CREATE TABLE sales.orders(id INTEGER, customer VARCHAR, region VARCHAR, amount DECIMAL(10,2));
      INSERT INTO sales.orders VALUES
        (1, 'ada', 'eu', 12.50), (2, 'grace', 'us', 7.05), (3, 'edsger', 'eu', 99.99), (4, 'barbara', 'eu', 3.00);`);
    scratch = await mkdtemp(join(tmpdir(), 'tflyte-example-athena-'));
  });
  afterAll(async () => {
    await server?.close();
    if (scratch !== undefined) await rm(scratch, { recursive: true, force: true });
  });

  it('runs through the executor with the Athena plugin pointed at the test server', async () => {
    const plugin = athenaPlugin({ region: 'us-east-1', endpoint: server.endpoint, credentials: CREDENTIALS, poll: { initialMs: 10 } });
    const session = await openSession({ cwd: scratch, config: { plugins: [plugin], stateDir: join(scratch, 'state') } });
    try {
      const { results, rows } = await withRunner(session.runner(), () => ordersByRegion({ region: 'eu', minAmount: 10 }));
      const [execution] = server.executions();
      expect(results).toEqual({ uri: `s3://example-results/athena/${execution?.queryExecutionId}.csv`, format: 'csv' });
      expect(rows).toEqual([
        { id: 1, customer: 'ada', amount: '12.50' },
        { id: 3, customer: 'edsger', amount: '99.99' },
      ]);
      expect(execution).toMatchObject({
        query: expect.stringContaining('WHERE region = ? AND amount >= ?'),
        executionParameters: ["'eu'", '1E1'],
      });
    } finally {
      session.close();
    }
  });

  it('runs with tflyte run, configured by endpoint through the SDK environment, printing the result location and rows', async () => {
    const project = join(scratch, 'project');
    const pluginUrl = new URL('../packages/plugin-athena/src/index.ts', import.meta.url).href;
    await mkdir(project);
    await writeFile(
      join(project, 'tflyte.config.ts'),
      `import { athenaPlugin } from ${JSON.stringify(pluginUrl)};\n` +
        `export default { plugins: [athenaPlugin({ poll: { initialMs: 10 } })] };\n`,
    );
    const env = {
      AWS_ENDPOINT_URL_ATHENA: server.endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
    };
    const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
    Object.assign(process.env, env);
    const out: string[] = [];
    const err: string[] = [];
    try {
      const file = new URL('./athena.ts', import.meta.url).pathname;
      const code = await main(['run', file, 'ordersByRegion', '--region', 'eu'], {
        cwd: project,
        out: (l) => out.push(l),
        err: (l) => err.push(l),
        env: process.env,
        isTTY: false,
      });
      expect(code).toBe(0);
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
    const printed = JSON.parse(out.join('\n')) as { results: { uri: string }; rows: unknown[] };
    const last = server.executions().at(-1);
    // Progress goes to stderr, with the query's console link.
    expect(err.join('\n')).toContain(
      `Athena Query Console: https://us-east-1.console.aws.amazon.com/athena/home?region=us-east-1#/query-editor/history/${last?.queryExecutionId}`,
    );
    expect(printed.results).toEqual({ uri: last?.outputLocation, format: 'csv' });
    expect(printed.rows).toEqual([
      { id: 1, customer: 'ada', amount: '12.50' },
      { id: 3, customer: 'edsger', amount: '99.99' },
      { id: 4, customer: 'barbara', amount: '3.00' },
    ]);
  });

  it('is named by module and export, as Flyte names tasks', () => {
    expect(ordersByRegion.name).toBe('examples.athena.ordersByRegion');
  });
});
