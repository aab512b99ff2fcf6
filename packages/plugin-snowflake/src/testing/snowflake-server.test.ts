import { generateKeyPairSync } from 'node:crypto';
import snowflake from 'snowflake-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SnowflakeTestServer, startSnowflakeServer } from './index.ts';

snowflake.configure({ logLevel: 'OFF' });

const keys = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
});
const other = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
});

function connect(server: SnowflakeTestServer, extra: Partial<snowflake.ConnectionOptions> = {}): Promise<snowflake.Connection> {
  const connection = snowflake.createConnection({
    account: 'tflyte',
    username: 'ada',
    password: 'pw',
    accessUrl: server.endpoint,
    database: 'SALES',
    schema: 'PUBLIC',
    warehouse: 'WH',
    ...extra,
  } as snowflake.ConnectionOptions);
  return new Promise((resolve, reject) => connection.connect((err, c) => (err ? reject(err) : resolve(c))));
}

function run(connection: snowflake.Connection, sqlText: string, binds?: snowflake.Binds): Promise<unknown[]> {
  return new Promise((resolve, reject) =>
    connection.execute({
      sqlText,
      ...(binds === undefined ? {} : { binds }),
      complete: (err, _s, rows) => (err ? reject(err) : resolve(rows ?? [])),
    }),
  );
}

