/**
 * Propeller's expectations of a connector, as a table (flyteplugins webapi/connector plugin.go):
 * how each tflyte status reaches propeller as a Resource and what propeller decides from it; where
 * outputs are read from; ExecuteTaskSync; and graceful shutdown finishing an in-flight call. The
 * plugin here is a scripted one whose backend reports the status a test asks for (by input).
 */
import { create } from '@bufbuild/protobuf';
import {
  type AsyncBackend,
  type AttemptContext,
  aborted,
  definePlugin,
  failure,
  initializing,
  Phase,
  queued,
  running,
  type SyncBackend,
  succeeded,
  type TaskStatus,
  waitingForResources,
} from '@tflyte/core';
import { type LiteralMap, LiteralMapSchema } from '@tflyte/idl/core/literals';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resourceFromStatus, statusFromResource } from '../resource.ts';
import { type FlyteidlClients, flyteidlClients } from '../testing/flyteidl-grpc-client.ts';
import { type ConnectorServer, startConnectorServer } from './connector-server.ts';

type Plain = Record<string, unknown>;

const answer = (n: number): LiteralMap =>
  create(LiteralMapSchema, {
    literals: {
      answer: {
        value: { case: 'scalar', value: { value: { case: 'primitive', value: { value: { case: 'integer', value: BigInt(n) } } } } },
      },
    },
  });

const STATUSES: Record<string, TaskStatus> = {
  queued: queued({ message: 'in line' }),
  waiting: waitingForResources({ message: 'quota' }),
  initializing: initializing(),
  running: running({ logs: [{ name: 'Console', uri: 'https://console.example/q/1' }] }),
  succeededInline: succeeded(answer(42)),
  succeededFile: succeeded(),
  permanent: failure('user', false, 'BadQuery', 'syntax error at line 1'),
  retryable: failure('system', true, 'Throttled', 'slow down'),
  aborted: aborted({ message: 'stopped in the console' }),
};

/** Reads the scenario name the test passes as input `case`. */
function scenario(ctx: AttemptContext): string {
  const literal = ctx.inputs.literals['case']?.value;
  if (literal?.case === 'scalar' && literal.value.value.case === 'primitive' && literal.value.value.value.value.case === 'stringValue')
    return literal.value.value.value.value.value;
  throw new Error('no case input');
}

let releaseCreate: (() => void) | undefined;
const scriptedBackend: AsyncBackend<{ scenario: string }> = {
  name: 'scripted',
  handleVersion: 1,
  async create(ctx) {
    const name = scenario(ctx);
    if (name === 'slowCreate') await new Promise<void>((resolve) => (releaseCreate = resolve));
    return { scenario: name };
  },
  async get(handle) {
    return STATUSES[handle.scenario] ?? running();
  },
  async delete() {},
};
const syncBackend: SyncBackend = {
  name: 'scripted-sync',
  do: async (ctx) => (scenario(ctx) === 'fail' ? failure('user', false, 'Nope', 'no') : succeeded(answer(7))),
};

const pluginOf = (taskType: string, backend: AsyncBackend<{ scenario: string }> | SyncBackend) =>
  definePlugin({
    taskType,
    taskTypeVersion: 0,
    packageName: `@example/${taskType}`,
    coreVersion: '^0.1.0',
    target: 'container',
    backend: () => backend,
  }).plugin();

const template = (type: string): Plain => ({
  id: { resourceType: 'TASK', project: 'p', domain: 'd', name: 't', version: 'v' },
  type,
  interface: { outputs: { variables: { answer: { type: { simple: 'INTEGER' } } } } },
  container: { image: 'example/image:1', args: ['run'] },
});
const metadata = (name: string): Plain => ({
  taskExecutionId: { nodeExecutionId: { nodeId: 'n0', executionId: { project: 'p', domain: 'd', name } }, retryAttempt: 0 },
});
const inputs = (name: string): Plain => ({ literals: { case: { scalar: { primitive: { stringValue: name } } } } });

let server: ConnectorServer;
let clients: FlyteidlClients;
beforeAll(async () => {
  server = await startConnectorServer({
    plugins: [pluginOf('scripted', scriptedBackend), pluginOf('scripted-sync', syncBackend)],
    host: '127.0.0.1',
    port: 0,
    metricsPort: false,
    log: () => {},
  });
  clients = flyteidlClients(server.url.replace('http://', ''));
});
afterAll(async () => {
  clients?.close();
  await server?.close({ graceMs: 200 });
});

async function resourceFor(name: string): Promise<Plain> {
  const { resourceMeta } = (await clients.call(clients.async, 'createTask', {
    template: template('scripted'),
    inputs: inputs(name),
    outputPrefix: 's3://b/o',
    taskExecutionMetadata: metadata(`e-${name}`),
  })) as { resourceMeta: Buffer };
  const { resource } = (await clients.call(clients.async, 'getTask', {
    resourceMeta,
    taskCategory: { name: 'scripted', version: 0 },
    outputPrefix: 's3://b/o',
  })) as { resource: Plain };
  return resource;
}

