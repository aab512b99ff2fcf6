import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidOptionError } from '../errors.ts';
import { createExecutor } from '../executor/executor.ts';
import { createRegistry } from '../plugin/registry.ts';
import { executorRunner } from '../session/executor-runner.ts';
import { openStateStore, type StateStore } from '../store/index.ts';
import { t } from '../types/t.ts';
import { functionPlugin } from './function-plugin.ts';
import { task } from './function-task.ts';
import { withRunner } from './run-context.ts';

const inputs = { x: t.int() };
const body = ({ x }: { x: number }) => x;

function define(options: Record<string, unknown>) {
  return () => task({ name: 'probe', inputs, outputs: t.int(), ...options } as never, body as never);
}

describe('task options are validated when the task is defined', () => {
  const cases: Array<[string, Record<string, unknown>, string, RegExp]> = [
    ['an unknown option', { retry: 2 }, 'retry', /not a task option; valid options are: .*retries/],
    ['retries above 10', { retries: 11 }, 'retries', /integer from 0 to 10/],
    ['negative retries', { retries: -1 }, 'retries', /integer from 0 to 10/],
    ['fractional retries', { retries: 1.5 }, 'retries', /integer/],
    ['cache without a version', { cache: { serialize: true } }, 'cache.version', /is required/],
    ['cache as a boolean', { cache: true }, 'cache', /must be an object/],
    ['an unknown cache field', { cache: { version: '1', salt: 'x' } }, 'cache.salt', /not a cache option/],
    [
      'ignoring an input that does not exist',
      { cache: { version: '1', ignoredInputs: ['y'] } },
      'cache.ignoredInputs',
      /'y', which is not an input/,
    ],
    ['a negative timeout', { timeout: -5 }, 'timeout', /non-negative/],
    ['an unparsable timeout', { timeout: '5 minutes' }, 'timeout', /ISO-8601/],
    ['interruptible as a string', { interruptible: 'yes' }, 'interruptible', /true or false/],
    ['a malformed cpu quantity', { requests: { cpu: 'lots' } }, 'requests.cpu', /Kubernetes quantity/],
    ['a negative memory quantity', { limits: { mem: '-1Gi' } }, 'limits.mem', /non-negative Kubernetes quantity/],
    ['an unknown resource', { requests: { disk: '1Gi' } }, 'requests.disk', /not a resource/],
    ['a request above its limit', { requests: { mem: '2Gi' }, limits: { mem: '1Gi' } }, 'requests.mem', /must not exceed limits.mem/],
    ['a GPU limit different from its request', { requests: { gpu: 1 }, limits: { gpu: 2 } }, 'limits.gpu', /must equal requests.gpu/],
    ['an accelerator without a device', { accelerator: { partition: '1g.5gb' } }, 'accelerator', /device/],
    [
      'both partition and unpartitioned',
      { accelerator: { device: 'a100', partition: '1g.5gb', unpartitioned: true } },
      'accelerator',
      /not both/,
    ],
    ['shared memory of a bad size', { sharedMemory: 'big' }, 'sharedMemory', /size quantity/],
    ['env with a non-string value', { env: { N: 3 } }, 'env.N', /must be a string/],
    ['a secret without a group', { secretRequests: [{ key: 'k' }] }, 'secretRequests[0].group', /required/],
    [
      'a MIG partition that is not <slices>g.<memory>gb',
      { accelerator: { device: 'a100', partition: '5gb' } },
      'accelerator.partition',
      /MIG partition size such as '1g.5gb'.*got "5gb"/,
    ],
    ['a MIG partition with upper case', { accelerator: { device: 'a100', partition: '1G.5GB' } }, 'accelerator.partition', /MIG partition/],
    [
      'a secret group that is not a Kubernetes secret name',
      { secretRequests: [{ group: 'AWS_Creds' }] },
      'secretRequests[0].group',
      /'AWS_Creds' is not a Kubernetes secret name/,
    ],
    [
      'a secret key with a slash',
      { secretRequests: [{ group: 'aws', key: 'a/b' }] },
      'secretRequests[0].key',
      /'a\/b' is not a Kubernetes secret key/,
    ],
    [
      'a secret key starting with ..',
      { secretRequests: [{ group: 'aws', key: '..data' }] },
      'secretRequests[0].key',
      /not starting with '\.\.'/,
    ],
    ['an env var name starting with a digit', { env: { '1X': 'v' } }, 'env.1X', /not a valid environment variable name/],
    ['an env var name with a space', { env: { 'MY VAR': 'v' } }, 'env.MY VAR', /not a valid environment variable name/],
    [
      'shared memory with a pod template that mounts /dev/shm on the primary container',
      {
        sharedMemory: '1Gi',
        podTemplate: {
          podSpec: {
            containers: [{ name: 'primary', volumeMounts: [{ name: 'dshm', mountPath: '/dev/shm/' }] }],
            volumes: [{ name: 'dshm', emptyDir: {} }],
          },
        },
      },
      'sharedMemory',
      /mounts \/dev\/shm, which podTemplate.podSpec.containers\[0\].volumeMounts\[0\] mounts too/,
    ],
    ['a secret env var in lower case', { secretRequests: [{ group: 'g', envVar: 'token' }] }, 'secretRequests[0].envVar', /upper-case/],
    [
      'a secret mount of an unknown kind',
      { secretRequests: [{ group: 'g', mountRequirement: 'disk' }] },
      'secretRequests[0].mountRequirement',
      /'any', 'env' or 'file'/,
    ],
    ['an invalid label value', { labels: { team: 'ml team' } }, 'labels.team', /not a valid label value/],
    ['an invalid annotation key', { annotations: { 'bad key': 'v' } }, 'annotations.bad key', /not a valid Kubernetes key/],
    ['a pod template without a pod spec', { podTemplate: { primaryContainerName: 'main' } }, 'podTemplate.podSpec', /PodSpec/],
    ['an image that is not a string', { image: 42 }, 'image', /must be a string/],
    // What Kubernetes or propeller would refuse only when the pod is created, refused when the task is defined.
    ['half a GPU', { requests: { gpu: 0.5 } }, 'requests.gpu', /whole number of GPUs, got 0\.5; for part of a GPU use accelerator/],
    ['a GPU in millis', { limits: { gpu: '500m' } }, 'limits.gpu', /whole number of GPUs, got "500m"/],
    [
      'a primary container name with upper case',
      { podTemplate: { primaryContainerName: 'Main', podSpec: {} } },
      'podTemplate.primaryContainerName',
      /'Main' is not a valid container name: .*DNS-1123 label.*e\.g\. 'main'/,
    ],
    [
      'a template container named with _',
      { podTemplate: { podSpec: { containers: [{ name: 'side_car' }] } } },
      'podTemplate.podSpec.containers[0].name',
      /'side_car' is not a valid container name.*e\.g\. 'side-car'/,
    ],
    [
      'a template container without a name',
      { podTemplate: { podSpec: { containers: [{ image: 'envoy' }] } } },
      'podTemplate.podSpec.containers[0].name',
      /is required/,
    ],
    ['a deprecation that is not a string', { deprecated: true }, 'deprecated', /must be a string/],
  ];

  it.each([
    ['an empty input name', { '': t.int() }, 'inputs', /empty name/],
    ['an input name with a dash', { 'n-rows': t.int() }, 'inputs.n-rows', /'n-rows' is not a valid variable name.*e\.g\. 'n_rows'/],
    ['an input name starting with a digit', { '1x': t.int() }, 'inputs.1x', /not starting with a digit/],
  ] as const)('rejects %s', (_, badInputs, option, problem) => {
    const define = () => task({ name: 'probe', inputs: badInputs, outputs: t.int() } as never, body as never);
    expect(define).toThrow(InvalidOptionError);
    expect(define).toThrow(problem);
    try {
      define();
    } catch (e) {
      expect((e as InvalidOptionError).option).toBe(option);
    }
  });

  it('accepts whole GPUs as numbers or quantities', () => {
    expect(() => define({ requests: { gpu: '2' }, limits: { gpu: 2 } })()).not.toThrow();
  });

  it.each(cases)('rejects %s, naming the option', (_, options, option, problem) => {
    let error: unknown;
    try {
      define(options)();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidOptionError);
    const invalid = error as InvalidOptionError;
    expect(invalid.code).toBe('TFLYTE_INVALID_OPTION');
    expect(invalid.option).toBe(option);
    expect(invalid.task).toMatch(/\.probe$/);
    expect(invalid.message).toMatch(problem);
  });

  it('accepts every option at once', () => {
    expect(
      define({
        cache: { version: '1', serialize: true, ignoredInputs: ['x'] },
        retries: 10,
        timeout: 'PT1H30M',
        interruptible: true,
        requests: { cpu: '500m', mem: '1Gi', gpu: 1, ephemeralStorage: '10Gi' },
        limits: { cpu: 2, mem: '2Gi', gpu: '1', ephemeralStorage: '20Gi' },
        accelerator: { device: 'nvidia-tesla-a100', partition: '1g.5gb' },
        sharedMemory: '1Gi',
        env: { MODE: 'fast' },
        secretRequests: [{ group: 'aws', key: 'token', mountRequirement: 'env', envVar: 'AWS_TOKEN' }],
        tags: { team: 'ml' },
        labels: { team: 'ml' },
        annotations: { 'example.com/owner': 'ana' },
        podTemplateName: 'gpu-template',
        image: 'ghcr.io/acme/app:1',
        deprecated: 'use probe2',
        docs: 'probes things',
        version: 'v7',
      }),
    ).not.toThrow();
  });

  it('accepts what the API server accepts: MIG profiles, dotted secret names and keys, env names with . and -', () => {
    const defined = define({
      accelerator: { device: 'nvidia-a100', partition: '3g.20gb' },
      secretRequests: [{ group: 'aws.creds-1', key: 'token.v1_A' }],
      env: { 'my.env-name': '1', _X: '2' },
      sharedMemory: '1Gi',
      podTemplate: { podSpec: { containers: [{ name: 'sidecar', volumeMounts: [{ name: 'dshm', mountPath: '/dev/shm' }] }] } },
    })();
    expect(defined.options.accelerator).toEqual({ device: 'nvidia-a100', partition: '3g.20gb' });
    expect(define({ accelerator: { device: 'a100', partition: '1g.10gb+me' } })().options.accelerator).toMatchObject({
      partition: '1g.10gb+me',
    });
  });

  it('treats a timeout of 0 as no timeout, as flytekit does', () => {
    expect(define({ timeout: 0 })().options.timeout).toBeUndefined();
  });

  it('reads ISO-8601, seconds and Duration timeouts alike', () => {
    expect(define({ timeout: 'PT1M30S' })().options.timeout).toEqual({ seconds: 90, nanos: 0 });
    expect(define({ timeout: 90.5 })().options.timeout).toEqual({ seconds: 90, nanos: 500_000_000 });
    expect(define({ timeout: { seconds: 90, nanos: 0 } })().options.timeout).toEqual({ seconds: 90, nanos: 0 });
    expect(define({ timeout: 'P30D' })().options.timeout).toEqual({ seconds: 30 * 86400, nanos: 0 });
  });

  it('refuses timeouts a protobuf Duration cannot hold, naming the option', () => {
    const refused: Array<[unknown, RegExp]> = [
      ['P3660000D', /longer than a protobuf Duration holds \(315576000000 seconds/],
      [1e300, /longer than a protobuf Duration holds/],
      [Number.POSITIVE_INFINITY, /must be seconds/],
      [{ seconds: 315_576_000_001, nanos: 0 }, /longer than a protobuf Duration holds/],
      [{ seconds: 1, nanos: 1_000_000_000 }, /nanos from 0 to 999999999/],
      [{ seconds: 1.5, nanos: 0 }, /whole seconds/],
      [{ seconds: 2 ** 60, nanos: 0 }, /whole seconds/],
      [{ seconds: 1, nanos: -1 }, /nanos from 0/],
      ['PT', /ISO-8601/],
      ['P1DT', /ISO-8601/],
    ];
    for (const [timeout, message] of refused) {
      expect(define({ timeout }), String(timeout)).toThrow(InvalidOptionError);
      expect(define({ timeout }), String(timeout)).toThrow(
        expect.objectContaining({ option: 'timeout', message: expect.stringMatching(message) }),
      );
    }
  });
});

describe('a 30-day timeout (longer than a Node timer holds) on the system clock', () => {
  let dir: string;
  let store: StateStore;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tflyte-timeout-'));
    store = openStateStore(dir);
  });
  afterEach(async () => {
    store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('lets a task that takes a moment finish instead of timing it out at once', async () => {
    const patient = task({ inputs: { x: t.int() }, outputs: t.int(), timeout: 'P30D' }, async function patient({ x }) {
      await new Promise((resolve) => setTimeout(resolve, 30));
      return x + 1;
    });
    const executor = createExecutor({ registry: createRegistry({ plugins: [functionPlugin()] }), store, stateDir: dir });
    expect(await withRunner(executorRunner(executor), () => patient({ x: 1 }))).toBe(2);
  });
});