describe('the Snowflake test server, through snowflake-sdk', () => {
  let server: SnowflakeTestServer;
  beforeAll(async () => {
    server = await startSnowflakeServer({
      users: { ada: { password: 'pw', publicKey: keys.publicKey, oauthTokens: ['oauth-1'] } },
      holdMs: 50,
      onQuery: (q) => (/slow/.test(q.sqlText) ? { runningMs: 300 } : undefined),
    });
    await server.sql(`CREATE TABLE SALES.PUBLIC.orders(id INTEGER, region VARCHAR, amount DECIMAL(10,2), placed DATE)`, 'SALES', 'PUBLIC');
    await server.sql(
      `INSERT INTO SALES.PUBLIC.orders VALUES (1,'eu',12.50,'2024-01-02'),(2,'us',7.05,'2024-02-03'),(3,'eu',99.99,'2024-03-04')`,
    );
  });
  afterAll(async () => server?.close());

  it('executes with binds on DuckDB and returns typed rows', async () => {
    const c = await connect(server);
    const rows = await run(c, 'SELECT id, region, amount, placed FROM orders WHERE region = ? AND amount >= ? ORDER BY id', ['eu', 10]);
    expect(rows).toMatchObject([
      { ID: 1, REGION: 'eu', AMOUNT: 12.5 },
      { ID: 3, REGION: 'eu', AMOUNT: 99.99 },
    ]);
    expect(server.executions(/FROM orders/).at(-1)?.bindings).toEqual({
      1: { type: 'TEXT', value: 'eu' },
      2: { type: 'FIXED', value: '10' },
    });
  });

  it('answers a synchronous query past the hold time with 333333, which the SDK follows to the result', async () => {
    const c = await connect(server);
    const rows = await run(c, "SELECT 'slow' AS s");
    expect(rows).toEqual([{ S: 'slow' }]);
    expect(server.calls.filter((x) => x.op === 'result').length).toBeGreaterThan(0);
  });

  it('runs an asynchronous query, monitored by id', async () => {
    const c = await connect(server);
    const statement = await new Promise<snowflake.RowStatement>((resolve, reject) =>
      c.execute({
        sqlText: "SELECT 42 AS answer, 'slow' AS s",
        asyncExec: true,
        complete: (err, s) => (err ? reject(err) : resolve(s as snowflake.RowStatement)),
      }),
    );
    const queryId = statement.getQueryId();
    expect(await c.getQueryStatus(queryId)).toBe('RUNNING');
    const results = await c.getResultsFromQueryId({ queryId });
    const rows = await new Promise<unknown[]>((resolve, reject) => {
      const out: unknown[] = [];
      results
        .streamRows()
        .on('data', (r: unknown) => out.push(r))
        .on('end', () => resolve(out))
        .on('error', reject);
    });
    expect(rows).toEqual([{ ANSWER: 42, S: 'slow' }]);
    expect(await c.getQueryStatus(queryId)).toBe('SUCCESS');
  });

  it('fails with Snowflake error codes and SQL states', async () => {
    const c = await connect(server);
    await expect(run(c, 'SELECT * FROM missing_table')).rejects.toMatchObject({ code: '002003', sqlState: '42S02' });
    await expect(run(c, 'SELEC 1')).rejects.toMatchObject({ code: '001003', sqlState: '42000' });
  });

  it('cancels with SYSTEM$CANCEL_QUERY', async () => {
    const c = await connect(server);
    const statement = await new Promise<snowflake.RowStatement>((resolve, reject) =>
      c.execute({
        sqlText: "SELECT 'slow' AS s",
        asyncExec: true,
        complete: (err, s) => (err ? reject(err) : resolve(s as snowflake.RowStatement)),
      }),
    );
    const queryId = statement.getQueryId();
    const answer = await run(c, `SELECT SYSTEM$CANCEL_QUERY('${queryId}')`);
    expect(Object.values(answer[0] as object)).toEqual([`query [${queryId}] terminated.`]);
    expect(await c.getQueryStatus(queryId)).toBe('ABORTED');
  });

  it('logs in with a key-pair JWT it verifies, and refuses another key', async () => {
    const c = await connect(server, { authenticator: 'SNOWFLAKE_JWT', privateKey: keys.privateKey, password: undefined });
    expect(await run(c, 'SELECT 1 AS one')).toEqual([{ ONE: 1 }]);
    await expect(
      connect(server, { authenticator: 'SNOWFLAKE_JWT', privateKey: other.privateKey, password: undefined }),
    ).rejects.toMatchObject({ code: '390144' });
  });

  it('logs in with an OAuth token and refuses a wrong password', async () => {
    const c = await connect(server, { authenticator: 'OAUTH', token: 'oauth-1', password: undefined });
    expect(await run(c, 'SELECT 1 AS one')).toEqual([{ ONE: 1 }]);
    await expect(connect(server, { password: 'nope' })).rejects.toMatchObject({ code: '390100' });
  });

  it('renews an expired session token on execute', async () => {
    const c = await connect(server);
    server.expireSessions();
    expect(await run(c, 'SELECT 2 AS two')).toEqual([{ TWO: 2 }]);
    expect(server.calls.some((x) => x.op === 'renew')).toBe(true);
  });

  it('keeps a request id per session: the same id returns the query in its session, and runs again in another', async () => {
    const requestId = '0b6d2a51-1111-4222-8333-444455556666';
    const submit = (c: snowflake.Connection) =>
      new Promise<string>((resolve, reject) =>
        c.execute({
          sqlText: "SELECT 'slow' AS s, 7 AS rid",
          asyncExec: true,
          requestId,
          complete: (err, s) => (err ? reject(err) : resolve(s.getQueryId())),
        }),
      );
    const c1 = await connect(server);
    const first = await submit(c1);
    expect(await submit(c1)).toBe(first);
    expect(await submit(await connect(server))).not.toBe(first);
    expect(server.executions(/AS rid/)).toHaveLength(2);
  });

  it('answers INFORMATION_SCHEMA.QUERY_HISTORY from its own queries, with each query tag, to any session of the user', async () => {
    const c1 = await connect(server);
    const queryId = await new Promise<string>((resolve, reject) =>
      c1.execute({
        sqlText: 'SELECT 8 AS tagged',
        parameters: { QUERY_TAG: 'tag-8' },
        complete: (err, s) => (err ? reject(err) : resolve(s.getQueryId())),
      }),
    );
    const rows = await run(
      await connect(server),
      'SELECT query_id, query_text, execution_status FROM TABLE(INFORMATION_SCHEMA.QUERY_HISTORY(RESULT_LIMIT => 100)) WHERE query_tag = ?',
      ['tag-8'],
    );
    expect(rows).toEqual([{ QUERY_ID: queryId, QUERY_TEXT: 'SELECT 8 AS tagged', EXECUTION_STATUS: 'SUCCESS' }]);
  });
});
