/**
 * The bound on concurrent creates per plugin (`maxConcurrentCreates`, `--max-concurrent-creates`):
 * CreateTask calls beyond the bound wait in arrival order for a slot instead of being refused, so a
 * burst from propeller never reaches the warehouse all at once and no caller has to retry. Counted
 * where the calls arrive: a proxy in front of the Athena test server holds StartQueryExecution
 * until the test releases it, and the connector's own gauges report held and waiting slots.
 */
import { definePlugin, running } from '@tflyte/core';
import { athenaPlugin } from '@tflyte/plugin-athena';
import { type AthenaTestServer, startAthenaServer } from '@tflyte/plugin-athena/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTaskRequest } from '../testing/athena-requests.ts';
import { type FlyteidlClients, flyteidlClients, grpc } from '../testing/flyteidl-grpc-client.ts';
import { type HoldingProxy, startHoldingProxy } from '../testing/holding-proxy.ts';
import { type ConnectorServer, startConnectorServer } from './connector-server.ts';

const CREDENTIALS = { accessKeyId: 'AKIDLIMIT', secretAccessKey: 'limit-secret' };

let athena: AthenaTestServer;
let proxy: HoldingProxy;
let connector: ConnectorServer | undefined;
let clients: FlyteidlClients | undefined;

/** A plugin of another task type whose creates return at once: the bound is per plugin. */
const other = definePlugin({
  taskType: 'other',
  taskTypeVersion: 0,
  packageName: '@example/other',
  coreVersion: '^0.1.0',
  target: 'container',
  backend: () => ({
    name: 'other',
    handleVersion: 1,
    create: async () => ({ ok: true }),
    get: async () => running(),
    delete: async () => {},
  }),
});

async function serve(maxConcurrentCreates: number): Promise<FlyteidlClients> {
  connector = await startConnectorServer({
    plugins: [athenaPlugin({ region: 'us-east-1', endpoint: proxy.endpoint, credentials: CREDENTIALS }), other.plugin()],
    host: '127.0.0.1',
    port: 0,
    metricsPort: false,
    maxConcurrentCreates,
    log: () => {},
  });
  clients = flyteidlClients(connector.url.replace('http://', ''));
  return clients;
}

/** The connector's gauge for the presto bound, as Prometheus scrapes it. */
function gauge(name: 'creates_in_flight' | 'creates_waiting'): number {
  const text = connector!.metrics.render();
  return Number(new RegExp(`^tflyte_connector_${name}\\{task_type="presto"\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 'NaN');
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((r) => setTimeout(r, 5));
}

const create = (c: FlyteidlClients, execution: string, deadlineMs?: number) =>
  c.call(c.async, 'createTask', createTaskRequest(execution), deadlineMs) as Promise<{ resourceMeta: Buffer }>;

beforeEach(async () => {
  athena = await startAthenaServer({ workGroups: { primary: { outputLocation: 's3://results/athena/' } } });
  await athena.sql(`CREATE SCHEMA sales; CREATE TABLE sales.orders(id INTEGER, customer VARCHAR, region VARCHAR);`);
  proxy = await startHoldingProxy(athena.endpoint, ['StartQueryExecution']);
});
afterEach(async () => {
  clients?.close();
  await connector?.close({ graceMs: 200 });
  await proxy.close();
  await athena.close();
});

describe('the bound on concurrent creates per plugin', () => {
  it('with a bound of 2, a third concurrent CreateTask waits for a slot and succeeds once one frees', async () => {
    const c = await serve(2);
    const calls = ['exec-a', 'exec-b', 'exec-c'].map((e) => create(c, e));
    const settled: number[] = [];
    calls.forEach((call, i) => void call.then(() => settled.push(i)));

    await until(() => proxy.held === 2 && gauge('creates_waiting') === 1);
    // The third is queued in the connector: it has not reached Athena.
    expect(proxy.arrived('StartQueryExecution')).toBe(2);
    expect(gauge('creates_in_flight')).toBe(2);

    // Another plugin's creates are not held by presto's bound.
    const otherMeta = (await c.call(c.async, 'createTask', {
      ...createTaskRequest('exec-other'),
      template: { id: { resourceType: 'TASK', name: 'o', version: '1' }, type: 'other', container: { image: 'x' } },
    })) as { resourceMeta: Buffer };
    expect(JSON.parse(otherMeta.resourceMeta.toString())).toMatchObject({ kind: 'job', handle: { ok: true } });

    // One Athena call answers (whichever reached the proxy first): its CreateTask returns, and the
    // waiting one takes the slot while the other is still held.
    proxy.releaseOne();
    await until(() => settled.length === 1);
    await until(() => proxy.arrived('StartQueryExecution') === 3);
    expect(gauge('creates_waiting')).toBe(0);
    expect(proxy.held).toBe(2);
    expect(settled).toHaveLength(1);

    proxy.releaseAll();
    const metas = await Promise.all(calls);
    expect(metas.map((m) => JSON.parse(m.resourceMeta.toString()).kind)).toEqual(['job', 'job', 'job']);
    expect(athena.executions()).toHaveLength(3);
    expect(gauge('creates_in_flight')).toBe(0);
  });

  it('a CreateTask whose deadline passes while it waits gets DEADLINE_EXCEEDED, starts no query and frees its place', async () => {
    const c = await serve(1);
    const first = create(c, 'exec-first');
    await until(() => proxy.held === 1);

    const late = await create(c, 'exec-late', 300).catch((e: grpc.ServiceError) => e);
    expect(late).toMatchObject({ code: grpc.status.DEADLINE_EXCEEDED });
    // The connector saw the deadline too and dropped the waiter.
    await until(() => gauge('creates_waiting') === 0);
    expect(proxy.arrived('StartQueryExecution')).toBe(1);

    proxy.releaseAll();
    await first;
    // The slot is free again: propeller's retry of the late call goes straight through.
    await create(c, 'exec-late');
    expect(proxy.arrived('StartQueryExecution')).toBe(2);
    expect(athena.executions()).toHaveLength(2);
    expect(gauge('creates_in_flight')).toBe(0);
  });
});
