// The warehouse polling schedule through webApiBackend and the executor, on a fake clock: a job
// service whose jobs end at a given virtual time, status calls counted on the server.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BackendError,
  createExecutor,
  createRegistry,
  definePlugin,
  openStateStore,
  running,
  succeeded,
  toLiteralMap,
  toTaskTemplate,
} from '@tflyte/core';
import { createFakeClock, type FakeClock } from '@tflyte/testing';
import { startEmulatorServer } from '@tflyte/testing/emulator';
import { afterEach, describe, expect, it } from 'vitest';
import { nextPollDelay, WAREHOUSE_POLL, type WarehousePollPolicy } from './poll-schedule.ts';
import { webApiBackend } from './web-api-backend.ts';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** POST /jobs starts a job that runs `ms` of the clock's time; GET /jobs/<id> reports it. */
async function timedJobs(clock: FakeClock) {
  const ends = new Map<string, number>();
  const server = await startEmulatorServer<'submit' | 'status'>({
    service: 'timed-jobs',
    operations: ['submit', 'status'],
    identify: ({ method, url, raw }) => {
      if (method === 'POST' && url.pathname === '/jobs') return { op: 'submit', body: JSON.parse(raw.toString('utf8')) };
      if (method === 'GET' && url.pathname.startsWith('/jobs/')) return { op: 'status', body: url.pathname.slice(6) };
      return { reply: { status: 404, body: { error: 'unknown route' } } };
    },
    handle: async (op, body) => {
      if (op === 'submit') {
        const { token, ms } = body as { token: string; ms: number };
        if (!ends.has(token)) ends.set(token, clock.now() + ms);
        return { status: 200, body: { id: token } };
      }
      const end = ends.get(body as string);
      if (end === undefined) return { status: 404, body: { error: 'no such job' } };
      return { status: 200, body: { id: body, done: clock.now() >= end } };
    },
    throttle: () => ({ status: 429, body: { error: 'slow down' } }),
    serverError: () => ({ status: 503, body: { error: 'unavailable' } }),
  });
  cleanups.push(() => server.close());
  return server;
}

async function json(url: string, init?: RequestInit): Promise<{ id: string; done?: boolean }> {
  const response = await fetch(url, init);
  if (response.status >= 500 || response.status === 429)
    throw new BackendError({ kind: 'system', retryable: true, code: `HTTP_${response.status}`, message: `answered ${response.status}` });
  return (await response.json()) as { id: string; done?: boolean };
}

/** Runs one job of `ms` through the executor; returns when it was seen done and the status calls made. */
async function runFor(ms: number, poll?: WarehousePollPolicy, faults?: (server: Awaited<ReturnType<typeof timedJobs>>) => void) {
  const clock = createFakeClock({ autoAdvance: true });
  const server = await timedJobs(clock);
  faults?.(server);
  const backend = webApiBackend<string, { id: string; done?: boolean }>({
    name: 'timed',
    handleVersion: 1,
    ...(poll === undefined ? {} : { poll }),
    statusChecks: { initialMs: 100, maxMs: 100 },
    submit: async (ctx) =>
      (await json(`${server.endpoint}/jobs`, { method: 'POST', body: JSON.stringify({ token: ctx.idempotencyToken, ms }) })).id,
    fetch: (id) => json(`${server.endpoint}/jobs/${id}`),
    status: (job) => (job.done === true ? succeeded(toLiteralMap({}, {})) : running()),
    cancel: async () => undefined,
  });
  const definition = definePlugin<undefined, Record<never, never>>({
    taskType: 'timed-job',
    taskTypeVersion: 0,
    packageName: '@tflyte/warehouse-test',
    coreVersion: '*',
    target: 'sql',
    backend: () => backend,
  });
  const task = definition.task({
    name: 'timed',
    inputs: {},
    outputs: {},
    options: {},
    config: undefined,
    body: { kind: 'sql', statement: () => 'WAIT' },
  });
  const dir = await mkdtemp(join(tmpdir(), 'tflyte-poll-'));
  const store = openStateStore(dir);
  cleanups.push(async () => {
    store.close();
    await rm(dir, { recursive: true, force: true });
  });
  const executor = createExecutor({ registry: createRegistry({ plugins: [definition.plugin()] }), store, stateDir: dir, clock });
  const started = clock.now();
  await executor.run(toTaskTemplate(task, { version: 'v1' }), toLiteralMap({}, {}));
  return { lateMs: clock.now() - started - ms, statusCalls: server.log.count('status') };
}

describe('the warehouse polling schedule', () => {
  it('sees a job end within 1 s in its first 10 s, and within 10 % of its run time after', async () => {
    for (const ms of [1300, 6400, 9900, 37_300, 118_000]) {
      const { lateMs } = await runFor(ms);
      expect(lateMs, `a ${ms} ms job`).toBeGreaterThanOrEqual(0);
      expect(lateMs, `a ${ms} ms job`).toBeLessThanOrEqual(Math.max(1000, 0.1 * ms));
    }
  });

  it('costs at most 80 status calls for a 1-hour job (a fixed 30 s interval: 121)', async () => {
    expect((await runFor(3_600_000)).statusCalls).toBeLessThanOrEqual(80);
    expect((await runFor(3_600_000, { initialMs: 30_000, multiplier: 1, maxMs: 30_000 })).statusCalls).toBe(121);
  });

  it('rides out failed status calls: the executor retries them and the schedule carries on', async () => {
    const { lateMs, statusCalls } = await runFor(20_000, WAREHOUSE_POLL, (server) =>
      server.faults.script('status', ['server-error', 'connection-reset', 'throttle']),
    );
    expect(lateMs).toBeLessThanOrEqual(2000);
    expect(statusCalls).toBeGreaterThan(3);
  });

  it('without elapsedFraction grows the delay by the multiplier, as the executor polls', () => {
    const policy = { initialMs: 1000, multiplier: 2, maxMs: 5000 };
    const delays: number[] = [];
    for (let previous: number | undefined, i = 0; i < 5; i++) delays.push((previous = nextPollDelay(policy, 0, previous)));
    expect(delays).toEqual([1000, 2000, 4000, 5000, 5000]);
    expect([0, 5000, 20_000, 4_000_000].map((elapsed) => nextPollDelay(WAREHOUSE_POLL, elapsed, undefined))).toEqual([
      1000, 1000, 2000, 300_000,
    ]);
  });

  it('refuses a fraction it cannot apply, naming the setting', () => {
    const spec = {
      name: 'bad',
      handleVersion: 1,
      submit: async () => 'x',
      fetch: async () => ({}),
      status: () => running(),
      cancel: async () => undefined,
    };
    expect(() => webApiBackend({ ...spec, poll: { ...WAREHOUSE_POLL, elapsedFraction: 0 } })).toThrow(
      /'poll.elapsedFraction' must be a number in \(0, 1\]/,
    );
    expect(() => webApiBackend({ ...spec, poll: { initialMs: 1000, multiplier: 1, maxMs: 10 } })).toThrow(/'poll.maxMs'/);
  });
});
