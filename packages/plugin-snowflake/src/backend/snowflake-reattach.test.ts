import { generateKeyPairSync } from 'node:crypto';
import { Phase, type TaskStatus, t, toTaskTemplate } from '@tflyte/core';
import { testAttemptContext } from '@tflyte/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { snowflakeBackend, snowflakeTask } from '../index.ts';
import { type SnowflakeTestServer, startSnowflakeServer } from '../testing/index.ts';

const keys = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
});
const conn = { account: 'tflyte', user: 'ada', database: 'SALES', schema: 'PUBLIC', warehouse: 'WH' } as const;
const template = (query: string) => toTaskTemplate(snowflakeTask({ ...conn, name: 'q', query, outputs: { rows: t.list(t.struct()) } }));

describe('the Snowflake backend across sessions and processes', () => {
  let server: SnowflakeTestServer;
  const backends: ReturnType<typeof snowflakeBackend>[] = [];
  // Each backend has its own connections, so its own Snowflake session: what a new process would have.
  const fresh = () => {
    const backend = snowflakeBackend({ accessUrl: server.endpoint, privateKey: keys.privateKey });
    backends.push(backend);
    return backend;
  };
  beforeAll(async () => {
    server = await startSnowflakeServer({
      users: { ada: { publicKey: keys.publicKey } },
      onQuery: (q) =>
        /'held'/.test(q.sqlText)
          ? { runningMs: Number.POSITIVE_INFINITY }
          : /'cold'/.test(q.sqlText)
            ? {
                queuedAs: 'RESUMING_WAREHOUSE',
                queuedMs: Number.POSITIVE_INFINITY,
                runningAs: 'BLOCKED',
                runningMs: Number.POSITIVE_INFINITY,
              }
            : undefined,
    });
  });
  afterAll(async () => {
    await Promise.all(backends.map((b) => b.connections.close()));
    await server?.close();
  });

  it('a create repeated from a new session (a process that died inside create) finds the tagged query instead of running it again', async () => {
    const ctx = testAttemptContext({ template: template("SELECT 'held' AS s, 1 AS crash") });
    const first = await fresh().create(ctx);
    // The first process never saved `first`; the next one has another session, where the request id means nothing.
    const again = await fresh().create({ ...ctx });
    expect(again).toEqual(first);
    const runs = server.executions(/AS crash/);
    expect(runs).toHaveLength(1);
    expect(runs[0]?.parameters).toMatchObject({ QUERY_TAG: expect.stringMatching(/^tflyte:/) });
    await fresh().delete(first, ctx);
  });

  it('another token is another query, even with the same statement', async () => {
    const sql = "SELECT 'held' AS s, 2 AS twice";
    const backend = fresh();
    const a = await backend.create(testAttemptContext({ template: template(sql) }));
    const b = await backend.create(testAttemptContext({ template: template(sql) }));
    expect(a).not.toEqual(b);
    expect(server.executions(/AS twice/)).toHaveLength(2);
    await Promise.all([
      backend.delete(a, testAttemptContext({ template: template(sql) })),
      backend.delete(b, testAttemptContext({ template: template(sql) })),
    ]);
  });

  it('a status check on an expired session opens a new one and reads the same query', async () => {
    const ctx = testAttemptContext({ template: template("SELECT 'held' AS s, 3 AS expiry") });
    const backend = fresh();
    const handle = await backend.create(ctx);
    const logins = server.logins;
    server.expireSessions();
    const status = await backend.get(handle, ctx);
    expect(status.phase).toBe(Phase.RUNNING);
    expect(server.logins).toBe(logins + 1);
    expect(server.calls.some((c) => c.op === 'status' && c.status === 200)).toBe(true);
    expect(server.executions(/AS expiry/)).toHaveLength(1);
    await backend.delete(handle, ctx);
  });

  it('reports a resuming warehouse, then a lock wait, then the rows, as the server moves the query on', async () => {
    const ctx = testAttemptContext({ template: template("SELECT 'cold' AS s") });
    const backend = fresh();
    const handle = await backend.create(ctx);
    const [query] = server.executions(/'cold'/);
    const phases: TaskStatus[] = [await backend.get(handle, ctx)];
    expect(server.advance(query!.queryId)).toBe(true);
    phases.push(await backend.get(handle, ctx));
    expect(server.advance(query!.queryId)).toBe(true);
    for (let i = 0; i < 100 && server.executions(/'cold'/)[0]?.status !== 'SUCCESS'; i++) await new Promise((r) => setTimeout(r, 5));
    phases.push(await backend.get(handle, ctx));
    expect(phases.map((s) => [s.phase, s.message])).toEqual([
      [Phase.INITIALIZING, 'resuming the warehouse'],
      [Phase.RUNNING, 'blocked: waiting for a lock held by another transaction'],
      [Phase.SUCCEEDED, undefined],
    ]);
    expect(phases[2]?.outputs?.literals['rows']).toBeDefined();
    expect(phases.every((s) => s.logs?.[0]?.uri.includes(query!.queryId))).toBe(true);
  });
});