describe("propeller's expectations", () => {
  // tflyte status → Resource.phase, deprecated state, agent_error; and propeller's decision (plugin.go Status).
  it.each<[string, string, string, Plain | null, string]>([
    ['queued', 'QUEUED', 'PENDING', null, 'Queued'],
    ['waiting', 'WAITING_FOR_RESOURCES', 'PENDING', null, 'WaitingForResources'],
    ['initializing', 'INITIALIZING', 'PENDING', null, 'Initializing'],
    ['running', 'RUNNING', 'RUNNING', null, 'Running'],
    ['succeededInline', 'SUCCEEDED', 'SUCCEEDED', null, 'Success, outputs from the Resource'],
    ['succeededFile', 'SUCCEEDED', 'SUCCEEDED', null, 'Success, outputs.pb under the output prefix'],
    [
      'permanent',
      'FAILED',
      'PERMANENT_FAILURE',
      { code: 'BadQuery', kind: 'NON_RECOVERABLE', origin: 'USER' },
      'PermanentFailure (no retry)',
    ],
    [
      'retryable',
      'RETRYABLE_FAILED',
      'RETRYABLE_FAILURE',
      { code: 'Throttled', kind: 'RECOVERABLE', origin: 'SYSTEM' },
      'RetryableFailure',
    ],
    ['aborted', 'ABORTED', 'PERMANENT_FAILURE', null, 'PermanentFailure (no retry)'],
  ])('%s → phase %s, state %s, agent_error %o: propeller %s', async (name, phase, state, agentError) => {
    const resource = await resourceFor(name);
    expect(resource).toMatchObject({ phase, state, agentError });
    const status = STATUSES[name]!;
    expect(resource['message']).toBe(status.message ?? '');
    if (name === 'running') expect(resource['logLinks']).toMatchObject([{ name: 'Console', uri: 'https://console.example/q/1' }]);
    if (name === 'succeededInline')
      expect(resource['outputs']).toEqual({
        literals: {
          answer: expect.objectContaining({ scalar: expect.objectContaining({ primitive: expect.objectContaining({ integer: '42' }) }) }),
        },
      });
    // No inline outputs: propeller then reads <output_prefix>/outputs.pb.
    if (name === 'succeededFile') expect(resource['outputs']).toBeNull();
    // A tflyte client reads the Resource back to the same retry decision.
    const back = statusFromResource(resourceFromStatus(status));
    expect(back?.phase).toBe(status.phase === Phase.ABORTED ? Phase.FAILED : status.phase);
    if (status.failure !== undefined)
      expect(back?.failure).toMatchObject({ kind: status.failure.kind, retryable: status.failure.retryable, code: status.failure.code });
  });

  it("a failed status without a message of its own reaches propeller with its failure's message", () => {
    const resource = resourceFromStatus({
      phase: Phase.FAILED,
      failure: { kind: 'user', retryable: false, code: 'Negative', message: 'x must be >= 0' },
    });
    expect(resource.message).toBe('x must be >= 0');
  });

  it('falls back to the deprecated state when a connector sends no phase, as propeller does', () => {
    const legacy = resourceFromStatus(running());
    expect(statusFromResource({ ...legacy, phase: Phase.UNDEFINED })?.phase).toBe(Phase.RUNNING);
  });

  it('serves sync plugins through ExecuteTaskSync (header, then inputs) and lists them as sync', async () => {
    const { agents } = (await clients.call(clients.metadata, 'listAgents', {})) as { agents: Plain[] };
    expect(agents).toContainEqual({
      name: '@example/scripted-sync (sync)',
      isSync: true,
      supportedTaskTypes: ['scripted-sync'],
      supportedTaskCategories: [{ name: 'scripted-sync', version: 0 }],
    });
    const header = { header: { template: template('scripted-sync'), outputPrefix: 's3://b/o', taskExecutionMetadata: metadata('e-sync') } };
    const [ok] = await clients.executeTaskSync([header, { inputs: inputs('ok') }]);
    expect(ok).toMatchObject({
      header: {
        resource: {
          phase: 'SUCCEEDED',
          outputs: {
            literals: {
              answer: expect.objectContaining({
                scalar: expect.objectContaining({ primitive: expect.objectContaining({ integer: '7' }) }),
              }),
            },
          },
        },
      },
    });
    const [bad] = await clients.executeTaskSync([header, { inputs: inputs('fail') }]);
    expect(bad).toMatchObject({ header: { resource: { phase: 'FAILED', agentError: { code: 'Nope', kind: 'NON_RECOVERABLE' } } } });
    // An async category called synchronously (and the reverse) is refused with the call to make.
    const wrong = await clients
      .executeTaskSync([{ header: { ...header.header, template: template('scripted') } }, { inputs: inputs('ok') }])
      .catch((e: { code: number; details: string }) => e);
    expect(wrong).toMatchObject({ code: 9, details: expect.stringContaining('call AsyncAgentService.CreateTask') });
  });

  it('shuts down gracefully: health turns NOT_SERVING, new connections are refused, the in-flight CreateTask completes', async () => {
    const own = await startConnectorServer({
      plugins: [pluginOf('scripted', scriptedBackend)],
      host: '127.0.0.1',
      port: 0,
      metricsPort: false,
      log: () => {},
    });
    const c = flyteidlClients(own.url.replace('http://', ''));
    try {
      const watch = c.stream(c.health, 'watch', { service: '' });
      const inFlight = c.call(c.async, 'createTask', {
        template: template('scripted'),
        inputs: inputs('slowCreate'),
        outputPrefix: 's3://b/o',
        taskExecutionMetadata: metadata('e-slow'),
      });
      while (releaseCreate === undefined) await new Promise((r) => setTimeout(r, 10));
      const closed = own.close({ graceMs: 10_000 });
      expect(await watch).toEqual([{ status: 'SERVING' }, { status: 'NOT_SERVING' }]);
      const late = flyteidlClients(own.url.replace('http://', ''));
      const refused = await late.call(late.metadata, 'listAgents', {}, 2000).catch((e: { code: number }) => e);
      late.close();
      expect(refused).toMatchObject({ code: 14 });
      releaseCreate();
      const { resourceMeta } = (await inFlight) as { resourceMeta: Buffer };
      expect(JSON.parse(resourceMeta.toString())).toMatchObject({ kind: 'job', handle: { scenario: 'slowCreate' } });
      await closed;
    } finally {
      c.close();
      await own.close();
    }
  });
});
