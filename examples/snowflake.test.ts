import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '@tflyte/cli';
import { type SnowflakeTestServer, startSnowflakeServer } from '@tflyte/plugin-snowflake/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

describe('examples/snowflake', () => {
  let server: SnowflakeTestServer;
  let scratch: string;
  beforeAll(async () => {
    server = await startSnowflakeServer({ users: { ada: { password: 'secret' } } });
    await server.sql('CREATE TABLE SALES.PUBLIC.orders(id INTEGER, customer VARCHAR, region VARCHAR, amount DOUBLE)', 'SALES', 'PUBLIC');
    await server.sql("INSERT INTO SALES.PUBLIC.orders VALUES (1,'ada','eu',12.5),(2,'grace','us',7.05),(3,'edsger','eu',99.99),(4,'barbara','eu',3.0)");
    scratch = await mkdtemp(join(tmpdir(), 'tflyte-example-snowflake-'));
  });
  afterAll(async () => {
    await server?.close();
    if (scratch !== undefined) await rm(scratch, { recursive: true, force: true });
  });

  it('runs with tflyte run, pointed at the test server through the environment, printing the result and rows', async () => {
    const project = join(scratch, 'project');
    const pluginUrl = new URL('../packages/plugin-snowflake/src/index.ts', import.meta.url).href;
    await mkdir(project);
    await writeFile(join(project, 'tflyte.config.ts'), `import { snowflakePlugin } from ${JSON.stringify(pluginUrl)};\nexport default { plugins: [snowflakePlugin({ poll: { initialMs: 10, multiplier: 1, maxMs: 10 } })] };\n`);
    const env = { TFLYTE_SNOWFLAKE_ACCESS_URL: server.endpoint, SNOWFLAKE_USER: 'ada', SNOWFLAKE_PASSWORD: 'secret' };
    const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
    Object.assign(process.env, env);
    const out: string[] = [];
    const err: string[] = [];
    try {
      const file = new URL('./snowflake.ts', import.meta.url).pathname;
      const code = await main(['run', file, 'ordersByRegion', '--region', 'eu', '--min-amount', '10'], { cwd: project, out: (l) => out.push(l), err: (l) => err.push(l), env: process.env, isTTY: false });
      expect(code, err.join('\n')).toBe(0);
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
    const printed = JSON.parse(out.join('\n')) as { results: { uri: string }; rows: unknown[] };
    const [query] = server.executions(/FROM orders/);
    expect(printed.results.uri).toBe(`snowflake://ada:tflyte/COMPUTE_WH/SALES/PUBLIC/${query?.queryId}`);
    expect(printed.rows).toEqual([{ ID: 1, CUSTOMER: 'ada', AMOUNT: 12.5 }, { ID: 3, CUSTOMER: 'edsger', AMOUNT: 99.99 }]);
    expect(server.executions(/FROM orders/)).toHaveLength(1);
  });
});
