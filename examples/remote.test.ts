/**
 * examples/remote: the seed's remote run in TypeScript. `npx tflyte run --remote examples/basics.ts
 * mean --values '[1,2,3,4,5]'` against a FlyteAdmin test server (real gRPC) whose data proxy and
 * metadata store are the local S3 server: the command fast-registers the task (code bundle through
 * the data proxy), creates the execution, and prints 3, which the test server computed by running
 * the registered container command (`tflyte execute` with the fast-execute step) as a process.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { clone, create, toBinary, toJson } from '@bufbuild/protobuf';
import { createFileStore, createStorage, fromLiteralMap, toTaskTemplate } from '@tflyte/core';
import { LaunchPlanSchema } from '@tflyte/idl/admin/launch_plan';
import { TaskSpecSchema } from '@tflyte/idl/admin/task';
import { WorkflowSpecSchema } from '@tflyte/idl/admin/workflow';
import { NodeExecution_Phase, WorkflowExecution_Phase } from '@tflyte/idl/core/execution';
import { ResourceType } from '@tflyte/idl/core/identifier';
import { TaskTemplateSchema } from '@tflyte/idl/core/tasks';
import {
  type FlyteAdminTestServer,
  type OAuthTestServer,
  processLauncher,
  startFlyteAdminTestServer,
  startOAuthTestServer,
} from '@tflyte/remote/testing';
import { s3Store } from '@tflyte/storage';
import { type S3TestServer, startS3Server } from '@tflyte/testing/s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ordersByRegion } from './athena.ts';
import { mean } from './basics.ts';
import { calculateEllipseAreaShell } from './container.ts';
import { spread } from './workflows.ts';

const NODE = fileURLToPath(new URL('../node_modules/.bin/node', import.meta.url));
const BIN = fileURLToPath(new URL('../packages/cli/bin/tflyte.js', import.meta.url));
const ROOT = fileURLToPath(new URL('..', import.meta.url));
// Each pod's working directory links the repository's node_modules, as an image has its packages installed.
const PODS = mkdtempSync(join(tmpdir(), 'tflyte-remote-pods-'));
const AWS = { AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'example-secret', AWS_PROFILE: '' };

type Pb = Record<string, Record<string, { decode(b: Uint8Array): Record<string, unknown>; verify(m: unknown): string | null }>>;
const flyteidl = (createRequire(import.meta.url)('@flyteorg/flyteidl/gen/pb-js/flyteidl.js') as { flyteidl: Pb }).flyteidl;

let s3: S3TestServer;
let admin: FlyteAdminTestServer;
const podOutput: string[] = [];

beforeAll(async () => {
  s3 = await startS3Server({ buckets: ['flyte'] });
  const storage = createStorage([
    s3Store({
      endpoint: s3.endpoint,
      forcePathStyle: true,
      region: AWS.AWS_REGION,
      credentials: { accessKeyId: AWS.AWS_ACCESS_KEY_ID, secretAccessKey: AWS.AWS_SECRET_ACCESS_KEY },
    }),
  ]);
  admin = await startFlyteAdminTestServer({
    storage,
    metadataPrefix: 's3://flyte/metadata',
    uploadPrefix: 's3://flyte/uploads',
    s3Signer: {
      endpoint: s3.endpoint,
      region: AWS.AWS_REGION,
      accessKeyId: AWS.AWS_ACCESS_KEY_ID,
      secretAccessKey: AWS.AWS_SECRET_ACCESS_KEY,
    },
    launcher: processLauncher({
      commands: { tflyte: [NODE, BIN] },
      cwd: (request) => {
        const dir = join(PODS, request.execution.name, request.nodeId, String(request.attempt));
        rmSync(dir, { recursive: true, force: true });
        mkdirSync(dir, { recursive: true });
        symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
        return dir;
      },
      env: { ...AWS, AWS_ENDPOINT_URL_S3: s3.endpoint },
      onOutput: (request, text) => {
        podOutput.push(text);
        writeFileSync(join(PODS, request.execution.name, request.nodeId, String(request.attempt), 'output.log'), text);
      },
    }),
    // As a cluster's log plugin links each attempt's pod log.
    logTemplates: [{ name: 'Pod output', uri: `file://${PODS}/{{.executionName}}/{{.nodeId}}/{{.attempt}}/output.log` }],
  });
});

afterAll(async () => {
  await admin?.close();
  await s3?.close();
  rmSync(PODS, { recursive: true, force: true });
});

const tflyte = (args: string[]) =>
  promisify(execFile)(NODE, [BIN, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, FLYTECTL_CONFIG: '', FLYTE_PLATFORM_URL: admin.url, FLYTE_PLATFORM_INSECURE: 'true' },
  }).then(
    (ok) => ({ ...ok, code: 0 }),
    (error: { stdout: string; stderr: string; code: number }) => error,
  );

describe('tflyte run --remote examples/basics.ts mean', () => {
  it("prints 3 for --values '[1,2,3,4,5]', computed by the cluster from the fast-registered code", async () => {
    const result = await tflyte(['run', '--remote', 'examples/basics.ts', 'mean', '--values', '[1,2,3,4,5]']);
    expect(result.stderr).toContain('to see execution in the console');
    expect(result.stdout.trim(), `${result.stderr}\n${podOutput.join('\n')}`).toBe('3');

    // What the server stored and ran: one task, one execution, outputs read from the pod's outputs.pb.
    expect([...admin.tasks.keys()]).toHaveLength(1);
    const [execution] = [...admin.executions.values()];
    expect(fromLiteralMap(mean.outputs.types, execution!.outputs!)).toEqual({ o0: 3 });
    expect(admin.calls.filter((c) => c === 'CreateExecution')).toHaveLength(1);
    // The code bundle went through the data proxy to the object store.
    expect(s3.keys('flyte').some((k) => /^uploads\/flytesnacks\/development\/[0-9a-f]{32}\/fast[0-9a-f]{32}\.tar\.gz$/.test(k))).toBe(true);
  });

  it('registers the golden TaskTemplate plus the fast-execute flags, readable by flyteidl’s own decoder', async () => {
    const [task] = [...admin.tasks.values()];
    const template = task!.closure!.compiledTask!.template!;
    const version = template.id!.version;
    const golden = toTaskTemplate(mean, {
      project: 'flytesnacks',
      domain: 'development',
      version,
      image: template.target.case === 'container' ? template.target.value.image : '',
    });
    const goldenArgs = (golden.target.value as { args: string[] }).args;
    const args = (template.target.value as { args: string[] }).args;
    expect(args.slice(0, 2)).toEqual(['tflyte', 'execute']);
    expect(args[2]).toBe('--additional-distribution');
    expect(args[3]).toMatch(/^s3:\/\/flyte\/uploads\/.*\.tar\.gz$/);
    expect(args.slice(4, 6)).toEqual(['--dest-dir', '.']);
    expect([...args.slice(0, 2), ...args.slice(6)]).toEqual(goldenArgs);
    const decoded = flyteidl.core!.TaskTemplate!.decode(toBinary(TaskTemplateSchema, template));
    const unfast = clone(TaskTemplateSchema, template);
    (unfast.target.value as { args: string[] }).args = goldenArgs;
    expect(toBinary(TaskTemplateSchema, unfast)).toEqual(toBinary(TaskTemplateSchema, golden));

    expect(flyteidl.core!.TaskTemplate!.verify(decoded)).toBeNull();
    expect((decoded.id as Record<string, unknown>).name).toBe('examples.basics.mean');
    expect(((decoded.container as Record<string, unknown>).args as string[])[2]).toBe('--additional-distribution');
  });

  it('registering the same code again is a no-op; tflyte fetch reads the execution back', async () => {
    const again = await tflyte(['register', 'examples/basics.ts', '--copy', 'auto']);
    expect(again.stderr).toMatch(/already registered task examples\.basics\.mean/);
    expect(again.stderr).toMatch(/registered task examples\.basics\.slope/);
    expect(admin.tasks.size).toBe(2);
    const [execution] = [...admin.executions.values()];
    const fetched = await tflyte(['fetch', execution!.execution.id!.name]);
    expect(fetched.stderr).toContain('SUCCEEDED');
    expect(fetched.stdout.trim()).toBe('3');
  });

  it('a different body under an existing version is refused, naming the fix', async () => {
    const [task] = [...admin.tasks.values()];
    const version = task!.id!.version;
    const result = await tflyte(['register', 'examples/basics.ts', '--copy', 'auto', '--version', version, '--image', 'other:1']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/already registered with a different body/);
  });
});

describe('tflyte run --remote examples/workflows.ts spread (a workflow)', () => {
  it('registers the tasks, the WorkflowTemplate and its default launch plan, runs every node on the cluster and prints the outputs', async () => {
    const before = admin.executions.size;
    const result = await tflyte(['run', '--remote', '--json', 'examples/workflows.ts', 'spread', '--values', '[1,2,3,4,5]']);
    expect(result.code, `${result.stderr}\n${podOutput.join('\n')}`).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ mean: 3, variance: 2 });
    expect(result.stderr).toMatch(/registered workflow examples\.workflows\.spread/);
    expect(result.stderr).toMatch(/registered launch plan examples\.workflows\.spread/);
    // Followed with the local run's display: one line per node, named by its task.
    expect(result.stderr).toMatch(/^\[n1\] squares: SUCCEEDED/m);
    expect(result.stderr).toMatch(/^\[n3\] variance: SUCCEEDED/m);

    // The server ran the launch plan's workflow: four nodes, each a `tflyte execute` of its task.
    expect(admin.executions.size).toBe(before + 1);
    const execution = [...admin.executions.values()].at(-1)!;
    expect(execution.execution.spec!.launchPlan).toMatchObject({
      resourceType: ResourceType.LAUNCH_PLAN,
      name: 'examples.workflows.spread',
    });
    expect(execution.nodes.map((n) => n.id!.nodeId)).toEqual(['n0', 'n1', 'n2', 'n3']);
    expect(execution.nodes.every((n) => n.closure!.phase === NodeExecution_Phase.SUCCEEDED)).toBe(true);
    expect(fromLiteralMap(spread.outputs.types, execution.outputs!)).toEqual({ mean: 3, variance: 2 });
  });

  it('stores the golden WorkflowTemplate (compiled from the body) and launch plan', async () => {
    const [workflow] = [...admin.workflows.values()];
    const stored = workflow!.closure!.compiledWorkflow!.primary!.template!;
    const golden = await spread.kind.workflow!({ project: 'flytesnacks', domain: 'development', version: stored.id!.version });
    expect(stored).toEqual(golden.spec.template);
    const nodes = toJson(WorkflowSpecSchema, golden.spec) as {
      template: { nodes: { id: string; taskNode: { referenceId: { name: string } }; inputs: unknown[] }[] };
    };
    expect(nodes.template.nodes.map((n) => `${n.id}:${n.taskNode.referenceId.name}`)).toEqual([
      'n0:examples.basics.mean',
      'n1:examples.workflows.squares',
      'n2:examples.basics.mean',
      'n3:examples.workflows.variance',
    ]);
    expect(nodes.template.nodes[3]!.inputs).toEqual([
      { var: 'average', binding: { promise: { nodeId: 'n0', var: 'o0' } } },
      { var: 'averageOfSquares', binding: { promise: { nodeId: 'n2', var: 'o0' } } },
    ]);
    const [plan] = [...admin.launchPlans.values()];
    expect(toJson(LaunchPlanSchema, plan!)).toEqual(toJson(LaunchPlanSchema, golden.launchPlan));
  });

  it('tflyte runs --remote lists the executions FlyteAdmin holds (newest first); tflyte fetch reads a workflow execution', async () => {
    const listed = await tflyte(['runs', '--remote', '--json']);
    expect(listed.code, listed.stderr).toBe(0);
    const views = JSON.parse(listed.stdout) as { name: string; phase: string; launched: { type: string; name: string } }[];
    const stored = [...admin.executions.values()].map((e) => e.execution.id!.name).reverse();
    expect(views.map((v) => v.name)).toEqual(stored);
    expect(views[0]).toMatchObject({ phase: 'SUCCEEDED', launched: { type: 'launch plan', name: 'examples.workflows.spread' } });
    expect(admin.calls).toContain('ListExecutions');

    const table = await tflyte(['runs', '--remote', '--limit', '1']);
    expect(table.stdout.trim().split('\n')).toHaveLength(2);
    expect(table.stdout).toMatch(/^NAME\s+PHASE\s+CREATED\s+LAUNCHED/);

    const fetched = await tflyte(['fetch', '--json', views[0]!.name]);
    expect(fetched.code, fetched.stderr).toBe(0);
    expect(JSON.parse(fetched.stdout)).toEqual({ mean: 3, variance: 2 });
  });
});

describe('tflyte register examples/{basics,container,athena,workflows}.ts', () => {
  it("refuses the Athena task, whose string input propeller's built-in plugin would paste into the SQL, before sending anything", async () => {
    const before = admin.tasks.size;
    const result = await tflyte(['register', 'examples/basics.ts', 'examples/athena.ts', '--version', 'refused-1']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/input 'region' \(string\) is pasted into the SQL/);
    expect(result.stderr).toContain('--connector-task-types presto');
    expect(admin.tasks.size).toBe(before);
  });

  it('registers a function task, a raw container, a warehouse task routed to a connector and a workflow, each as its golden template', async () => {
    const result = await tflyte([
      'register',
      'examples/basics.ts',
      'examples/container.ts',
      'examples/athena.ts',
      'examples/workflows.ts',
      '--version',
      'golden-1',
      '--image',
      'ghcr.io/example/app:1',
      '--connector-task-types',
      'presto',
    ]);
    expect(result.code, result.stderr).toBe(0);
    const stored = (name: string) => admin.tasks.get(`flytesnacks/development/${name}/golden-1`)?.closure?.compiledTask?.template;
    const at = { project: 'flytesnacks', domain: 'development', version: 'golden-1', image: 'ghcr.io/example/app:1' };
    for (const task of [calculateEllipseAreaShell, ordersByRegion]) {
      // Not `tflyte execute` tasks, so fast registration leaves them exactly as serialized.
      expect(toJson(TaskTemplateSchema, stored(task.name)!)).toEqual(toJson(TaskTemplateSchema, toTaskTemplate(task, at)));
    }
    expect(stored('examples.basics.mean')!.target.case).toBe('container');
    expect(stored(ordersByRegion.name)!.target.case).toBe('sql');
    const workflow = admin.workflows.get('flytesnacks/development/examples.workflows.spread/golden-1')!;
    const golden = await spread.kind.workflow!({ project: 'flytesnacks', domain: 'development', version: 'golden-1' });
    expect(workflow.closure!.compiledWorkflow!.primary!.template).toEqual(golden.spec.template);
    expect(admin.launchPlans.has('flytesnacks/development/examples.workflows.spread/golden-1')).toBe(true);
    // Every task the workflow's nodes reference is registered under the same version.
    for (const node of golden.spec.template!.nodes) {
      const ref =
        node.target.case === 'taskNode' && node.target.value.reference.case === 'referenceId'
          ? node.target.value.reference.value
          : undefined;
      expect(stored(ref!.name)).toBeDefined();
    }
  });
});

describe('a workflow whose task fails on the cluster', () => {
  it("exits 1 as a local run does, with the node's failure in the progress lines and the execution's error", async () => {
    const fixtures = mkdtempSync(join(ROOT, 'examples', 'remote-fixture-'));
    writeFileSync(
      join(fixtures, 'checked.ts'),
      [
        "import { t, task, workflow } from '@tflyte/core';",
        'export const positive = task({ inputs: { x: t.int() }, outputs: t.int() }, function positive({ x }) {',
        "  if (x <= 0) throw new Error('x must be positive, got ' + x);",
        '  return x;',
        '});',
        'export const checked = workflow({ inputs: { x: t.int() }, outputs: t.int() }, function checked({ x }) {',
        '  return positive({ x: positive({ x }) });',
        '});',
      ].join('\n'),
    );
    try {
      const result = await tflyte(['run', '--remote', join(fixtures, 'checked.ts'), 'checked', '--x', '-1']);
      expect(result.code, result.stderr).toBe(1);
      expect(result.stderr).toMatch(/^\[n0\] positive: attempt 1 failed \(user\): .*x must be positive, got -1/m);
      expect(result.stderr).toMatch(/execution \w+ FAILED: USER:\w+: .*x must be positive/);
      // The second node never ran.
      const execution = [...admin.executions.values()].at(-1)!;
      expect(execution.nodes.map((n) => n.id!.nodeId)).toEqual(['n0']);
    } finally {
      rmSync(fixtures, { recursive: true, force: true });
    }
  });
});

describe('a flaky task in a workflow', () => {
  it('is retried by the cluster within its retries (a recoverable failure), and the workflow succeeds', async () => {
    const fixtures = mkdtempSync(join(ROOT, 'examples', 'remote-fixture-'));
    writeFileSync(
      join(fixtures, 'flaky.ts'),
      [
        "import { t, task, workflow } from '@tflyte/core';",
        'export const flaky = task({ inputs: { x: t.int() }, outputs: t.int(), retries: 1 }, function flaky({ x }) {',
        "  if (process.env.FLYTE_ATTEMPT_NUMBER === '0') throw new Error('the first attempt always fails');",
        '  return x + 1;',
        '});',
        'export const retried = workflow({ inputs: { x: t.int() }, outputs: t.int() }, function retried({ x }) {',
        '  return flaky({ x });',
        '});',
      ].join('\n'),
    );
    try {
      const launches = podOutput.length;
      const result = await tflyte(['run', '--remote', join(fixtures, 'flaky.ts'), 'retried', '--x', '41']);
      expect(result.code, `${result.stderr}\n${podOutput.slice(launches).join('\n')}`).toBe(0);
      expect(result.stdout.trim()).toBe('42');
      expect(podOutput.length - launches).toBe(2); // two launches of the one node
      // Followed as a local run is: the failed attempt, the retry, and each attempt's log link.
      expect(result.stderr).toMatch(/^\[n0\] flaky: attempt 1 failed \(user, retryable\): .*the first attempt always fails/m);
      expect(result.stderr).toMatch(/^\[n0\] flaky: retrying \(attempt 2\)/m);
      for (const attempt of [0, 1]) {
        const link = new RegExp(`^\\[n0\\] flaky: RUNNING Pod output: (file:\\S+/n0/${attempt}/output\\.log)`, 'm').exec(result.stderr);
        expect(link, result.stderr).not.toBeNull();
        expect(existsSync(fileURLToPath(link![1]!))).toBe(true);
      }
    } finally {
      rmSync(fixtures, { recursive: true, force: true });
    }
  });
});

describe('Ctrl-C on a remote run at a terminal', () => {
  let fixtures: string;
  beforeAll(() => {
    fixtures = mkdtempSync(join(ROOT, 'examples', 'remote-fixture-'));
    writeFileSync(
      join(fixtures, 'held.ts'),
      [
        "import { existsSync } from 'node:fs';",
        "import { t, task } from '@tflyte/core';",
        'export const held = task({ inputs: { release: t.string() }, outputs: t.string() }, async function held({ release }) {',
        '  while (!existsSync(release)) await new Promise((resolve) => setTimeout(resolve, 50));',
        "  return 'released';",
        '});',
      ].join('\n'),
    );
  });
  afterAll(() => rmSync(fixtures, { recursive: true, force: true }));

  /** The CLI on a pseudo-terminal (util-linux `script`); keys written to `type` arrive as a person's typing. */
  const onTerminal = (args: string[]) => {
    const quote = (arg: string) => `'${arg.replaceAll("'", "'\\''")}'`;
    const child = spawn('script', ['--quiet', '--flush', '--return', '--command', [NODE, BIN, ...args].map(quote).join(' '), '/dev/null'], {
      cwd: ROOT,
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1', FLYTECTL_CONFIG: '', FLYTE_PLATFORM_URL: admin.url, FLYTE_PLATFORM_INSECURE: 'true' },
    });
    const term = { screen: '', exited: new Promise<number>((resolve) => child.once('close', (code) => resolve(code ?? -1))) };
    child.stdout.on('data', (d: Buffer) => (term.screen += d.toString()));
    return { term, type: (keys: string) => child.stdin.write(keys) };
  };
  const until = async (condition: () => boolean, screen: () => string) => {
    for (let i = 0; !condition(); i++) {
      if (i > 1000) throw new Error(`gave up waiting; the terminal shows:\n${screen()}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  const running = (name: string) => {
    const execution = admin.executions.get(`flytesnacks/development/${name}`);
    return execution?.nodes[0]?.closure?.phase === NodeExecution_Phase.RUNNING;
  };

  for (const [key, outcome] of [
    ['d', 'detaches, leaving the execution to finish on the cluster'],
    ['t', 'terminates the execution'],
  ] as const) {
    it(`asks whether to terminate or detach; '${key}' ${outcome}`, async () => {
      const release = join(fixtures, `release-${key}`);
      const name = `ctrlc${key}${Date.now().toString(36)}`;
      const terminations = admin.calls.filter((c) => c === 'TerminateExecution').length;
      const { term, type } = onTerminal([
        'run',
        '--remote',
        '--name',
        name,
        '--poll-interval',
        '0.2',
        join(fixtures, 'held.ts'),
        'held',
        '--release',
        release,
      ]);
      try {
        // The console line comes right before the CLI starts following (and handling Ctrl-C).
        await until(
          () => running(name) && /to see execution in the console/.test(term.screen),
          () => term.screen,
        );
        type('\u0003');
        await until(
          () => /\[t\]erminate execution \S+, or \[d\]etach/.test(term.screen),
          () => term.screen,
        );
        type(key);
        expect(await term.exited).toBe(130);
      } finally {
        // Whatever happened, the held task may end, so the server's execution (and its close) can finish.
        writeFileSync(release, '');
      }
      const stored = admin.executions.get(`flytesnacks/development/${name}`)!;
      await stored.done;
      if (key === 'd') {
        expect(term.screen).toMatch(/detached; execution \S+ keeps running/);
        expect(stored.execution.closure!.phase).toBe(WorkflowExecution_Phase.SUCCEEDED);
        expect(admin.calls.filter((c) => c === 'TerminateExecution').length).toBe(terminations);
      } else {
        expect(stored.execution.closure!.phase).toBe(WorkflowExecution_Phase.ABORTED);
        expect(admin.calls.filter((c) => c === 'TerminateExecution').length).toBe(terminations + 1);
      }
    });
  }
});

describe('a workflow calling another workflow', () => {
  it('runs the inner one as a sub-workflow node on the cluster (its template shipped in the WorkflowSpec)', async () => {
    const fixtures = mkdtempSync(join(ROOT, 'examples', 'remote-fixture-'));
    writeFileSync(
      join(fixtures, 'nested.ts'),
      [
        "import { t, task, workflow } from '@tflyte/core';",
        'export const inc = task({ inputs: { x: t.int() }, outputs: t.int() }, function inc({ x }) { return x + 1; });',
        'export const twice = workflow({ inputs: { x: t.int() }, outputs: t.int() }, function twice({ x }) {',
        '  return inc({ x: inc({ x }) });',
        '});',
        'export const outer = workflow({ inputs: { x: t.int() }, outputs: t.int() }, function outer({ x }) {',
        '  return inc({ x: twice({ x }) });',
        '});',
      ].join('\n'),
    );
    try {
      const result = await tflyte(['run', '--remote', join(fixtures, 'nested.ts'), 'outer', '--x', '1']);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout.trim()).toBe('4');
      const execution = [...admin.executions.values()].at(-1)!;
      // The sub-workflow's nodes run under its node's id.
      expect(execution.nodes.map((n) => n.id!.nodeId)).toEqual(['n0-n0', 'n0-n1', 'n1']);
    } finally {
      rmSync(fixtures, { recursive: true, force: true });
    }
  });
});

describe('a workflow binding a list element and a map value', () => {
  it('sends attribute paths that the cluster resolves (xs[2] of an input, counts.n of an output)', async () => {
    const fixtures = mkdtempSync(join(ROOT, 'examples', 'remote-fixture-'));
    writeFileSync(
      join(fixtures, 'picked.ts'),
      [
        "import { t, task, workflow } from '@tflyte/core';",
        'export const tally = task({ inputs: { xs: t.list(t.int()) }, outputs: t.map(t.int()) }, function tally({ xs }) {',
        '  return { n: xs.length };',
        '});',
        'export const inc = task({ inputs: { x: t.int() }, outputs: t.int() }, function inc({ x }) { return x + 1; });',
        'export const picked = workflow(',
        '  { inputs: { xs: t.list(t.int()) }, outputs: { count: t.int(), third: t.int() } },',
        '  async function picked({ xs }) {',
        '    const counts = await tally({ xs });',
        '    return { count: inc({ x: counts.n! }), third: inc({ x: xs[2]! }) };',
        '  },',
        ');',
      ].join('\n'),
    );
    try {
      const result = await tflyte(['run', '--remote', '--json', join(fixtures, 'picked.ts'), 'picked', '--xs', '[5,6,7]']);
      expect(result.code, result.stderr).toBe(0);
      expect(JSON.parse(result.stdout)).toEqual({ count: 4, third: 8 });
    } finally {
      rmSync(fixtures, { recursive: true, force: true });
    }
  });
});

describe('a workflow body that is not a static graph', () => {
  it('is refused by tflyte register before anything is sent (exit 2), naming what the body did', async () => {
    // Written by the test: no example should ship a workflow that does not compile.
    const fixtures = mkdtempSync(join(ROOT, 'examples', 'remote-fixture-'));
    writeFileSync(
      join(fixtures, 'branchy.ts'),
      [
        "import { t, task, workflow } from '@tflyte/core';",
        'export const double = task({ inputs: { x: t.int() }, outputs: t.int() }, function double({ x }) { return 2 * x; });',
        'export const branchy = workflow({ inputs: { x: t.int() }, outputs: t.int() }, async function branchy({ x }) {',
        '  const d = await double({ x });',
        '  return d > 4 ? double({ x: d }) : d;',
        '});',
      ].join('\n'),
    );
    try {
      const calls = admin.calls.length;
      const result = await tflyte(['register', join(fixtures, 'branchy.ts')]);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(
        /workflow '.*branchy': computes with \(arithmetic, comparison or string conversion\) n0\.o0 \(output of double\)/,
      );
      expect(admin.calls.slice(calls)).toEqual([]);
    } finally {
      rmSync(fixtures, { recursive: true, force: true });
    }
  });
});

describe('tflyte with authType Pkce (a person logging in)', () => {
  let oauth: OAuthTestServer;
  let guarded: FlyteAdminTestServer;
  let home: string;
  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'tflyte-pkce-home-'));
    oauth = await startOAuthTestServer({ publicClients: ['flytectl'] });
    guarded = await startFlyteAdminTestServer({
      storage: createStorage([createFileStore()]),
      metadataPrefix: join(home, 'metadata'),
      uploadPrefix: join(home, 'uploads'),
      s3Signer: { endpoint: 'http://127.0.0.1:1', region: 'us-east-1', accessKeyId: 'a', secretAccessKey: 's' },
      launcher: async () => {},
      requireToken: (token) => oauth.accepts(token),
      tokenEndpoint: oauth.tokenEndpoint,
      authorizationEndpoint: oauth.authorizationEndpoint,
      publicClient: { clientId: 'flytectl', redirectUri: 'http://localhost:0/callback' },
    });
    writeFileSync(
      join(home, 'config.yaml'),
      `admin:\n  endpoint: ${guarded.url.replace('http://', 'dns:///')}\n  insecure: true\n  authType: Pkce\n`,
    );
  });
  afterAll(async () => {
    await guarded?.close();
    await oauth?.close();
    rmSync(home, { recursive: true, force: true });
  });

  /** Runs the CLI; the "browser" follows the authorize URL it prints, as a person's browser would. */
  const withBrowser = (args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string; logins: number }>((resolve, reject) => {
      const child = spawn(NODE, [BIN, ...args], {
        cwd: ROOT,
        env: { ...process.env, FLYTECTL_CONFIG: join(home, 'config.yaml'), FLYTE_PLATFORM_URL: '', XDG_CACHE_HOME: join(home, 'cache') },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      let logins = 0;
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        const url = /log in to Flyte in your browser: (\S+)/.exec(stderr.split('\n').slice(-2).join('\n'))?.[1];
        if (url && logins === 0) {
          logins++;
          fetch(url).catch(reject);
        }
      });
      child.once('error', reject);
      child.once('close', (code) => resolve({ code: code ?? -1, stdout, stderr, logins }));
    });

  it('logs in through the browser once, never prints a token, and the next command reuses the cached login', async () => {
    const first = await withBrowser(['runs', '--remote', '--json']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.logins).toBe(1);
    expect(JSON.parse(first.stdout)).toEqual([]);
    expect(oauth.granted.authorization_code).toBe(1);
    const [cacheFile] = readdirSync(join(home, 'cache', 'tflyte', 'auth'));
    const cached = JSON.parse(readFileSync(join(home, 'cache', 'tflyte', 'auth', cacheFile!), 'utf8')) as {
      accessToken: string;
      refreshToken: string;
    };
    expect(statSync(join(home, 'cache', 'tflyte', 'auth', cacheFile!)).mode & 0o777).toBe(0o600);
    for (const secret of [cached.accessToken, cached.refreshToken]) {
      expect(first.stdout + first.stderr).not.toContain(secret);
    }

    const second = await withBrowser(['runs', '--remote']);
    expect(second.code, second.stderr).toBe(0);
    expect(second.logins).toBe(0);
    expect(oauth.granted.authorization_code).toBe(1);
  });
});

describe('tflyte run --remote examples/parallel.ts parallelizedMean (a map task as an ArrayNode)', () => {
  it('prints 3.5, each partition summed by its own array element on the cluster; the launch plan supplies the default nPartitions', async () => {
    const result = await tflyte(['run', '--remote', 'examples/parallel.ts', 'parallelizedMean', '--values', '[1,2,3,4,5,6]']);
    expect(result.code, `${result.stderr}\n${podOutput.join('\n')}`).toBe(0);
    expect(result.stdout.trim()).toBe('3.5');
    const execution = [...admin.executions.values()].at(-1)!;
    // n0 partitions, n1's three elements (one per partition), n2 reduces.
    expect(execution.nodes.map((n) => n.id!.nodeId)).toEqual(['n0', 'n1-0', 'n1-1', 'n1-2', 'n2']);
    const workflow = admin.workflows.get([...admin.workflows.keys()].find((k) => k.includes('examples.parallel.parallelizedMean'))!)!;
    const array = workflow.closure!.compiledWorkflow!.primary!.template!.nodes[1]!.target;
    expect(array).toMatchObject({ case: 'arrayNode', value: { parallelismOption: { case: 'parallelism', value: 4 } } });
  });
});

// Last, so it covers everything the tests above registered: tasks of every target, workflows, launch plans.
describe('an independent check', () => {
  it('every registered entity decodes with flyteidl’s own protobufjs build, field for field where it matters', () => {
    const idl = flyteidl.admin!;
    const promises = (bindings: { binding?: { promise?: { nodeId: string; var: string } | null } | null }[]) =>
      bindings.map((b) => (b.binding?.promise ? `${b.binding.promise.nodeId}.${b.binding.promise.var}` : 'literal'));
    for (const task of admin.tasks.values()) {
      const template = task.closure!.compiledTask!.template!;
      const decoded = idl.TaskSpec!.decode(toBinary(TaskSpecSchema, create(TaskSpecSchema, { template })));
      expect(idl.TaskSpec!.verify(decoded)).toBeNull();
      const t = decoded.template as { id: { name: string; version: string }; type: string; container?: object; sql?: object };
      expect([t.id.name, t.id.version, t.type]).toEqual([template.id!.name, template.id!.version, template.type]);
      expect(Boolean(t[template.target.case as 'container' | 'sql'])).toBe(true);
    }
    for (const workflow of admin.workflows.values()) {
      const template = workflow.closure!.compiledWorkflow!.primary!.template!;
      const decoded = idl.WorkflowSpec!.decode(toBinary(WorkflowSpecSchema, create(WorkflowSpecSchema, { template })));
      expect(idl.WorkflowSpec!.verify(decoded)).toBeNull();
      type Decoded = { nodes: { id: string; inputs: Parameters<typeof promises>[0] }[]; outputs: Parameters<typeof promises>[0] };
      const d = decoded.template as Decoded;
      expect(d.nodes.map((n) => n.id)).toEqual(template.nodes.map((n) => n.id));
      for (const [i, node] of template.nodes.entries()) {
        const expected = node.inputs.map((b) =>
          b.binding?.value.case === 'promise' ? `${b.binding.value.value.nodeId}.${b.binding.value.value.var}` : 'literal',
        );
        expect(promises(d.nodes[i]!.inputs)).toEqual(expected);
      }
      expect(promises(d.outputs)).toEqual(
        template.outputs.map((b) =>
          b.binding?.value.case === 'promise' ? `${b.binding.value.value.nodeId}.${b.binding.value.value.var}` : 'literal',
        ),
      );
    }
    for (const plan of admin.launchPlans.values()) {
      const decoded = idl.LaunchPlan!.decode(toBinary(LaunchPlanSchema, plan));
      expect(idl.LaunchPlan!.verify(decoded)).toBeNull();
      expect(((decoded.spec as Record<string, unknown>).workflowId as Record<string, unknown>).name).toBe(plan.id!.name);
    }
    expect([...admin.tasks.values()].some((t) => t.closure!.compiledTask!.template!.target.case === 'sql')).toBe(true);
    expect(admin.workflows.size).toBeGreaterThanOrEqual(2);
    expect(admin.launchPlans.size).toBe(admin.workflows.size);
  });
});
