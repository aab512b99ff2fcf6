// webApiBackend through the executor, against a small job service on the emulator core: quotas,
// submit retries with the same token, permanent output failures and rate limits, counted on the server.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BackendError,
  type Clock,
  createExecutor,
  createRegistry,
  definePlugin,
  type ExecutorEvent,
  failure,
  fromLiteralMap,
  openStateStore,
  Phase,
  queued,
  running,
  succeeded,
  t,
  toLiteralMap,
  toTaskTemplate,
} from '@tflyte/core';
import { isTerminalJobState, JobMachine, type Reply, startEmulatorServer } from '@tflyte/testing/emulator';
import { afterEach, describe, expect, it } from 'vitest';
import { TokenBucket } from './rate-limiter.ts';
import { type WebApiSpec, webApiBackend } from './web-api-backend.ts';

type Op = 'submit' | 'status' | 'cancel' | 'release';
type JobView = { readonly id: string; readonly state: string; readonly result?: number };

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A job service: POST /jobs (idempotent by token) starts a job whose result is its input doubled. */
async function jobService(options: { runningMs?: number } = {}) {
  let mostLive = 0;
  const jobs = new JobMachine<{ readonly n: number }, number>({
    queuedMs: 1,
    runningMs: options.runningMs ?? 5,
    work: async (job) => ({ ok: true, result: job.spec.n * 2 }),
    crashed: (error) => String(error),
  });
  const view = (id: string): Reply => {
    const job = jobs.get(id);
    return job === undefined
      ? { status: 404, body: { error: 'no such job' } }
      : { status: 200, body: { id, state: job.state, ...(job.result === undefined ? {} : { result: job.result }) } };
  };
  const server = await startEmulatorServer<Op>({
    service: 'jobs',
    operations: ['submit', 'status', 'cancel', 'release'],
    identify: ({ method, url, raw }) => {
      const body: unknown = raw.length === 0 ? undefined : JSON.parse(raw.toString('utf8'));
      if (method === 'POST' && url.pathname === '/jobs') return { op: 'submit', body };
      if (method === 'POST' && url.pathname.endsWith('/release')) return { op: 'release', body: url.pathname.slice(6, -8) };
      if (method === 'GET' && url.pathname.startsWith('/jobs/')) return { op: 'status', body: url.pathname.slice(6) };
      if (method === 'DELETE' && url.pathname.startsWith('/jobs/')) return { op: 'cancel', body: url.pathname.slice(6) };
      return { reply: { status: 404, body: { error: 'unknown route' } } };
    },
    handle: async (op, body) => {
      if (op === 'submit') {
        const { token, n } = body as { token: string; n: number };
        const { job } = jobs.submit({ n }, token);
        mostLive = Math.max(mostLive, jobs.list().filter((j) => !isTerminalJobState(j.state)).length);
        return view(job.id);
      }
      if (op === 'cancel') jobs.stop(body as string);
      return view(body as string);
    },
    throttle: () => ({ status: 429, body: { error: 'slow down' } }),
    serverError: () => ({ status: 503, body: { error: 'unavailable' } }),
  });
  cleanups.push(async () => {
    jobs.close();
    await server.close();
  });
  return { server, jobs, mostLive: () => mostLive };
}

async function call(url: string, init?: RequestInit): Promise<JobView> {
  const response = await fetch(url, init);
  if (response.status === 429 || response.status >= 500) {
    throw new BackendError({
      kind: 'system',
      retryable: true,
      code: `HTTP_${response.status}`,
      message: `job service answered ${response.status}`,
    });
  }
  return (await response.json()) as JobView;
}

function jobsSpec(endpoint: string, overrides: Partial<WebApiSpec<string, JobView>> = {}): WebApiSpec<string, JobView> {
  return {
    name: 'jobs',
    handleVersion: 1,
    poll: { initialMs: 2, multiplier: 1, maxMs: 2 },
    submitRetries: { initialMs: 1, maxMs: 1 },
    statusChecks: { initialMs: 1, maxMs: 1 },
    async submit(ctx) {
      const n = Number(fromLiteralMap({ n: t.int() }, ctx.inputs).n);
      return (await call(`${endpoint}/jobs`, { method: 'POST', body: JSON.stringify({ token: ctx.idempotencyToken, n }) })).id;
    },
    fetch: (id) => call(`${endpoint}/jobs/${id}`),
    status: (job) =>
      job.state === 'QUEUED'
        ? queued()
        : job.state === 'RUNNING'
          ? running()
          : job.state === 'SUCCEEDED'
            ? succeeded()
            : failure('user', false, 'JOB_FAILED', `job ${job.id} is ${job.state}`),
    outputs: async (job) => toLiteralMap({ doubled: t.int() }, { doubled: job.result }),
    cancel: async (id) => {
      await call(`${endpoint}/jobs/${id}`, { method: 'DELETE' });
    },
    ...overrides,
  };
}

