import { copyFile, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { main } from '@tflyte/cli';
import { type SnowflakeTestServer, startSnowflakeServer } from '@tflyte/plugin-snowflake/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killGroup, killStragglers, type TflyteProcess, tflyte, until } from './test-support/tflyte-bin.ts';

describe('examples/snowflake', () => {
  let server: SnowflakeTestServer;
  let scratch: string;
  beforeAll(async () => {
    server = await startSnowflakeServer({ users: { ada: { password: 'secret' } } });
    await server.sql('CREATE TABLE SALES.PUBLIC.orders(id INTEGER, customer VARCHAR, region VARCHAR, amount DOUBLE)', 'SALES', 'PUBLIC');
    await server.sql(
      "INSERT INTO SALES.PUBLIC.orders VALUES (1,'ada','eu',12.5),(2,'grace','us',7.05),(3,'edsger','eu',99.99),(4,'barbara','eu',3.0)",
    );
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
    await writeFile(
      join(project, 'tflyte.config.ts'),
      `import { snowflakePlugin } from ${JSON.stringify(pluginUrl)};\nexport default { plugins: [snowflakePlugin({ poll: { initialMs: 10, multiplier: 1, maxMs: 10 } })] };\n`,
    );
    const env = { TFLYTE_SNOWFLAKE_ACCESS_URL: server.endpoint, SNOWFLAKE_USER: 'ada', SNOWFLAKE_PASSWORD: 'secret' };
    const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
    Object.assign(process.env, env);
    const out: string[] = [];
    const err: string[] = [];
    try {
      const file = new URL('./snowflake.ts', import.meta.url).pathname;
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
    const [query] = server.executions(/FROM orders/);
    expect(printed.results.uri).toBe(`snowflake://ada:tflyte/COMPUTE_WH/SALES/PUBLIC/${query?.queryId}`);
    expect(printed.rows).toEqual([
      { ID: 1, CUSTOMER: 'ada', AMOUNT: 12.5 },
      { ID: 3, CUSTOMER: 'edsger', AMOUNT: 99.99 },
    ]);
    expect(server.executions(/FROM orders/)).toHaveLength(1);
  });
});

const REPO_ROOT = resolve(import.meta.dirname, '..');
const ORDERS = ['run', 'snowflake.ts', 'ordersByRegion', '--region', 'eu', '--min-amount', '10'];

describe('examples/snowflake, `npx tflyte run` killed with SIGKILL and run again', () => {
  let server: SnowflakeTestServer;
  let project: string;
  beforeAll(async () => {
    // The orders query runs until the test moves it on, so a run can be killed while it is live.
    server = await startSnowflakeServer({
      users: { ada: { password: 'secret' } },
      onQuery: (q) => (/FROM orders/.test(q.sqlText) ? { runningMs: Number.POSITIVE_INFINITY } : undefined),
    });
    await server.sql('CREATE TABLE SALES.PUBLIC.orders(id INTEGER, customer VARCHAR, region VARCHAR, amount DOUBLE)', 'SALES', 'PUBLIC');
    await server.sql("INSERT INTO SALES.PUBLIC.orders VALUES (1,'ada','eu',12.5),(2,'grace','us',7.05),(3,'edsger','eu',99.99)");
  });
  afterAll(async () => {
    await killStragglers();
    await server?.close();
  });

  /**
   * A project of its own per test, holding a copy of the example. A run is resumed when the task's
   * version is the same, and in a git checkout that is the commit, which other work in this
   * repository moves while the suite runs; outside one it is the file's content digest.
   */
  const newProject = async () => {
    project = await mkdtemp(join(tmpdir(), 'tflyte-example-snowflake-kill-'));
    await copyFile(new URL('./snowflake.ts', import.meta.url), join(project, 'snowflake.ts'));
    await symlink(join(REPO_ROOT, 'node_modules'), join(project, 'node_modules'));
    const pluginUrl = new URL('../packages/plugin-snowflake/src/index.ts', import.meta.url).href;
    await writeFile(
      join(project, 'tflyte.config.ts'),
      `import { snowflakePlugin } from ${JSON.stringify(pluginUrl)};\nexport default { plugins: [snowflakePlugin({ poll: { initialMs: 20, multiplier: 1, maxMs: 20 } })] };\n`,
    );
  };
  /** `npx tflyte <args>` in the project, pointed at the server through the environment. */
  const run = (args: readonly string[]): TflyteProcess =>
    tflyte(args, {
      cwd: project,
      env: { ...process.env, TFLYTE_SNOWFLAKE_ACCESS_URL: server.endpoint, SNOWFLAKE_USER: 'ada', SNOWFLAKE_PASSWORD: 'secret' },
    });
  /** Runs the command again, lets the query finish, and checks the printed rows. */
  const rerunToTheEnd = async (queryId: string) => {
    const second = run(ORDERS);
    await until('it followed the query', () => server.calls.filter((c) => c.op === 'status').length > statusBefore(), second);
    expect(server.advance(queryId)).toBe(true);
    expect(await second.exited, second.stderr).toEqual({ code: 0, signal: null });
    expect(JSON.parse(second.stdout)).toMatchObject({ results: { uri: expect.stringContaining(queryId) }, rows: [{ ID: 1 }, { ID: 3 }] });
    return second;
  };
  let statusCalls = 0;
  const statusBefore = () => statusCalls;

  it('killed while the query runs: the next run re-attaches to it, and the statement ran once', async () => {
    await newProject();
    const before = server.executions(/FROM orders/).length;
    const first = run(ORDERS);
    await until('the query ran', () => /RUNNING/.test(first.stderr), first);
    await killGroup(first);
    const [query] = server.executions(/FROM orders/).slice(before);
    statusCalls = server.calls.filter((c) => c.op === 'status').length;
    const second = await rerunToTheEnd(query!.queryId);
    expect(second.stderr).toMatch(/resuming run/);
    expect(server.executions(/FROM orders/).slice(before)).toMatchObject([{ status: 'SUCCESS', runs: 1 }]);
    await rm(project, { recursive: true, force: true });
  }, 90_000);

  it('killed inside create, after the query was submitted and before its id came back: the next run finds it by its tag', async () => {
    await newProject();
    const before = server.executions(/FROM orders/).length;
    // The query request after the history lookup runs, and its answer is lost: the id never reaches the run.
    server.faults.script('query', [null, 'lost-response']);
    const first = run(ORDERS);
    await until('the submission was lost', () => server.faults.injected.some((f) => f.kind === 'lost-response'), first);
    await killGroup(first);
    const [query] = server.executions(/FROM orders/).slice(before);
    expect(server.executions(/FROM orders/).slice(before)).toHaveLength(1);
    statusCalls = server.calls.filter((c) => c.op === 'status').length;
    await rerunToTheEnd(query!.queryId);
    expect(server.executions(/FROM orders/).slice(before)).toMatchObject([{ status: 'SUCCESS', runs: 1 }]);
    await rm(project, { recursive: true, force: true });
  }, 90_000);
});
