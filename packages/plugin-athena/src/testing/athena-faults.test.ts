import {
  AthenaClient,
  AthenaServiceException,
  GetQueryExecutionCommand,
  InternalServerException,
  StartQueryExecutionCommand,
  TooManyRequestsException,
} from '@aws-sdk/client-athena';
import { afterEach, describe, expect, it } from 'vitest';
import { startAthenaServer } from './athena-server.ts';
import type { AthenaServerOptions, AthenaTestServer } from './athena-server.ts';
import { FaultInjector } from './faults.ts';
import type { AthenaOperation, FaultKind } from './faults.ts';

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

const draw = (injector: FaultInjector, op: AthenaOperation, n: number) => Array.from({ length: n }, () => injector.next(op) ?? 'ok');

describe('FaultInjector', () => {
  it('draws the same faults from the same seed and request order', () => {
    const rules = [
      { kind: 'throttling' as const, probability: 0.3 },
      { kind: 'internal-error' as const, ops: ['GetQueryExecution' as const], probability: 0.3 },
    ];
    const a = draw(new FaultInjector({ seed: 7, rules }), 'GetQueryExecution', 40);
    const b = draw(new FaultInjector({ seed: 7, rules }), 'GetQueryExecution', 40);
    const c = draw(new FaultInjector({ seed: 8, rules }), 'GetQueryExecution', 40);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    expect(new Set(a)).toEqual(new Set(['ok', 'throttling', 'internal-error']));
  });

  it('plays a script in order, null meaning a normal answer, before any rule', () => {
    const injector = new FaultInjector({ rules: [{ kind: 'internal-error', ops: ['StopQueryExecution'] }] });
    injector.script('GetQueryResults', ['too-many-requests', null, 'connection-reset']);
    injector.script('*', ['throttling']);
    expect(draw(injector, 'GetQueryResults', 4)).toEqual(['too-many-requests', 'ok', 'connection-reset', 'throttling']);
    expect(draw(injector, 'GetQueryResults', 1)).toEqual(['ok']);
    expect(draw(injector, 'StopQueryExecution', 2)).toEqual(['internal-error', 'internal-error']);
    expect(injector.injected.map((f) => f.kind)).toEqual(['too-many-requests', 'connection-reset', 'throttling', 'internal-error', 'internal-error']);
  });

  it('limits a rule to its operations and to `times` firings', () => {
    const injector = new FaultInjector({ rules: [{ kind: 'throttling', ops: ['StartQueryExecution'], times: 2 }] });
    expect(draw(injector, 'GetQueryExecution', 2)).toEqual(['ok', 'ok']);
    expect(draw(injector, 'StartQueryExecution', 3)).toEqual(['throttling', 'throttling', 'ok']);
  });

  it('forgets scripts and rules on reset', () => {
    const injector = new FaultInjector({ rules: [{ kind: 'throttling' }] });
    injector.script('*', ['internal-error']);
    injector.reset();
    expect(draw(injector, 'GetQueryExecution', 2)).toEqual(['ok', 'ok']);
  });

  it('rejects rules it cannot apply with a config error naming the field', () => {
    expect(() => new FaultInjector({ rules: [{ kind: 'throttling', probability: 2 }] })).toThrow(/probability 2 must be between 0 and 1/);
    expect(() => new FaultInjector({ rules: [{ kind: 'boom' as FaultKind }] })).toThrow(/kind 'boom' is unknown/);
    expect(() => new FaultInjector({ rules: [{ kind: 'throttling', ops: ['ListWorkGroups' as AthenaOperation] }] })).toThrow(
      /op 'ListWorkGroups' is unknown/,
    );
  });
});

describe('Injected faults, as the real AthenaClient sees them (maxAttempts: 1)', () => {
  it('too-many-requests surfaces as TooManyRequestsException with its Reason, and nothing is started', async () => {
    const { server, start } = await setup();
    server.faults.script('StartQueryExecution', ['too-many-requests']);
    const error: unknown = await start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TooManyRequestsException);
    expect(error).toMatchObject({ Reason: 'CONCURRENT_QUERY_LIMIT_EXCEEDED', $metadata: { httpStatusCode: 400 } });
    expect(server.executions()).toHaveLength(0);
    expect(server.requests[0]).toMatchObject({ op: 'StartQueryExecution', status: 400, fault: 'too-many-requests' });
  });

  it('throttling surfaces as a ThrottlingException service error', async () => {
    const { server, start } = await setup();
    server.faults.script('*', ['throttling']);
    const error: unknown = await start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AthenaServiceException);
    expect(error).toMatchObject({ name: 'ThrottlingException', message: 'Rate exceeded' });
  });

  it('internal-error surfaces as InternalServerException with HTTP 500', async () => {
    const { server, start, getQuery } = await setup();
    const id = (await start()).QueryExecutionId ?? '';
    server.faults.script('GetQueryExecution', ['internal-error']);
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

  it('connection-reset-after handles the request, then drops the connection instead of answering', async () => {
    const { server, start } = await setup();
    server.faults.script('StartQueryExecution', ['connection-reset-after']);
    await expect(start()).rejects.toMatchObject({ code: 'ECONNRESET' });
    expect(server.executions()).toHaveLength(1);
  });
});

describe('Injected faults with SDK retries', () => {
  it('a dropped StartQueryExecution response is retried with the same ClientRequestToken, so the query starts once', async () => {
    const { server, start } = await setup({}, 3);
    server.faults.script('StartQueryExecution', ['connection-reset-after']);
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
    server.faults.script('GetQueryExecution', ['internal-error', 'connection-reset']);
    expect((await getQuery(id)).QueryExecution?.QueryExecutionId).toBe(id);
    expect(server.faults.injected.map((f) => f.kind)).toEqual(['internal-error', 'connection-reset']);
  });

  it('random faults from options are reproducible across servers with the same seed', async () => {
    const options: AthenaServerOptions = { faults: { seed: 42, rules: [{ kind: 'internal-error', ops: ['GetQueryExecution'], probability: 0.5 }] } };
    const outcomes: string[][] = [];
    for (let run = 0; run < 2; run++) {
      const { start, getQuery } = await setup(options);
      const id = (await start()).QueryExecutionId ?? '';
      const seen: string[] = [];
      for (let i = 0; i < 12; i++) seen.push(await getQuery(id).then(() => 'ok', (e: unknown) => (e as Error).name));
      outcomes.push(seen);
    }
    expect(outcomes[0]).toEqual(outcomes[1]);
    expect(new Set(outcomes[0])).toEqual(new Set(['ok', 'InternalServerException']));
  });
});
