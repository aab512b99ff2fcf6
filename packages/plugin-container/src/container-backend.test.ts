import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromBinary } from '@bufbuild/protobuf';
import {
  type AttemptContext,
  CancelledError,
  type ExecutorEvent,
  type JsonValue,
  openSession,
  type Session,
  type TaskDefinition,
  TaskFailedError,
  type TaskStatus,
  TaskTimeoutError,
  t,
  toLiteralMap,
  toLocalPath,
  toTaskTemplate,
  withRunner,
} from '@tflyte/core';
import { TaskExecution_Phase } from '@tflyte/idl/core/execution';
import { LiteralMapSchema } from '@tflyte/idl/core/literals';
import { testAttemptContext } from '@tflyte/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ATTEMPT_LABEL, type ContainerHandle, containerBackend } from './container-backend.ts';
import { containerPlugin } from './container-plugin.ts';
import { containerTask } from './container-task.ts';
import { type ContainerRuntime, ensureBusyboxImage, probeContainerRuntime, runtimeOf } from './runtime/index.ts';

const probe = await probeContainerRuntime();

describe.skipIf(!probe.available)('raw-container tasks in a real container runtime', () => {
  let runtime: ContainerRuntime;
  let image: string;
  let scratch: string;
  /** Parent of the backend's per-attempt directories: empty whenever no attempt is running. */
  let workDir: string;
  const attempts = new Set<string>();

  beforeAll(async () => {
    runtime = runtimeOf(probe);
    image = await ensureBusyboxImage(runtime);
    scratch = await mkdtemp(join(tmpdir(), 'tflyte-container-task-test-'));
  });
  /** Nothing may outlive an attempt: no container carrying its label, no host directory. */
  async function expectNothingLeft(): Promise<void> {
    expect(attempts.size).toBeGreaterThan(0);
    for (const attempt of attempts) expect(await runtime.listContainers({ labels: { [ATTEMPT_LABEL]: attempt } })).toEqual([]);
    expect(await readdir(workDir)).toEqual([]);
  }
  afterEach(async () => {
    await expectNothingLeft();
    attempts.clear();
  });
  afterAll(async () => {
    if (scratch !== undefined) await rm(scratch, { recursive: true, force: true });
  });

  async function freshDir(name: string): Promise<string> {
    const dir = await mkdtemp(join(scratch, `${name}-`));
    return dir;
  }

  /** Runs `call` through an executor session with the container plugin registered. */
  async function viaExecutor<T>(
    call: () => Promise<T>,
    options: { signal?: AbortSignal; onEvent?: (e: ExecutorEvent) => void; pull?: 'never' } = {},
  ): Promise<T> {
    workDir = await freshDir('work');
    const plugin = containerPlugin({ runtime, workDir, stopTimeoutSeconds: 1, ...(options.pull ? { pull: options.pull } : {}) });
    const session: Session = await openSession({ cwd: scratch, config: { plugins: [plugin], stateDir: await freshDir('state') } });
    const onEvent = (event: ExecutorEvent): void => {
      if (event.type === 'attempt-created') attempts.add((event.handle as ContainerHandle).attempt);
      options.onEvent?.(event);
    };
    try {
      return await withRunner(session.runner({ ...(options.signal ? { signal: options.signal } : {}), onEvent }), call);
    } finally {
      session.close();
    }
  }

  async function failureOf(promise: Promise<unknown>): Promise<TaskFailedError> {
    const error = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TaskFailedError);
    return error as TaskFailedError;
  }

  describe('inputs and outputs', () => {
    it('hands every scalar type to the container as copilot writes it and reads each back typed', async () => {
      const echo = containerTask({
        name: 'echoScalars',
        image,
        inputs: { i: t.int(), f: t.float(), s: t.string(), b: t.bool(), d: t.datetime(), u: t.duration() },
        outputs: {
          i: t.int(),
          f: t.float(),
          s: t.string(),
          b: t.bool(),
          d: t.datetime(),
          u: t.duration(),
          json: t.string(),
          rendered: t.string(),
        },
        command: [
          'sh',
          '-c',
          'for n in i f s b d u; do cp /var/inputs/$n /var/outputs/$n; done; cp /var/inputs/inputs.json /var/outputs/json; ' +
            'printf "%s|" "$@" > /var/outputs/rendered',
          'sh',
        ],
        args: ['{{.inputs.i}}', '{{.inputs.f}}', '{{.inputs.s}}', '{{.inputs.b}}', '{{.inputs.d}}', '{{.inputs.u}}'],
      });
      const inputs = {
        i: -42,
        f: 0.00001,
        s: 'héllo <world> & "you"',
        b: true,
        d: new Date('2024-05-01T12:00:00.250Z'),
        u: { seconds: 5400, nanos: 500_000_000 },
      };
      const out = await viaExecutor(() => echo(inputs));
      expect(out).toEqual({
        ...inputs,
        // Go's encoding/json: sorted keys, <>& escaped, durations in nanoseconds.
        json: '{"b":true,"d":"2024-05-01T12:00:00.25Z","f":0.00001,"i":-42,"s":"héllo \\u003cworld\\u003e \\u0026 \\"you\\"","u":5400500000000}',
        // propeller's rendering: a float as Go's %v, a duration as Go prints it.
        rendered: '-42|1e-05|héllo <world> & "you"|true|2024-05-01T12:00:00.25Z|1h30m0.5s|',
      });
    });

    it('writes the exact text of each scalar into its input file', async () => {
      const cat = containerTask({
        name: 'catInputs',
        image,
        inputs: { f: t.float(), u: t.duration(), d: t.datetime(), b: t.bool() },
        outputs: { all: t.string() },
        command: ['sh', '-c', 'for n in f u d b; do cat /var/inputs/$n; echo; done > /var/outputs/all'],
      });
      const out = await viaExecutor(() => cat({ f: 1e21, u: { seconds: 0, nanos: 1500 }, d: new Date('1999-12-31T23:59:59Z'), b: false }));
      expect(out.all).toBe('1000000000000000000000\n1.5µs\n1999-12-31T23:59:59Z\nfalse');
    });

    it('copies file and directory inputs in, and file and directory outputs out to the raw output prefix', async () => {
      const source = await freshDir('source');
      await writeFile(join(source, 'in.txt'), 'shout this');
      await mkdir(join(source, 'tree', 'sub'), { recursive: true });
      await writeFile(join(source, 'tree', 'a.txt'), 'a');
      await writeFile(join(source, 'tree', 'sub', 'b.txt'), 'b');
      const transform = containerTask({
        name: 'transformBlobs',
        image,
        inputs: { doc: t.file(), tree: t.directory() },
        outputs: { upper: t.file(), tree: t.directory(), listing: t.string(), summary: t.file() },
        command: [
          'sh',
          '-c',
          'tr a-z A-Z < /var/inputs/doc > /var/outputs/upper; cp -r /var/inputs/tree /var/outputs/tree; echo new > /var/outputs/tree/added.txt; ' +
            'cd /var/inputs && find . | sort > /var/outputs/listing; cp /var/inputs/inputs.pb /var/outputs/summary',
        ],
      });
      const out = await viaExecutor(() => transform({ doc: { uri: join(source, 'in.txt') }, tree: { uri: join(source, 'tree') } }));

      expect(out.listing.split('\n')).toEqual([
        '.',
        './doc',
        './inputs.json',
        './inputs.pb',
        './tree',
        './tree/a.txt',
        './tree/sub',
        './tree/sub/b.txt',
      ]);
      expect(await readFile(toLocalPath(out.upper.uri), 'utf8')).toBe('SHOUT THIS');
      const tree = toLocalPath(out.tree.uri);
      expect((await readdir(tree, { recursive: true })).sort()).toEqual(['a.txt', 'added.txt', 'sub', 'sub/b.txt']);
      // inputs.pb points the container at its own copies.
      const summary = fromBinary(LiteralMapSchema, await readFile(toLocalPath(out.summary.uri)));
      const uriOf = (name: string) => {
        const scalar = summary.literals[name]?.value.value;
        return scalar && 'value' in scalar && scalar.value.case === 'blob' ? scalar.value.value.uri : undefined;
      };
      expect([uriOf('doc'), uriOf('tree')]).toEqual(['/var/inputs/doc', '/var/inputs/tree']);
      // The caller's files are untouched.
      expect(await readFile(join(source, 'in.txt'), 'utf8')).toBe('shout this');
    });

    it('uses the configured data directories and writes inputs.yaml for the YAML format', async () => {
      const task = containerTask({
        name: 'yamlSummary',
        image,
        inputs: { n: t.int(), word: t.string() },
        outputs: { yaml: t.string() },
        inputDataDir: '/data/in',
        outputDataDir: '/data/out',
        metadataFormat: 'YAML',
        command: ['sh', '-c', 'cat /data/in/inputs.yaml > /data/out/yaml'],
      });
      expect((await viaExecutor(() => task({ n: 3, word: 'yes' }))).yaml).toBe('n: 3\nword: "yes"');
    });

    it('passes env and memory limits, and gives the container no network unless the task asks for one', async () => {
      const inspect = (network: 'none' | 'host') =>
        containerTask({
          name: 'inspectSandbox',
          image,
          outputs: { env: t.string(), memory: t.int(), interfaces: t.string() },
          command: [
            'sh',
            '-c',
            'echo "$MODE" > /var/outputs/env; ' +
              '(cat /sys/fs/cgroup/memory.max 2>/dev/null || cat /sys/fs/cgroup/memory/memory.limit_in_bytes) > /var/outputs/memory; ' +
              'ls /sys/class/net | tr "\\n" " " > /var/outputs/interfaces',
          ],
          env: { MODE: 'sandboxed' },
          limits: { mem: '64Mi' },
          network,
        });
      const isolated = await viaExecutor(() => inspect('none')({}));
      expect(isolated).toEqual({ env: 'sandboxed', memory: 64 * 1024 * 1024, interfaces: 'lo' });
      const shared = await viaExecutor(() => inspect('host')({}));
      expect(shared.interfaces.split(' ').sort()).toEqual((await readdir('/sys/class/net')).sort());
    });

    it("runs a pod template's primary container with the task's command", async () => {
      const task = containerTask({
        name: 'podded',
        image,
        inputs: { n: t.int() },
        outputs: { greeting: t.string() },
        command: ['sh', '-c', 'echo "$GREETING {{.inputs.n}}" > /var/outputs/greeting'],
        podTemplate: {
          primaryContainerName: 'main',
          podSpec: { containers: [{ name: 'main', env: [{ name: 'GREETING', value: 'hello from the pod template' }] }] },
        },
      });
      expect(toTaskTemplate(task, { version: 'v' }).target.case).toBe('k8sPod');
      expect(await viaExecutor(() => task({ n: 7 }))).toEqual({ greeting: 'hello from the pod template 7' });
    });
  });

  describe('failures', () => {
    it('fails a non-zero exit as a user error with the tail of stderr in the message', async () => {
      const task = containerTask({
        name: 'exitThree',
        image,
        command: ['sh', '-c', 'echo partial; echo "it broke: no such widget" >&2; exit 3'],
      });
      const error = await failureOf(viaExecutor(() => task({})));
      expect(error).toMatchObject({ failure: { kind: 'user', code: 'ContainerExitCode' }, attempts: 1 });
      expect(error.message).toContain('container exited with code 3; stderr:\nit broke: no such widget');
    });

    it('retries a non-zero exit with the task retries, as Flyte retries a failed pod', async () => {
      const failures: string[] = [];
      const task = containerTask({ name: 'alwaysFails', image, command: ['sh', '-c', 'exit 1'], retries: 1 });
      const error = await failureOf(viaExecutor(() => task({}), { onEvent: (e) => e.type === 'attempt-failed' && failures.push(e.code) }));
      expect(error.attempts).toBe(2);
      expect(failures).toEqual(['ContainerExitCode', 'ContainerExitCode']);
    });

    it('fails naming the output when one is missing, unparsable or too long for a primitive', async () => {
      const area = (script: string) =>
        containerTask({ name: 'area', image, outputs: { area: t.float(), note: t.string() }, command: ['sh', '-c', script] });
      const missing = await failureOf(viaExecutor(() => area('echo fine > /var/outputs/note')({})));
      expect(missing.message).toContain("output 'area' was not written: the container must create /var/outputs/area (float)");
      const unparsable = await failureOf(viaExecutor(() => area('echo 3,5 > /var/outputs/area; echo x > /var/outputs/note')({})));
      expect(unparsable.message).toContain(
        'output \'area\' could not be read from /var/outputs/area: expected a number such as 3.14, 1e-3, inf or nan, got "3,5"',
      );
      const tooLong = await failureOf(
        viaExecutor(() => area('echo 1 > /var/outputs/area; head -c 2000 /dev/zero | tr "\\0" x > /var/outputs/note')({})),
      );
      expect(tooLong.message).toContain("output 'note' is 2000 bytes; Flyte reads at most 1024 bytes for a string output");
      expect(tooLong).toMatchObject({ failure: { kind: 'user', code: 'OutputUploadFailed' } });
    });

    it('fails with the text of an _ERROR file the container wrote', async () => {
      const task = containerTask({
        name: 'reportsError',
        image,
        outputs: { n: t.int() },
        command: ['sh', '-c', 'echo "widget out of stock" > /var/outputs/_ERROR'],
      });
      const error = await failureOf(viaExecutor(() => task({})));
      expect(error.message).toContain('User Error: widget out of stock');
    });

    it('fails without retries when the image is missing and pulling is off', async () => {
      const task = containerTask({ name: 'noImage', image: 'localhost/tflyte-test/missing:0', command: ['true'], retries: 2 });
      const error = await failureOf(viaExecutor(() => task({}), { pull: 'never' }));
      expect(error).toMatchObject({ failure: { kind: 'user', retryable: false, code: 'ErrImagePull' }, attempts: 1 });
    });

    it.each([
      [
        'a localhost/ image never built here',
        'localhost/tflyte-test/never-built:0',
        'and a localhost/ image is never pulled: build it on this machine',
      ],
      // `.invalid` never resolves (RFC 2606): a registry that cannot be reached, without waiting on a network.
      [
        'an image whose registry cannot be reached',
        'registry.invalid/acme/app:1',
        // Then the runtime's own words: podman's "pinging container registry registry.invalid: …", docker's "Get …".
        'and could not be pulled (',
      ],
    ])('fails %s once, in one line, as a user error that is not retried', async (_, image, why) => {
      const task = containerTask({ name: 'unpullable', image, command: ['true'], retries: 3 });
      const error = await failureOf(viaExecutor(() => task({})));
      expect(error).toMatchObject({ failure: { kind: 'user', retryable: false, code: 'ErrImagePull' }, attempts: 1 });
      const message = (error as TaskFailedError).failure.message;
      expect(message).toContain(`image '${image}' is not among ${runtime.kind}'s local images ${why}`);
      if (image.startsWith('registry.invalid/')) expect(message).toMatch(/could not be pulled \([^)]*registry\.invalid/);
      expect(message).not.toContain('\n');
      expect(message).not.toMatch(/retrying|Trying to pull/);
      // No container was ever created for it.
      expect(await runtime.listContainers({ labels: {} })).not.toContainEqual(
        expect.objectContaining({ name: expect.stringContaining('unpullable') }),
      );
    });
  });

  describe('stopping', () => {
    const sleeper = (extra: { timeout?: number } = {}) => containerTask({ name: 'sleeper', image, command: ['sleep', '60'], ...extra });

    async function untilListed(attempt: () => string | undefined): Promise<void> {
      for (;;) {
        const label = attempt();
        if (label !== undefined && (await runtime.listContainers({ labels: { [ATTEMPT_LABEL]: label } })).length > 0) return;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }

    it("stops and removes the container when the task's timeout passes", async () => {
      const error = await viaExecutor(() => sleeper({ timeout: 1 })({})).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(TaskTimeoutError);
      await expectNothingLeft();
    });

    it('stops and removes the running container when the run is cancelled', async () => {
      const controller = new AbortController();
      let attempt: string | undefined;
      const run = viaExecutor(() => sleeper()({}), {
        signal: controller.signal,
        onEvent: (e) => {
          if (e.type === 'attempt-created') attempt = (e.handle as ContainerHandle).attempt;
        },
      });
      await untilListed(() => attempt);
      controller.abort();
      await expect(run).rejects.toBeInstanceOf(CancelledError);
      await expectNothingLeft();
    });
  });

  describe('the backend lifecycle', () => {
    async function attemptFor(task: TaskDefinition, values: Record<string, unknown>, token: string): Promise<AttemptContext> {
      return testAttemptContext({
        template: toTaskTemplate(task, { version: 'v' }),
        inputs: toLiteralMap(task.inputs, values),
        idempotencyToken: token,
        rawOutputPrefix: `file://${await freshDir('raw')}`,
      });
    }

    function terminal(backend: ReturnType<typeof containerBackend>, handle: ContainerHandle, ctx: AttemptContext): Promise<TaskStatus> {
      const stop = new AbortController();
      return new Promise<TaskStatus>((resolve) => {
        backend.watch(
          handle,
          ctx,
          (status) => {
            if (status.phase !== TaskExecution_Phase.RUNNING) {
              stop.abort();
              resolve(status);
            }
          },
          stop.signal,
          () => {},
        );
      });
    }

    it('reports RUNNING, then SUCCEEDED with the outputs inline; create is idempotent per attempt', async () => {
      workDir = await freshDir('work');
      const backend = containerBackend({ runtime, workDir });
      const task = containerTask({
        name: 'double',
        image,
        inputs: { x: t.int() },
        outputs: { y: t.int() },
        command: ['sh', '-c', 'echo $(( {{.inputs.x}} * 2 )) > /var/outputs/y'],
      });
      const ctx = await attemptFor(task, { x: 21 }, 'idempotent-create');
      attempts.add(ctx.idempotencyToken);
      const handle = await backend.create(ctx);
      expect(await backend.create(ctx)).toEqual(handle);
      expect(JSON.parse(JSON.stringify(handle)) as JsonValue).toEqual(handle);
      const status = await terminal(backend, handle, ctx);
      expect(status.phase).toBe(TaskExecution_Phase.SUCCEEDED);
      expect(status.outputs?.literals['y']?.value.value).toMatchObject({
        value: { case: 'primitive', value: { value: { case: 'integer', value: 42n } } },
      });
      expect(await backend.get(handle, ctx)).toEqual(status);
      await backend.delete(handle, ctx);
      await backend.delete(handle, ctx);
    });

    it("re-attaches by another process's handle to a container still running, and its delete removes that container and directory", async () => {
      workDir = await freshDir('work');
      const first = containerBackend({ runtime, workDir, stopTimeoutSeconds: 1 });
      const ctx = await attemptFor(containerTask({ name: 'longRunning', image, command: ['sleep', '60'] }), {}, 'restarted-executor');
      attempts.add(ctx.idempotencyToken);
      const handle = await first.create(ctx);
      await (async () => {
        while ((await runtime.listContainers({ labels: { [ATTEMPT_LABEL]: handle.attempt } })).length === 0)
          await new Promise((r) => setTimeout(r, 50));
      })();

      // A new executor process has a fresh backend and only the stored handle.
      const restarted = containerBackend({ runtime, workDir });
      expect(await restarted.get(handle, ctx)).toMatchObject({
        phase: TaskExecution_Phase.RUNNING,
        message: expect.stringMatching(/re-attached/),
      });
      const watched: TaskStatus[] = [];
      const stop = new AbortController();
      restarted.watch(
        handle,
        ctx,
        (status) => watched.push(status),
        stop.signal,
        () => {},
      );
      while (watched.length === 0) await new Promise((resolve) => setTimeout(resolve, 50));
      stop.abort();
      expect(watched[0]).toMatchObject({ phase: TaskExecution_Phase.RUNNING });
      await restarted.delete(handle, ctx);
      expect(await runtime.listContainers({ labels: { [ATTEMPT_LABEL]: handle.attempt } })).toEqual([]);
      // Gone now: a further status read reports the attempt lost (a retryable SYSTEM failure).
      expect(await restarted.get(handle, ctx)).toMatchObject({
        phase: TaskExecution_Phase.RETRYABLE_FAILED,
        failure: { kind: 'system', retryable: true, code: 'ContainerLost' },
      });
      // The original process sees its container vanish; its own delete then finds nothing left to do.
      expect((await terminal(first, handle, ctx)).phase).not.toBe(TaskExecution_Phase.SUCCEEDED);
      await first.delete(handle, ctx);
    });
  });
});

