/**
 * examples/remote: the seed's remote run in TypeScript. `npx tflyte run --remote examples/basics.ts
 * mean --values '[1,2,3,4,5]'` against a FlyteAdmin test server (real gRPC) whose data proxy and
 * metadata store are the local S3 server: the command fast-registers the task (code bundle through
 * the data proxy), creates the execution, and prints 3, which the test server computed by running
 * the registered container command (`tflyte execute` with the fast-execute step) as a process.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { clone, toBinary } from '@bufbuild/protobuf';
import { createStorage, fromLiteralMap, toTaskTemplate } from '@tflyte/core';
import { TaskTemplateSchema } from '@tflyte/idl/core/tasks';
import { type FlyteAdminTestServer, processLauncher, startFlyteAdminTestServer } from '@tflyte/remote/testing';
import { s3Store } from '@tflyte/storage';
import { type S3TestServer, startS3Server } from '@tflyte/testing/s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mean } from './basics.ts';

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
        const dir = join(PODS, request.execution.name);
        rmSync(dir, { recursive: true, force: true });
        mkdirSync(dir, { recursive: true });
        symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
        return dir;
      },
      env: { ...AWS, AWS_ENDPOINT_URL_S3: s3.endpoint },
      onOutput: (_, text) => podOutput.push(text),
    }),
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
