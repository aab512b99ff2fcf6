import {
  AthenaClient,
  AthenaServiceException,
  GetQueryExecutionCommand,
  InternalServerException,
  StartQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import { afterEach, describe, expect, it } from 'vitest';
import type { AthenaServerOptions, AthenaTestServer } from './athena-server.ts';
import { startAthenaServer } from './athena-server.ts';

const CREDENTIALS = { accessKeyId: 'AKIDTEST', secretAccessKey: 'test-secret' };

let servers: AthenaTestServer[] = [];
let clients: AthenaClient[] = [];
afterEach(async () => {
  for (const c of clients) c.destroy();
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
  clients = [];
});

async function setup(options: AthenaServerOptions = {}, maxAttempts = 1) {
  const server = await startAthenaServer(options);
  servers.push(server);
  const client = new AthenaClient({ region: 'us-east-1', endpoint: server.endpoint, credentials: CREDENTIALS, maxAttempts });
  clients.push(client);
  const start = (token?: string) =>
    client.send(
      new StartQueryExecutionCommand({
        QueryString: 'SELECT 1',
        ResultConfiguration: { OutputLocation: 's3://bucket/out/' },
        ...(token === undefined ? {} : { ClientRequestToken: token }),
      }),
    );
  const getQuery = (id: string) => client.send(new GetQueryExecutionCommand({ QueryExecutionId: id }));
  return { server, client, start, getQuery };
}

describe('Injected faults, as the real AthenaClient sees them (maxAttempts: 1)', () => {
  it('throttle surfaces as a ThrottlingException service error, and nothing is started', async () => {
    const { server, start } = await setup();
    server.faults.script('*', ['throttle']);
    const error: unknown = await start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AthenaServiceException);
    expect(error).toMatchObject({ name: 'ThrottlingException', message: 'Rate exceeded', $metadata: { httpStatusCode: 400 } });
    expect(server.executions()).toHaveLength(0);
    expect(server.requests[0]).toMatchObject({ op: 'StartQueryExecution', status: 400, fault: 'throttle' });
  });

  it('server-error surfaces as InternalServerException with HTTP 500', async () => {
    const { server, start, getQuery } = await setup();
    const id = (await start()).QueryExecutionId ?? '';
    server.faults.script('GetQueryExecution', ['server-error']);
    const failure: unknown = await getQuery(id).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(InternalServerException);
    expect(failure).toMatchObject({ $metadata: { httpStatusCode: 500 } });
  });

  it('connection-reset drops the connection before the request is handled', async () => {
    const { server, start } = await setup();
    server.faults.script('StartQueryExecution', ['connection-reset']);
    const error: unknown = await start().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ECONNRESET' });
    expect(server.executions()).toHaveLength(0);
    expect(server.requests[0]).toMatchObject({ status: undefined, fault: 'connection-reset' });
  });

  it('lost-response handles the request, then drops the connection instead of answering', async () => {
    const { server, start } = await setup();
    server.faults.script('StartQueryExecution', ['lost-response']);
    await expect(start()).rejects.toMatchObject({ code: 'ECONNRESET' });
    expect(server.executions()).toHaveLength(1);
  });
});

describe('Injected faults with SDK retries', () => {
  it('a dropped StartQueryExecution response is retried with the same ClientRequestToken, so the query starts once', async () => {
    const { server, start } = await setup({}, 3);
    server.faults.script('StartQueryExecution', ['lost-response']);
    const { QueryExecutionId } = await start();

    const starts = server.requests.filter((r) => r.op === 'StartQueryExecution');
    expect(starts).toHaveLength(2);
    const tokens = starts.map((r) => (r.body as { ClientRequestToken?: string }).ClientRequestToken);
    expect(tokens[0]).toEqual(expect.any(String));
    expect(tokens[1]).toBe(tokens[0]);
    expect(server.executions().map((e) => e.queryExecutionId)).toEqual([QueryExecutionId]);
  });

  it('transient faults are ridden out by the SDK retry strategy', async () => {
    const { server, start, getQuery } = await setup({}, 3);
    const id = (await start()).QueryExecutionId ?? '';
    server.faults.script('GetQueryExecution', ['server-error', 'connection-reset']);
    expect((await getQuery(id)).QueryExecution?.QueryExecutionId).toBe(id);
    expect(server.faults.injected.map((f) => f.kind)).toEqual(['server-error', 'connection-reset']);
  });

  it('hang answers nothing; the server drops the connection after hangMs and nothing is started', async () => {
    const { server, start } = await setup({ faults: { hangMs: 20 } });
    server.faults.script('StartQueryExecution', ['hang']);
    await expect(start()).rejects.toMatchObject({ code: 'ECONNRESET' });
    expect(server.executions()).toHaveLength(0);
    expect(server.requests[0]).toMatchObject({ status: undefined, fault: 'hang' });
  });

  it('random faults from options are reproducible across servers with the same seed', async () => {
    const options: AthenaServerOptions = {
      faults: { seed: 42, rules: [{ kind: 'server-error', ops: ['GetQueryExecution'], probability: 0.5 }] },
    };
    const outcomes: string[][] = [];
    for (let run = 0; run < 2; run++) {
      const { start, getQuery } = await setup(options);
      const id = (await start()).QueryExecutionId ?? '';
      const seen: string[] = [];
      for (let i = 0; i < 12; i++)
        seen.push(
          await getQuery(id).then(
            () => 'ok',
            (e: unknown) => (e as Error).name,
          ),
        );
      outcomes.push(seen);
    }
    expect(outcomes[0]).toEqual(outcomes[1]);
    expect(new Set(outcomes[0])).toEqual(new Set(['ok', 'InternalServerException']));
  });
});
