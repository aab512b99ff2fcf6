import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '@tflyte/cli';
import { type HiveTestServer, startHiveServer } from '@tflyte/plugin-hive/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ordersByRegion } from './hive.ts';

describe('examples/hive', () => {
  let server: HiveTestServer;
  let scratch: string;
  beforeAll(async () => {
    server = await startHiveServer({ auth: 'plain', users: { ada: 'secret' } });
    await server.sql(`
      CREATE SCHEMA sales;
      CREATE TABLE sales.orders(id INTEGER, customer VARCHAR, region VARCHAR, amount DECIMAL(10,2));
      INSERT INTO sales.orders VALUES
        (1, 'ada', 'eu', 12.50), (2, 'grace', 'us', 7.05), (3, 'edsger', 'eu', 99.99), (4, 'barbara', 'eu', 3.00);`);
    scratch = await mkdtemp(join(tmpdir(), 'tflyte-example-hive-'));
  });
  afterAll(async () => {
    await server?.close();
    if (scratch !== undefined) await rm(scratch, { recursive: true, force: true });
  });

  it('runs with tflyte run, pointed at the test server by TFLYTE_HIVE_URL and beeline-style credentials', async () => {
    const project = join(scratch, 'project');
    const pluginUrl = new URL('../packages/plugin-hive/src/index.ts', import.meta.url).href;
    await mkdir(project);
    await writeFile(
      join(project, 'tflyte.config.ts'),
      `import { hivePlugin } from ${JSON.stringify(pluginUrl)};\n` +
        `export default { plugins: [hivePlugin({ poll: { initialMs: 10, multiplier: 1, maxMs: 10 } })] };\n`,
    );
    const env = { TFLYTE_HIVE_URL: `jdbc:hive2://${server.host}:${server.port}/sales`, HIVE_USER: 'ada', HIVE_PASSWORD: 'secret' };
    const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
    Object.assign(process.env, env);
    const out: string[] = [];
    const err: string[] = [];
    try {
      const file = new URL('./hive.ts', import.meta.url).pathname;
      const code = await main(['run', file, 'ordersByRegion', '--region', "eu' OR '1'='1", '--min-amount', '10'], { cwd: project, out: (l) => out.push(l), err: (l) => err.push(l), env: process.env, isTTY: false });
      expect(code, err.join('\n')).toBe(0);
      const again = await main(['run', file, 'ordersByRegion', '--region', 'eu', '--min-amount', '10'], { cwd: project, out: (l) => out.push(l), err: (l) => err.push(l), env: process.env, isTTY: false });
      expect(again, err.join('\n')).toBe(0);
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
    const [injected, printed] = out.join('\n').split(/\n(?=\{)/).map((text) => JSON.parse(text) as { rows: unknown[] });
    // The quote stays inside the string literal: no region is called that.
    expect(injected?.rows).toEqual([]);
    expect(printed?.rows).toEqual([
      { id: 1, customer: 'ada', amount: '12.50' },
      { id: 3, customer: 'edsger', amount: '99.99' },
    ]);
    const operations = server.operations();
    expect(operations.map((o) => o.statement.replace(/\s+/g, ' ').trim())).toEqual([
      "SELECT id, customer, amount FROM orders WHERE region = 'eu\\' OR \\'1\\'=\\'1' AND amount >= 1E1 ORDER BY id",
      "SELECT id, customer, amount FROM orders WHERE region = 'eu' AND amount >= 1E1 ORDER BY id",
    ]);
    expect(operations.every((o) => o.closed && o.runs === 1 && o.confOverlay['tflyte.tags'] === 'team:sales' && o.queryTimeoutSeconds === 600)).toBe(true);
    expect(server.sessions().map((s) => [s.username, s.closed])).toEqual([
      ['ada', true],
      ['ada', true],
    ]);
  });

  it('is named by module and export, as Flyte names tasks', () => {
    expect(ordersByRegion.name).toBe('examples.hive.ordersByRegion');
  });
});