async function executorFor(spec: WebApiSpec<string, JobView>) {
  const backend = webApiBackend(spec);
  const definition = definePlugin<undefined, Record<never, never>>({
    taskType: 'double-job',
    taskTypeVersion: 0,
    packageName: '@tflyte/warehouse-test',
    coreVersion: '*',
    target: 'sql',
    backend: () => backend,
  });
  const task = definition.task({
    name: 'double',
    inputs: { n: t.int() },
    outputs: { doubled: t.int() },
    options: {},
    config: undefined,
    body: { kind: 'sql', statement: () => 'DOUBLE' },
  });
  const dir = await mkdtemp(join(tmpdir(), 'tflyte-web-api-'));
  const store = openStateStore(dir);
  cleanups.push(async () => {
    store.close();
    await rm(dir, { recursive: true, force: true });
  });
  const executor = createExecutor({ registry: createRegistry({ plugins: [definition.plugin()] }), store, stateDir: dir });
  const events: ExecutorEvent[] = [];
  executor.on((e) => events.push(e));
  const template = toTaskTemplate(task, { version: 'v1' });
  const runDouble = async (n: number, runId: string) =>
    fromLiteralMap({ doubled: t.int() }, await executor.run(template, toLiteralMap({ n: t.int() }, { n }), { runId })).doubled;
  return { backend, events, runDouble };
}

describe('webApiBackend', () => {
  it('runs one job per attempt through the executor and reads its outputs', async () => {
    const { server, jobs } = await jobService();
    const { runDouble } = await executorFor(jobsSpec(server.endpoint));
    expect(await runDouble(21, 'r1')).toBe(42);
    expect(jobs.list()).toHaveLength(1);
    expect(server.log.count('submit')).toBe(1);
  });

  it('holds attempts past the quota in WAITING_FOR_RESOURCES, so the service never runs more jobs at once', async () => {
    const { server, jobs, mostLive } = await jobService({ runningMs: 20 });
    const { events, runDouble, backend } = await executorFor(jobsSpec(server.endpoint, { quota: 1 }));
    const results = await Promise.all([1, 2, 3].map((n) => runDouble(n, `q${n}`)));

    expect(results).toEqual([2, 4, 6]);
    expect(mostLive()).toBe(1);
    expect(jobs.list()).toHaveLength(3);
    expect(events.some((e) => e.type === 'status-changed' && e.phase === Phase.WAITING_FOR_RESOURCES)).toBe(true);
    expect(backend.quota?.used).toBe(0);
  });

  it('retries a failed submit within the attempt with the same token: one job, one attempt', async () => {
    const { server, jobs } = await jobService();
    server.faults.script('submit', ['server-error', 'lost-response', 'throttle']);
    const { events, runDouble } = await executorFor(jobsSpec(server.endpoint));
    expect(await runDouble(5, 'flaky')).toBe(10);

    expect(server.log.count('submit')).toBe(4);
    expect(jobs.list()).toHaveLength(1);
    expect(events.filter((e) => e.type === 'attempt-started' || e.type === 'attempt-created')).toHaveLength(1);
  });

  it('fails the attempt for good when reading outputs hits a permanent problem', async () => {
    const { server } = await jobService();
    const spec = jobsSpec(server.endpoint, {
      outputs: async () => {
        throw new BackendError({ kind: 'user', retryable: false, code: 'TOO_MANY_ROWS', message: 'the result is too large' });
      },
    });
    const { runDouble } = await executorFor(spec);
    await expect(runDouble(1, 'big')).rejects.toMatchObject({ failure: { kind: 'user', code: 'TOO_MANY_ROWS' }, attempts: 1 });
    expect(server.log.count('submit')).toBe(1);
  });

  it('calls the finalize hook once the attempt is over, with the job, after the quota token is released', async () => {
    const { server, jobs } = await jobService();
    let usedAtFinalize: number | undefined;
    const spec = jobsSpec(server.endpoint, {
      quota: 2,
      finalize: async (id) => {
        usedAtFinalize = backend.quota?.used;
        await call(`${server.endpoint}/jobs/${id}/release`, { method: 'POST' });
      },
    });
    const { runDouble, backend } = await executorFor(spec);
    expect(await runDouble(3, 'fin')).toBe(6);
    expect(server.log.of('release').map((c) => c.body)).toEqual([jobs.list()[0]?.id]);
    expect(usedAtFinalize).toBe(0);
  });

  it('rides out failed status reads without resubmitting or cancelling the job', async () => {
    const { server, jobs } = await jobService();
    server.faults.script('status', ['server-error', 'connection-reset', 'throttle']);
    const { runDouble } = await executorFor(jobsSpec(server.endpoint));
    expect(await runDouble(4, 'reads')).toBe(8);
    expect(jobs.list()).toHaveLength(1);
    expect(server.log.count('cancel')).toBe(0);
  });
});

describe('TokenBucket', () => {
  it('lets a burst through at once, then one call per 1/qps seconds on the given clock', async () => {
    let now = 0;
    const sleeps: number[] = [];
    const clock: Clock = {
      now: () => now,
      sleep: async (ms) => {
        sleeps.push(ms);
        now += ms;
      },
    };
    const bucket = new TokenBucket({ qps: 10, burst: 2 }, 'rateLimits.read');
    for (let i = 0; i < 4; i++) await bucket.take(clock);
    expect(sleeps).toEqual([100, 100]);
    now += 1000;
    sleeps.length = 0;
    for (let i = 0; i < 2; i++) await bucket.take(clock);
    expect(sleeps).toEqual([]);
  });

  it('refuses a limit it cannot apply, naming the setting', () => {
    expect(() => new TokenBucket({ qps: 0, burst: 1 }, 'rateLimits.read')).toThrow(/'rateLimits.read.qps' must be a positive number/);
    expect(() => webApiBackend({ ...jobsSpec('http://127.0.0.1:1'), quota: 0 })).toThrow(/'quota' must be an integer >= 1/);
  });
});
