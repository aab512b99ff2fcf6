import { setTimeout as delay } from 'node:timers/promises';
import type { QueryExecution, StartQueryExecutionCommandInput } from '@aws-sdk/client-athena';
import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  InvalidRequestException,
  paginateGetQueryResults,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import { afterEach, describe, expect, it } from 'vitest';
import type { AthenaServerOptions, AthenaTestServer } from './athena-server.ts';
import { startAthenaServer } from './athena-server.ts';

const CREDENTIALS = { accessKeyId: 'AKIDTEST', secretAccessKey: 'test-secret' };
const OUTPUT = 's3://results-bucket/athena/';

let servers: AthenaTestServer[] = [];
let clients: AthenaClient[] = [];
afterEach(async () => {
  for (const c of clients) c.destroy();
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
  clients = [];
});

async function setup(options: AthenaServerOptions = {}) {
  const server = await startAthenaServer(options);
  servers.push(server);
  const client = new AthenaClient({ region: 'us-east-1', endpoint: server.endpoint, credentials: CREDENTIALS, maxAttempts: 1 });
  clients.push(client);
  const start = async (QueryString: string, extra: Partial<StartQueryExecutionCommandInput> = {}) => {
    const out = await client.send(
      new StartQueryExecutionCommand({
        QueryString,
        QueryExecutionContext: { Database: 'sales', Catalog: 'AwsDataCatalog' },
        ResultConfiguration: { OutputLocation: OUTPUT },
        WorkGroup: 'primary',
        ...extra,
      }),
    );
    return out.QueryExecutionId ?? '';
  };
  const describeQuery = async (id: string): Promise<QueryExecution> =>
    (await client.send(new GetQueryExecutionCommand({ QueryExecutionId: id }))).QueryExecution ?? {};
  const settle = async (id: string): Promise<QueryExecution> => {
    for (;;) {
      const q = await describeQuery(id);
      if (q.Status?.State !== 'QUEUED' && q.Status?.State !== 'RUNNING') return q;
      await delay(2);
    }
  };
  const waitForState = async (id: string, state: string): Promise<void> => {
    while ((await describeQuery(id)).Status?.State !== state) await delay(2);
  };
  const results = (id: string, extra: { MaxResults?: number; NextToken?: string } = {}) =>
    client.send(new GetQueryResultsCommand({ QueryExecutionId: id, ...extra }));
  return { server, client, start, describeQuery, settle, waitForState, results };
}

async function seedOrders(server: AthenaTestServer): Promise<void> {
  await server.sql(`
    CREATE SCHEMA sales;
    CREATE TABLE sales.orders(id INTEGER, customer VARCHAR, amount DECIMAL(10,2), placed DATE, ordered_at TIMESTAMP, paid BOOLEAN, score DOUBLE, units BIGINT);
    INSERT INTO sales.orders VALUES
      (1, 'ada', 12.50, '2024-03-01', '2024-03-01 10:15:00', true, 1.0, 3),
      (2, NULL, 7.05, '2024-03-02', '2024-03-02 08:00:00.125', false, 0.25, 9007199254740993);`);
}

