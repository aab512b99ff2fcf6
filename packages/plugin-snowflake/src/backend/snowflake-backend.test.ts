import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSession, type Session, TaskFailedError, t, withRunner } from '@tflyte/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { snowflakePlugin, snowflakeTask } from '../index.ts';
import { type SnowflakeTestServer, startSnowflakeServer } from '../testing/index.ts';

const keys = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
});
const conn = { account: 'tflyte', user: 'ada', database: 'SALES', schema: 'PUBLIC', warehouse: 'WH' } as const;
const poll = { initialMs: 5, multiplier: 1, maxMs: 5 };

const byRegion = snowflakeTask({
  ...conn,
  name: 'by_region',
  inputs: { region: t.string(), minAmount: t.float() },
  query: 'SELECT id, region FROM orders WHERE region = {{ .inputs.region }} AND amount >= {{ .inputs.minAmount }} ORDER BY id',
  outputs: { results: t.dataset(), rows: t.list(t.struct()) },
});

const echo = snowflakeTask({
  ...conn,
  name: 'echo',
  inputs: { s: t.string(), i: t.int(), f: t.float(), b: t.bool(), d: t.datetime() },
  query:
    'SELECT {{ .inputs.s }} AS s, {{ .inputs.i }} AS i, {{ .inputs.f }} AS f, {{ .inputs.b }} AS b, CAST({{ .inputs.d }} AS TIMESTAMP) AS d',
  outputs: { rows: t.list(t.struct()) },
});

const slow = snowflakeTask({ ...conn, name: 'slow', query: "SELECT 'slow' AS s", outputs: { rows: t.list(t.struct()) } });
const broken = snowflakeTask({ ...conn, name: 'broken', query: 'SELECT * FROM no_such_table', outputs: {} });

describe('the Snowflake backend through snowflake-sdk, against the test server', () => {
  let server: SnowflakeTestServer;
  let scratch: string;
  beforeAll(async () => {
    server = await startSnowflakeServer({
      users: { ada: { publicKey: keys.publicKey } },
      onQuery: (q) => (/slow/.test(q.sqlText) ? { runningMs: 60_000 } : { runningMs: 20 }),
    });
    await server.sql('CREATE TABLE SALES.PUBLIC.orders(id INTEGER, region VARCHAR, amount DOUBLE)', 'SALES', 'PUBLIC');
    await server.sql("INSERT INTO SALES.PUBLIC.orders VALUES (1,'eu',12.5),(2,'us',7.0),(3,'eu',99.9),(4,'eu',3.0)");
    scratch = await mkdtemp(join(tmpdir(), 'tflyte-snowflake-'));
  });
  afterAll(async () => {
    await server?.close();
    if (scratch !== undefined) await rm(scratch, { recursive: true, force: true });
  });

  const open = (dir: string, options: Parameters<typeof snowflakePlugin>[0] = {}): Promise<Session> =>
    openSession({
      cwd: scratch,
      config: {
        plugins: [snowflakePlugin({ accessUrl: server.endpoint, privateKey: keys.privateKey, poll, ...options })],
        stateDir: join(scratch, dir),
      },
    });

  it('runs a query with bound values, signing in with a key-pair JWT, and returns results and rows', async () => {
    const session = await open('basic');
    try {
      const out = await withRunner(session.runner(), () => byRegion({ region: 'eu', minAmount: 10 }));
      const [query] = server.executions(/FROM orders/);
      expect(out.rows).toEqual([
        { ID: 1, REGION: 'eu' },
        { ID: 3, REGION: 'eu' },
      ]);
      expect(out.results).toMatchObject({ uri: `snowflake://ada:tflyte/WH/SALES/PUBLIC/${query?.queryId}` });
      expect(query).toMatchObject({
        sqlText: expect.stringContaining('WHERE region = ? AND amount >= ?'),
        asyncExec: true,
        bindings: { 1: { type: 'TEXT', value: 'eu' }, 2: { type: 'FIXED', value: '10' } },
      });
    } finally {
      session.close();
    }
  });

  it('carries injection strings through every input type as bound values, executed for real', async () => {
    const session = await open('injection');
    const evil = "x' OR '1'='1'; DROP TABLE orders; --";
    try {
      const out = await withRunner(session.runner(), () =>
        echo({ s: evil, i: -42, f: -0.5, b: true, d: new Date('2024-01-02T03:04:05.678Z') }),
      );
      expect(out.rows).toEqual([{ S: evil, I: -42, F: -0.5, B: true, D: expect.stringMatching(/^2024-01-02T03:04:05\.678/) }]);
      expect(await server.sql('SELECT count(*)::INTEGER AS n FROM SALES.PUBLIC.orders')).toEqual([{ n: 4 }]);
    } finally {
      session.close();
    }
  });

  it('fails a query with its Snowflake error code and SQL state as a permanent USER failure', async () => {
    const session = await open('broken');
    try {
      const error = await withRunner(session.runner(), () => broken({})).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TaskFailedError);
      expect(error).toMatchObject({ failure: { kind: 'user', retryable: false, code: '002003:42S02' }, attempts: 1 });
    } finally {
      session.close();
    }
  });

  it('cancels: aborting the run cancels the query on the server', async () => {
    const session = await open('cancel');
    const controller = new AbortController();
    try {
      const run = withRunner(session.runner({ signal: controller.signal }), () => slow({})).catch((e: unknown) => e);
      for (let i = 0; i < 200 && server.executions(/slow/).length === 0; i++) await new Promise((r) => setTimeout(r, 10));
      controller.abort();
      expect(await run).toMatchObject({ code: 'TFLYTE_CANCELLED' });
      const [query] = server.executions(/slow/);
      expect(query?.status).toBe('ABORTED');
      expect(server.queries().some((q) => q.sqlText === `SELECT SYSTEM$CANCEL_QUERY('${query?.queryId}')`)).toBe(true);
    } finally {
      session.close();
    }
  });
});

describe('the Snowflake backend under injected faults', () => {
  it('with 20% of calls failing (5xx, resets, lost responses), ten runs give correct rows and execute ten queries', async () => {
    // Login is left alone: a failed login is retried by the SDK itself, and counts nothing here.
    // A lost response costs the SDK's own request timeout, so the ten runs take ~25 s on a quiet machine.
    const ops = ['query', 'status', 'result', 'abort'] as const;
    const server = await startSnowflakeServer({
      users: { ada: { publicKey: keys.publicKey } },
      faults: {
        seed: 21,
        rules: (['server-error', 'connection-reset', 'lost-response'] as const).map((kind) => ({ kind, ops, probability: 0.07 })),
      },
    });
    const scratch = await mkdtemp(join(tmpdir(), 'tflyte-snowflake-faults-'));
    const session = await openSession({
      cwd: scratch,
      config: {
        plugins: [snowflakePlugin({ accessUrl: server.endpoint, privateKey: keys.privateKey, poll })],
        stateDir: join(scratch, 'state'),
      },
    });
    const tagged = snowflakeTask({
      ...conn,
      name: 'tagged',
      inputs: { run: t.int() },
      query: 'SELECT {{ .inputs.run }} AS run',
      outputs: { rows: t.list(t.struct()) },
    });
    try {
      for (let run = 0; run < 10; run++) {
        const out = await withRunner(session.runner(), () => tagged({ run }));
        expect(out.rows).toEqual([{ RUN: run }]);
      }
      expect(server.executions(/AS run/).length).toBe(10);
      expect(server.faults.injected.length).toBeGreaterThan(0);
    } finally {
      session.close();
      await server.close();
      await rm(scratch, { recursive: true, force: true });
    }
  }, 120_000);
});
