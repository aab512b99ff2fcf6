import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '@tflyte/cli';
import { type HiveServerOptions, type HiveTestServer, startHiveServer } from '@tflyte/plugin-hive/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ordersByRegion } from './hive.ts';
import { killGroup, killStragglers, type TflyteProcess, tflyte, until } from './test-support/tflyte-bin.ts';

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
      const code = await main(['run', file, 'ordersByRegion', '--region', "eu' OR '1'='1", '--min-amount', '10'], {
        cwd: project,
        out: (l) => out.push(l),
        err: (l) => err.push(l),
        env: process.env,
        isTTY: false,
      });
      expect(code, err.join('\n')).toBe(0);
      const again = await main(['run', file, 'ordersByRegion', '--region', 'eu', '--min-amount', '10'], {
        cwd: project,
        out: (l) => out.push(l),
        err: (l) => err.push(l),
        env: process.env,
        isTTY: false,
      });
      expect(again, err.join('\n')).toBe(0);
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
    const [injected, printed] = out
      .join('\n')
      .split(/\n(?=\{)/)
      .map((text) => JSON.parse(text) as { rows: unknown[] });
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
    expect(
      operations.every((o) => o.closed && o.runs === 1 && o.confOverlay['tflyte.tags'] === 'team:sales' && o.queryTimeoutSeconds === 600),
    ).toBe(true);
    expect(server.sessions().map((s) => [s.username, s.closed])).toEqual([
      ['ada', true],
      ['ada', true],
    ]);
  });

  it('is named by module and export, as Flyte names tasks', () => {
    expect(ordersByRegion.name).toBe('examples.hive.ordersByRegion');
  });
});

const EXAMPLE = new URL('./hive.ts', import.meta.url).pathname;
const ORDERS = ['run', EXAMPLE, 'ordersByRegion', '--region', 'eu', '--min-amount', '10'];

describe('examples/hive, `npx tflyte run` killed with SIGKILL and run again', () => {
  const servers: HiveTestServer[] = [];
  afterAll(async () => {
    await killStragglers();
    for (const server of servers) await server.close();
  });

  /** The orders query runs until the test moves it on, so a run can be killed while it is live. */
  const serve = async (options: HiveServerOptions): Promise<HiveTestServer> => {
    const server = await startHiveServer({
      ...options,
      users: { ada: 'secret' },
      onStatement: (sql) => (/FROM orders/.test(sql) ? { runningMs: Number.POSITIVE_INFINITY } : undefined),
    });
    servers.push(server);
    await server.sql(`CREATE SCHEMA sales; CREATE TABLE sales.orders(id INTEGER, customer VARCHAR, region VARCHAR, amount DECIMAL(10,2));
      INSERT INTO sales.orders VALUES (1, 'ada', 'eu', 12.50), (2, 'grace', 'us', 7.05), (3, 'edsger', 'eu', 99.99);`);
    return server;
  };
  /** A project of its own per test (runs are identified per state directory). */
  const newProject = async (): Promise<string> => {
    const project = await mkdtemp(join(tmpdir(), 'tflyte-example-hive-kill-'));
    const pluginUrl = new URL('../packages/plugin-hive/src/index.ts', import.meta.url).href;
    await writeFile(
      join(project, 'tflyte.config.ts'),
      `import { hivePlugin } from ${JSON.stringify(pluginUrl)};\nexport default { plugins: [hivePlugin({ poll: { initialMs: 20, multiplier: 1, maxMs: 20 } })] };\n`,
    );
    return project;
  };
  /** `npx tflyte <args>` in the project, pointed at the server by TFLYTE_HIVE_URL. */
  const run = (project: string, url: string): TflyteProcess =>
    tflyte(ORDERS, { cwd: project, env: { ...process.env, TFLYTE_HIVE_URL: url, HIVE_USER: 'ada', HIVE_PASSWORD: 'secret' } });
  const statusChecks = (server: HiveTestServer) => server.log.count('GetOperationStatus');

  it('over HTTP, where the session outlives the process: the next run re-attaches, and there is one statement', async () => {
    const server = await serve({ transport: 'http' });
    const url = `jdbc:hive2://${server.host}:${server.port}/sales;transportMode=http;httpPath=cliservice`;
    const project = await newProject();
    const first = run(project, url);
    // A status check comes after the handle is stored: from then on a restart re-attaches.
    await until('it followed the query', () => statusChecks(server) > 0, first);
    await killGroup(first);
    const checked = statusChecks(server);

    const second = run(project, url);
    await until('it followed the query again', () => statusChecks(server) > checked, second);
    expect(server.advance(server.operations()[0]!.id)).toBe(true);
    expect(await second.exited, second.stderr).toEqual({ code: 0, signal: null });
    expect(JSON.parse(second.stdout)).toMatchObject({ rows: [{ id: 1 }, { id: 3 }] });
    expect(second.stderr).toMatch(/resuming run/);
    expect(server.log.count('ExecuteStatement')).toBe(1);
    expect(server.operations()).toMatchObject([{ state: 'CLOSED', runs: 1 }]);
    await rm(project, { recursive: true, force: true });
  });

  it('on the binary transport, where HiveServer2 closes the session with the connection: the next run resubmits once, and the statement ran once', async () => {
    const server = await serve({ transport: 'binary', auth: 'plain' });
    const url = `jdbc:hive2://${server.host}:${server.port}/sales`;
    const project = await newProject();
    const first = run(project, url);
    await until('it followed the query', () => statusChecks(server) > 0, first);
    await killGroup(first);

    const second = run(project, url);
    await until('it submitted again', () => server.operations()[1]?.state === 'RUNNING', second);
    expect(server.advance(server.operations()[1]!.id)).toBe(true);
    expect(await second.exited, second.stderr).toEqual({ code: 0, signal: null });
    expect(JSON.parse(second.stdout)).toMatchObject({ rows: [{ id: 1 }, { id: 3 }] });
    expect(second.stderr).toMatch(/resuming run/);
    expect(second.stderr).toMatch(
      /attempt 0 failed \(system, retryable\): Hive operation .* is gone.*cannot re-attach after a restart; the next attempt submits the query again/,
    );
    // The killed run's statement was cancelled with its session before it ran; the new one ran once.
    expect(server.operations().map((o) => [o.state, o.runs])).toEqual([
      ['CANCELED', 0],
      ['CLOSED', 1],
    ]);
    await rm(project, { recursive: true, force: true });
  });
});