describe('Athena test server, driven by the real AthenaClient', () => {
  it('moves a query through QUEUED, RUNNING and SUCCEEDED and describes it as Athena does', async () => {
    const { server, start, describeQuery, settle } = await setup({
      queuedMs: Number.POSITIVE_INFINITY,
      runningMs: Number.POSITIVE_INFINITY,
    });
    await seedOrders(server);
    const id = await start('SELECT id, customer FROM orders ORDER BY id');

    const queued = await describeQuery(id);
    expect(queued.Status?.State).toBe('QUEUED');
    expect(queued.Status?.SubmissionDateTime).toBeInstanceOf(Date);
    expect(queued.Status?.CompletionDateTime).toBeUndefined();

    expect(server.advance(id)).toBe(true);
    expect((await describeQuery(id)).Status?.State).toBe('RUNNING');

    expect(server.advance(id)).toBe(true);
    const done = await settle(id);
    expect(done).toMatchObject({
      QueryExecutionId: id,
      Query: 'SELECT id, customer FROM orders ORDER BY id',
      StatementType: 'DML',
      ResultConfiguration: { OutputLocation: `${OUTPUT}${id}.csv` },
      QueryExecutionContext: { Database: 'sales', Catalog: 'AwsDataCatalog' },
      WorkGroup: 'primary',
      Status: { State: 'SUCCEEDED' },
    });
    expect(done.Status?.CompletionDateTime).toBeInstanceOf(Date);
    expect(done.Status?.StateChangeReason).toBeUndefined();
    expect(done.Statistics?.DataScannedInBytes).toBe(0);
    expect(server.advance(id)).toBe(false);
  });

  it('returns the header row first, every value as a VarCharValue, NULL as an empty Datum, and Athena type names', async () => {
    const { server, start, settle, results } = await setup();
    await seedOrders(server);
    const id = await start('SELECT * FROM orders ORDER BY id');
    await settle(id);

    const { ResultSet, UpdateCount } = await results(id);
    expect(UpdateCount).toBe(0);
    expect(ResultSet?.Rows).toEqual([
      { Data: ['id', 'customer', 'amount', 'placed', 'ordered_at', 'paid', 'score', 'units'].map((VarCharValue) => ({ VarCharValue })) },
      {
        Data: ['1', 'ada', '12.50', '2024-03-01', '2024-03-01 10:15:00.000', 'true', '1.0', '3'].map((VarCharValue) => ({ VarCharValue })),
      },
      {
        Data: [
          { VarCharValue: '2' },
          {},
          { VarCharValue: '7.05' },
          { VarCharValue: '2024-03-02' },
          { VarCharValue: '2024-03-02 08:00:00.125' },
          { VarCharValue: 'false' },
          { VarCharValue: '0.25' },
          { VarCharValue: '9007199254740993' },
        ],
      },
    ]);
    const columns = ResultSet?.ResultSetMetadata?.ColumnInfo ?? [];
    expect(columns.map((c) => c.Type)).toEqual(['integer', 'varchar', 'decimal', 'date', 'timestamp', 'boolean', 'double', 'bigint']);
    expect(columns[2]).toMatchObject({
      Name: 'amount',
      Label: 'amount',
      Precision: 10,
      Scale: 2,
      Nullable: 'UNKNOWN',
      CatalogName: 'hive',
    });
    expect(columns[1]?.CaseSensitive).toBe(true);
  });

  it('pages results with MaxResults and NextToken, the header row counting toward the first page', async () => {
    const { start, settle, results, client } = await setup();
    const id = await start('SELECT i FROM range(1, 6) t(i) ORDER BY i');
    await settle(id);

    const first = await results(id, { MaxResults: 4 });
    expect(first.ResultSet?.Rows?.map((r) => r.Data?.[0]?.VarCharValue)).toEqual(['i', '1', '2', '3']);
    expect(first.NextToken).toEqual(expect.any(String));
    const second = await results(id, { MaxResults: 4, NextToken: first.NextToken ?? '' });
    expect(second.ResultSet?.Rows?.map((r) => r.Data?.[0]?.VarCharValue)).toEqual(['4', '5']);
    expect(second.NextToken).toBeUndefined();
    expect(second.ResultSet?.ResultSetMetadata?.ColumnInfo?.[0]?.Type).toBe('bigint');

    const values: string[] = [];
    for await (const page of paginateGetQueryResults({ client, pageSize: 2 }, { QueryExecutionId: id })) {
      values.push(...(page.ResultSet?.Rows ?? []).map((r) => r.Data?.[0]?.VarCharValue ?? ''));
    }
    expect(values).toEqual(['i', '1', '2', '3', '4', '5']);
  });

  it('rejects MaxResults above 1000 and a NextToken from another query with InvalidRequestException', async () => {
    const { start, settle, results } = await setup();
    const a = await start('SELECT * FROM range(3)');
    const b = await start('SELECT * FROM range(3)');
    await settle(a);
    await settle(b);
    await expect(results(a, { MaxResults: 1001 })).rejects.toBeInstanceOf(InvalidRequestException);
    const page = await results(a, { MaxResults: 1 });
    await expect(results(b, { NextToken: page.NextToken ?? '' })).rejects.toThrow(/NextToken is not valid/);
  });

  it('refuses GetQueryResults until the query has SUCCEEDED, naming the current state', async () => {
    const { start, results } = await setup({ queuedMs: Number.POSITIVE_INFINITY });
    const id = await start('SELECT 1');
    const error: unknown = await results(id).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidRequestException);
    expect((error as InvalidRequestException).message).toBe('Query has not yet finished. Current state: QUEUED');
  });

  it('answers an unknown QueryExecutionId with InvalidRequestException "QueryExecution <id> was not found" on every operation', async () => {
    const { client, describeQuery, results } = await setup();
    const id = '00000000-1111-2222-3333-444444444444';
    for (const call of [
      () => describeQuery(id),
      () => results(id),
      () => client.send(new StopQueryExecutionCommand({ QueryExecutionId: id })),
    ]) {
      const error: unknown = await call().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidRequestException);
      expect((error as InvalidRequestException).message).toBe(`QueryExecution ${id} was not found`);
      expect((error as InvalidRequestException).$metadata.httpStatusCode).toBe(400);
    }
  });

  it('starts a query once per ClientRequestToken: the same token returns the same id and does not run it again', async () => {
    const { server, start, settle } = await setup();
    await server.sql('CREATE SCHEMA sales; CREATE TABLE sales.events(n INTEGER)');
    const token = 'flyte-exec-0123456789abcdef0123456789';
    const first = await start('INSERT INTO events VALUES (1)', { ClientRequestToken: token });
    const [second, third] = await Promise.all([
      start('INSERT INTO events VALUES (1)', { ClientRequestToken: token }),
      start('INSERT INTO events VALUES (1)', { ClientRequestToken: token }),
    ]);
    expect([second, third]).toEqual([first, first]);
    expect((await settle(first)).Status?.State).toBe('SUCCEEDED');
    expect(await start('INSERT INTO events VALUES (1)', { ClientRequestToken: token })).toBe(first);

    expect(server.executions()).toHaveLength(1);
    expect(server.executions()[0]).toMatchObject({ queryExecutionId: first, clientRequestToken: token, runs: 1 });
    expect(await server.sql('SELECT count(*)::INTEGER AS n FROM sales.events')).toEqual([{ n: 1 }]);
    expect(server.requests.filter((r) => r.op === 'StartQueryExecution')).toHaveLength(4);
  });

  it('rejects a reused ClientRequestToken with different parameters', async () => {
    const { start } = await setup();
    const token = 'token-token-token-token-token-token-1';
    await start('SELECT 1', { ClientRequestToken: token });
    await expect(start('SELECT 2', { ClientRequestToken: token })).rejects.toThrow(/already used by query .* with a different query/);
  });

  it('cancels a running query with StopQueryExecution before its SQL runs, and stopping again is harmless', async () => {
    const { server, client, start, describeQuery, waitForState, results } = await setup({ runningMs: Number.POSITIVE_INFINITY });
    await server.sql('CREATE SCHEMA sales; CREATE TABLE sales.events(n INTEGER)');
    const id = await start('INSERT INTO events VALUES (42)');
    await waitForState(id, 'RUNNING');

    await client.send(new StopQueryExecutionCommand({ QueryExecutionId: id }));
    const cancelled = await describeQuery(id);
    expect(cancelled.Status?.State).toBe('CANCELLED');
    expect(cancelled.Status?.CompletionDateTime).toBeInstanceOf(Date);
    await client.send(new StopQueryExecutionCommand({ QueryExecutionId: id }));
    expect((await describeQuery(id)).Status?.State).toBe('CANCELLED');

    await expect(results(id)).rejects.toBeInstanceOf(InvalidRequestException);
    expect(server.advance(id)).toBe(false);
    expect(server.executions()[0]?.runs).toBe(0);
    expect(await server.sql('SELECT count(*)::INTEGER AS n FROM sales.events')).toEqual([{ n: 0 }]);
  });

  it('cancels a queued query with StopQueryExecution', async () => {
    const { server, client, start, describeQuery } = await setup({ queuedMs: Number.POSITIVE_INFINITY });
    const id = await start('SELECT 1');
    await client.send(new StopQueryExecutionCommand({ QueryExecutionId: id }));
    expect((await describeQuery(id)).Status).toMatchObject({ State: 'CANCELLED', StateChangeReason: 'Query was cancelled by user' });
    expect(server.executions()[0]?.startedAt).toBeUndefined();
  });

  it('leaves a finished query as it is when it is stopped', async () => {
    const { client, start, settle, describeQuery } = await setup();
    const id = await start('SELECT 1');
    await settle(id);
    await client.send(new StopQueryExecutionCommand({ QueryExecutionId: id }));
    expect((await describeQuery(id)).Status?.State).toBe('SUCCEEDED');
  });

  it('fails a query with a syntax error: FAILED, USER category, a SYNTAX_ERROR reason with its position', async () => {
    const { start, settle, results } = await setup();
    const id = await start('SELEC 1');
    const failed = await settle(id);
    expect(failed.Status?.State).toBe('FAILED');
    expect(failed.Status?.StateChangeReason).toMatch(/^SYNTAX_ERROR: line 1:1: syntax error at or near "SELEC"/);
    expect(failed.Status?.AthenaError).toEqual({
      ErrorCategory: 2,
      ErrorType: 1000,
      Retryable: false,
      ErrorMessage: failed.Status?.StateChangeReason,
    });
    await expect(results(id)).rejects.toThrow(/^SYNTAX_ERROR/);
  });

  it('reports a missing table as TABLE_NOT_FOUND with its catalog-qualified name', async () => {
    const { start, settle } = await setup();
    const failed = await settle(await start('SELECT * FROM nope'));
    expect(failed.Status?.StateChangeReason).toBe("TABLE_NOT_FOUND: line 1:15: Table 'awsdatacatalog.sales.nope' does not exist");
  });

  it('binds ExecutionParameters as typed values, so an injection string stays a harmless value', async () => {
    const { server, start, settle, results } = await setup();
    await server.sql("CREATE SCHEMA sales; CREATE TABLE sales.users(id INTEGER, name VARCHAR); INSERT INTO sales.users VALUES (1, 'ada')");
    const injection = "'; DROP TABLE users; --";
    const quoted = `'${injection.replaceAll("'", "''")}'`;

    const insert = await start('INSERT INTO users VALUES (?, ?)', { ExecutionParameters: ['2', quoted] });
    expect((await settle(insert)).Status?.State).toBe('SUCCEEDED');
    expect((await results(insert)).UpdateCount).toBe(1);

    const select = await start('SELECT id, name FROM users WHERE name = ? OR id = ? ORDER BY id', { ExecutionParameters: [quoted, '1'] });
    const described = await settle(select);
    expect(described.ExecutionParameters).toEqual([quoted, '1']);
    const rows = (await results(select)).ResultSet?.Rows?.map((r) => r.Data?.map((d) => d.VarCharValue));
    expect(rows).toEqual([
      ['id', 'name'],
      ['1', 'ada'],
      ['2', injection],
    ]);

    // Unquoted, the same text is not a literal at all: the query fails and nothing is dropped.
    const raw = await settle(await start('SELECT * FROM users WHERE name = ?', { ExecutionParameters: [injection] }));
    expect(raw.Status?.State).toBe('FAILED');
    expect(raw.Status?.StateChangeReason).toMatch(/^INVALID_PARAMETER_USAGE: ExecutionParameters\[0\]/);
    expect(await server.sql('SELECT count(*)::INTEGER AS n FROM sales.users')).toEqual([{ n: 2 }]);
  });

  it('fails a query whose ExecutionParameters do not match its placeholders', async () => {
    const { start, settle } = await setup();
    const failed = await settle(await start('SELECT ?', { ExecutionParameters: ["'a'", "'b'"] }));
    expect(failed.Status?.StateChangeReason).toBe('INVALID_PARAMETER_USAGE: Incorrect number of parameters: expected 1 but found 2');
  });

  it('refuses more than one statement in a QueryString at submission', async () => {
    const { server, start } = await setup();
    await expect(start('SELECT 1; DROP SCHEMA sales')).rejects.toThrow(
      'Only one sql statement is allowed. Got: SELECT 1; DROP SCHEMA sales',
    );
    expect(server.executions()).toHaveLength(0);
  });

  it('creates a database on first use; DDL is a DDL statement with a .txt result and no rows; writes report UpdateCount', async () => {
    const { server, start, settle, results } = await setup();
    const create = await start('CREATE TABLE metrics(day DATE, hits BIGINT)', { QueryExecutionContext: { Database: 'web' } });
    const created = await settle(create);
    expect(created).toMatchObject({
      StatementType: 'DDL',
      ResultConfiguration: { OutputLocation: `${OUTPUT}${create}.txt` },
      Status: { State: 'SUCCEEDED' },
    });
    expect((await results(create)).ResultSet).toEqual({ Rows: [], ResultSetMetadata: { ColumnInfo: [] } });

    const insert = await start("INSERT INTO metrics VALUES (DATE '2024-01-01', 10), (DATE '2024-01-02', 20)", {
      QueryExecutionContext: { Database: 'web' },
    });
    await settle(insert);
    expect((await results(insert)).UpdateCount).toBe(2);
    expect(await server.sql('SELECT sum(hits)::INTEGER AS total FROM web.metrics')).toEqual([{ total: 30 }]);
  });

  it('resolves the result location from the workgroup, which can enforce its own', async () => {
    const { start, describeQuery } = await setup({
      workGroups: {
        primary: { outputLocation: 's3://wg-default/' },
        locked: { outputLocation: 's3://locked/out', enforceWorkGroupConfiguration: true },
      },
    });
    const fromWorkGroup = await start('SELECT 1', { ResultConfiguration: undefined });
    expect((await describeQuery(fromWorkGroup)).ResultConfiguration?.OutputLocation).toBe(`s3://wg-default/${fromWorkGroup}.csv`);
    const enforced = await start('SELECT 1', { WorkGroup: 'locked' });
    expect((await describeQuery(enforced)).ResultConfiguration?.OutputLocation).toBe(`s3://locked/out/${enforced}.csv`);
    await expect(start('SELECT 1', { WorkGroup: 'nope' })).rejects.toThrow('WorkGroup nope is not found.');
  });

  it('requires an output location when neither the request nor the workgroup has one', async () => {
    const { start } = await setup();
    await expect(start('SELECT 1', { ResultConfiguration: undefined })).rejects.toThrow(/No output location provided/);
  });

  it('lets onQuery fail a query with a retryable SYSTEM error, without running it', async () => {
    const { server, start, settle } = await setup({
      onQuery: (q) =>
        q.query.includes('flaky') ? { fail: { reason: 'GENERIC_INTERNAL_ERROR: worker lost', category: 1, retryable: true } } : undefined,
    });
    const failed = await settle(await start("SELECT 'flaky'"));
    expect(failed.Status).toMatchObject({
      State: 'FAILED',
      StateChangeReason: 'GENERIC_INTERNAL_ERROR: worker lost',
      AthenaError: { ErrorCategory: 1, ErrorType: 100, Retryable: true },
    });
    expect(server.executions()[0]?.runs).toBe(0);
  });

  it('logs every request with its operation and body', async () => {
    const { server, start, settle } = await setup();
    const id = await start('SELECT 1');
    await settle(id);
    expect(server.requests[0]).toMatchObject({
      op: 'StartQueryExecution',
      status: 200,
      body: { QueryString: 'SELECT 1', WorkGroup: 'primary' },
    });
    expect(server.requests.slice(1).every((r) => r.op === 'GetQueryExecution' && r.body !== null)).toBe(true);
  });
});