describe.skipIf(!probe.available)('a direct call of a container task, outside any session', () => {
  it('runs through the executor, with the task retries, and leaves no container behind', async () => {
    const runtime = runtimeOf(probe);
    const image = await ensureBusyboxImage(runtime);
    const double = containerTask({
      name: 'doubleDirect',
      image,
      inputs: { x: t.int() },
      outputs: { y: t.int() },
      command: ['sh', '-c', 'echo $(( {{.inputs.x}} * 2 )) > /var/outputs/y'],
    });
    expect(await double({ x: 4 })).toEqual({ y: 8 });
    const flaky = containerTask({ name: 'failsDirect', image, command: ['sh', '-c', 'exit 1'], retries: 1 });
    const error = await flaky({}).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TaskFailedError);
    expect(error).toMatchObject({ failure: { kind: 'user', code: 'ContainerExitCode' }, attempts: 2 });
    expect(await runtime.listContainers()).toEqual([]);
  });
});

describe.skipIf(probe.available)('a direct call without a container runtime', () => {
  it('fails through the executor with one attempt, naming the missing runtime', async () => {
    const task = containerTask({ name: 'noRuntime', image: 'busybox', command: ['true'], retries: 2 });
    const error = await task({}).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TaskFailedError);
    expect(error).toMatchObject({ failure: { kind: 'system', retryable: false, code: 'ContainerRuntimeUnavailable' }, attempts: 1 });
  });
});