describe('SigV4 authentication', () => {
  const post = (server: AthenaTestServer, headers: Record<string, string>) =>
    fetch(server.endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AmazonAthena.GetQueryExecution', ...headers },
      body: JSON.stringify({ QueryExecutionId: 'x' }),
    });

  it('rejects a request without an Authorization header with 403 MissingAuthenticationTokenException', async () => {
    const { server } = await setup();
    const response = await post(server, {});
    expect(response.status).toBe(403);
    expect(response.headers.get('x-amzn-errortype')).toBe('MissingAuthenticationTokenException');
    expect(await response.json()).toEqual({ __type: 'MissingAuthenticationTokenException', Message: 'Missing Authentication Token' });
  });

  it('rejects an Authorization header without the AWS4 credential scope shape', async () => {
    const { server } = await setup();
    const response = await post(server, {
      authorization: 'AWS4-HMAC-SHA256 Credential=AKID/2024/us-east-1/athena, SignedHeaders=host, Signature=abc',
      'x-amz-date': '20240101T000000Z',
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { __type: string }).__type).toBe('IncompleteSignatureException');
  });

  it('rejects a credential scoped to another service', async () => {
    const { server } = await setup();
    const response = await post(server, {
      authorization: `AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-date, Signature=${'0'.repeat(64)}`,
      'x-amz-date': '20240101T000000Z',
    });
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ __type: 'InvalidSignatureException' });
  });

  it('verifies the full signature when the server knows the secret key', async () => {
    const { server, describeQuery } = await setup({ credentials: CREDENTIALS, region: 'us-east-1' });
    await expect(describeQuery('00000000-0000-0000-0000-000000000000')).rejects.toBeInstanceOf(InvalidRequestException);

    const wrongSecret = new AthenaClient({
      region: 'us-east-1',
      endpoint: server.endpoint,
      credentials: { ...CREDENTIALS, secretAccessKey: 'nope' },
      maxAttempts: 1,
    });
    const unknownKey = new AthenaClient({
      region: 'us-east-1',
      endpoint: server.endpoint,
      credentials: { accessKeyId: 'AKIDOTHER', secretAccessKey: 'x' },
      maxAttempts: 1,
    });
    const otherRegion = new AthenaClient({ region: 'eu-west-1', endpoint: server.endpoint, credentials: CREDENTIALS, maxAttempts: 1 });
    clients.push(wrongSecret, unknownKey, otherRegion);
    const command = new GetQueryExecutionCommand({ QueryExecutionId: '00000000-0000-0000-0000-000000000000' });
    await expect(wrongSecret.send(command)).rejects.toMatchObject({
      name: 'InvalidSignatureException',
      $metadata: { httpStatusCode: 403 },
    });
    await expect(unknownKey.send(command)).rejects.toMatchObject({ name: 'UnrecognizedClientException' });
    await expect(otherRegion.send(command)).rejects.toMatchObject({
      name: 'InvalidSignatureException',
      message: expect.stringMatching(/region/),
    });
  });
});

describe('startAthenaServer / close', () => {
  it('closes cleanly: open connections are dropped, DuckDB is closed, and close is idempotent', async () => {
    const { server, start } = await setup({ queuedMs: 60_000 });
    await start('SELECT 1');
    const { endpoint } = server;
    await server.close();
    await server.close();
    await expect(fetch(endpoint, { method: 'POST' })).rejects.toThrow();
    await expect(server.sql('SELECT 1')).rejects.toMatchObject({ code: 'TFLYTE_CONFIG' });
  });

  it('rejects invalid timing options with a config error naming the option', async () => {
    await expect(startAthenaServer({ queuedMs: -1 })).rejects.toMatchObject({
      code: 'TFLYTE_CONFIG',
      message: expect.stringMatching(/queuedMs/),
    });
  });
});
