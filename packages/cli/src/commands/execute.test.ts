import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import {
  createRegistry,
  failureFromErrorDocument,
  fromLiteralMap,
  functionPlugin,
  resolveOffloadedLiterals,
  type Task,
  TaskFailedError,
  toLiteralMap,
  toTaskTemplate,
} from '@tflyte/core';
import { ContainerError_Kind, ErrorDocumentSchema } from '@tflyte/idl/core/errors';
import { ExecutionError_ErrorKind } from '@tflyte/idl/core/execution';
import { LiteralMapSchema, LiteralSchema } from '@tflyte/idl/core/literals';
import { createTestExecutor } from '@tflyte/testing';
import { startGcsServer } from '@tflyte/testing/gcs';
import { startS3Server } from '@tflyte/testing/s3';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main as runMain } from '../main.ts';
import { resumable } from '../test-fixtures/checkpointed.ts';
import { badInput, fail, flaky, mean, permanent, throttled, transient, writeReport } from '../test-fixtures/tasks.ts';

const repo = resolve(import.meta.dirname, '../../../..');
const main = join(repo, 'packages/cli/src/main.ts');
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Serializes the task, renders its container args as propeller would, and runs them as a child process. */
function runInContainerStyle(task: Task, inputs: Record<string, unknown>, env: NodeJS.ProcessEnv = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'tflyte-exec-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'inputs.pb'), toBinary(LiteralMapSchema, toLiteralMap(task.inputs, inputs)));
  const template = toTaskTemplate(task, { image: 'img:1', version: 'v1' });
  if (template.target.case !== 'container') throw new Error('expected a container target');
  const rendered = template.target.value.args.map((arg) =>
    arg
      .replace('{{.input}}', join(dir, 'inputs.pb'))
      .replace('{{.outputPrefix}}', `file://${join(dir, 'out')}`)
      .replace('{{.rawOutputDataPrefix}}', join(dir, 'raw'))
      // propeller leaves these empty on a first attempt
      .replace('{{.checkpointOutputPrefix}}', '')
      .replace('{{.prevCheckpointPrefix}}', ''),
  );
  expect(rendered.slice(0, 2)).toEqual(['tflyte', 'execute']);
  // The entrypoint runs in the project root, where the task's module path starts.
  const child = spawnSync(process.execPath, ['--conditions=@tflyte/source', main, ...rendered.slice(1)], {
    cwd: task.site.root,
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });
  return { child, out: join(dir, 'out') };
}

describe('tflyte execute (the container entrypoint)', () => {
  it('reads inputs.pb, runs the task named by its loader args, and writes outputs.pb', () => {
    const { child, out } = runInContainerStyle(mean, { values: [1, 2, 3, 4, 5] });
    expect(child.stderr).toBe('');
    expect(child.status).toBe(0);
    const outputs = fromBinary(LiteralMapSchema, readFileSync(join(out, 'outputs.pb')));
    expect(fromLiteralMap(mean.outputs.types, outputs)).toEqual({ o0: 3 });
    expect(existsSync(join(out, 'error.pb'))).toBe(false);
  });

  it('writes error.pb with a non-recoverable USER error for a permanent failure, exiting 0 as pyflyte-execute does', () => {
    const { child, out } = runInContainerStyle(fail, { why: 'bad data' });
    expect(child.status).toBe(0);
    const doc = fromBinary(ErrorDocumentSchema, readFileSync(join(out, 'error.pb')));
    expect(doc.error?.code).toBe('USER:NonRetryableError');
    expect(doc.error?.kind).toBe(ContainerError_Kind.NON_RECOVERABLE);
    expect(doc.error?.origin).toBe(ExecutionError_ErrorKind.USER);
    expect(doc.error?.message).toMatch(/bad data/);
    expect(existsSync(join(out, 'outputs.pb'))).toBe(false);
  });

  it('marks an ordinary exception as a recoverable USER error, so the task retries spend on it', () => {
    const { out } = runInContainerStyle(flaky, { why: 'network blip' });
    const doc = fromBinary(ErrorDocumentSchema, readFileSync(join(out, 'error.pb')));
    expect(doc.error?.code).toBe('USER:Error');
    expect(doc.error?.kind).toBe(ContainerError_Kind.RECOVERABLE);
  });

  it('exits non-zero on failure when FLYTE_FAIL_ON_ERROR=true', () => {
    const { child } = runInContainerStyle(flaky, { why: 'x' }, { FLYTE_FAIL_ON_ERROR: 'true' });
    expect(child.status).toBe(1);
  });

  it('reads inputs from s3:// and writes outputs to gs:// through the official SDKs', async () => {
    const s3 = await startS3Server({ buckets: ['runs'] });
    const gcs = await startGcsServer({ buckets: ['results'] });
    try {
      s3.putObject('runs', 'a1/inputs.pb', toBinary(LiteralMapSchema, toLiteralMap(mean.inputs, { values: [2, 4, 9] })));
      const template = toTaskTemplate(mean, { image: 'img:1', version: 'v1' });
      const args = (template.target.value as { args: string[] }).args.map((arg) =>
        arg
          .replace('{{.input}}', 's3://runs/a1/inputs.pb')
          .replace('{{.outputPrefix}}', 'gs://results/a1')
          .replace(/\{\{\.[A-Za-z]+\}\}/, ''),
      );
      // Asynchronously: the servers answering the child live in this process.
      const child = await promisify(execFile)(process.execPath, ['--conditions=@tflyte/source', main, ...args.slice(1)], {
        cwd: mean.site.root,
        encoding: 'utf8',
        env: {
          ...process.env,
          AWS_ENDPOINT_URL_S3: s3.endpoint,
          AWS_REGION: 'us-east-1',
          AWS_ACCESS_KEY_ID: 'AKIDTEST',
          AWS_SECRET_ACCESS_KEY: 'secret',
          AWS_PROFILE: '',
          STORAGE_EMULATOR_HOST: gcs.endpoint,
        },
      });
      expect(child.stderr).toBe('');
      const stored = gcs.object('results', 'a1/outputs.pb');
      expect(stored).toBeDefined();
      expect(fromLiteralMap(mean.outputs.types, fromBinary(LiteralMapSchema, stored!.body))).toEqual({ o0: 5 });
    } finally {
      await Promise.all([s3.close(), gcs.close()]);
    }
  });

  it('uploads file and directory outputs under a remote raw output prefix and points the outputs at them', async () => {
    const s3 = await startS3Server({ buckets: ['runs'] });
    try {
      s3.putObject('runs', 'a2/inputs.pb', toBinary(LiteralMapSchema, toLiteralMap(writeReport.inputs, { text: 'all good' })));
      const template = toTaskTemplate(writeReport, { image: 'img:1', version: 'v1' });
      const args = (template.target.value as { args: string[] }).args.map((arg) =>
        arg
          .replace('{{.input}}', 's3://runs/a2/inputs.pb')
          .replace('{{.outputPrefix}}', 's3://runs/a2/out')
          .replace('{{.rawOutputDataPrefix}}', 's3://runs/raw')
          .replace(/\{\{\.[A-Za-z]+\}\}/, ''),
      );
      await promisify(execFile)(process.execPath, ['--conditions=@tflyte/source', main, ...args.slice(1)], {
        cwd: writeReport.site.root,
        env: {
          ...process.env,
          AWS_ENDPOINT_URL_S3: s3.endpoint,
          AWS_REGION: 'us-east-1',
          AWS_ACCESS_KEY_ID: 'AKIDTEST',
          AWS_SECRET_ACCESS_KEY: 'secret',
          AWS_PROFILE: '',
        },
      });
      const outputs = fromLiteralMap(
        writeReport.outputs.types,
        fromBinary(LiteralMapSchema, s3.object('runs', 'a2/out/outputs.pb')!.body),
      ) as {
        report: { uri: string };
        pages: { uri: string };
      };
      expect(outputs.report.uri).toMatch(/^s3:\/\/runs\/raw\/[0-9a-f]{16}\/report\.txt$/);
      expect(outputs.pages.uri).toMatch(/^s3:\/\/runs\/raw\/[0-9a-f]{16}\/pages$/);
      const key = (uri: string) => uri.slice('s3://runs/'.length);
      expect(Buffer.from(s3.object('runs', key(outputs.report.uri))!.body).toString()).toBe('all good');
      expect(
        s3
          .keys('runs')
          .filter((k) => k.startsWith(key(outputs.pages.uri)))
          .sort(),
      ).toEqual([`${key(outputs.pages.uri)}/nested/two.txt`, `${key(outputs.pages.uri)}/one.txt`]);
    } finally {
      await s3.close();
    }
  });

  it('names the loader args it expects when they are wrong', () => {
    const child = spawnSync(
      process.execPath,
      ['--conditions=@tflyte/source', main, 'execute', '--inputs', 'x', '--output-prefix', 'y', '--', 'task-module', 'examples.basics'],
      {
        cwd: repo,
        encoding: 'utf8',
      },
    );
    expect(child.status).toBe(2);
    expect(child.stderr.trim()).toBe(
      "tflyte: expected loader args 'task-module <module> task-name <name>' after --, got 'task-module examples.basics'",
    );
  });
});

describe('tflyte execute --output-prefix', () => {
  it('refuses an empty, relative or climbing prefix before running the task, and writes nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tflyte-prefix-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'inputs.pb'), toBinary(LiteralMapSchema, toLiteralMap(mean.inputs, { values: [1, 2] })));
    const refused: Array<[string, RegExp]> = [
      ['', /--output-prefix is empty; give an absolute path or a URI/],
      ['  ', /--output-prefix is empty/],
      ['out', /--output-prefix 'out' is a relative path; give an absolute path or a URI/],
      ['./out', /is a relative path/],
      [`${dir}/out/../..`, /has a '\.\.' segment/],
      ['s3://bucket/a/../../b', /has a '\.\.' segment/],
    ];
    for (const [prefix, message] of refused) {
      const err: string[] = [];
      const args = [
        'execute',
        '--inputs',
        join(dir, 'inputs.pb'),
        '--output-prefix',
        prefix,
        '--',
        'task-module',
        mean.site.module,
        'task-name',
        'mean',
      ];
      // In the task's project root, where the module would load: only the prefix check stops it.
      const code = await runMain(args, { cwd: mean.site.root, out: () => {}, err: (line) => err.push(line), env: {}, isTTY: false });
      expect(code, prefix).toBe(2);
      expect(err.join('\n'), prefix).toMatch(message);
    }
    expect(readdirSync(dir)).toEqual(['inputs.pb']);
    expect(existsSync(join(mean.site.root, 'out'))).toBe(false);
  });

  it('accepts an absolute path and a URI', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tflyte-prefix-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'inputs.pb'), toBinary(LiteralMapSchema, toLiteralMap(mean.inputs, { values: [1, 2] })));
    for (const prefix of [join(dir, 'plain'), `file://${join(dir, 'uri')}`]) {
      const child = spawnSync(
        process.execPath,
        [
          '--conditions=@tflyte/source',
          main,
          'execute',
          '--inputs',
          join(dir, 'inputs.pb'),
          '--output-prefix',
          prefix,
          '--',
          'task-module',
          mean.site.module,
          'task-name',
          'mean',
        ],
        { cwd: mean.site.root, encoding: 'utf8' },
      );
      expect(child.status, child.stderr).toBe(0);
    }
    expect(fromLiteralMap(mean.outputs.types, fromBinary(LiteralMapSchema, readFileSync(join(dir, 'plain', 'outputs.pb'))))).toEqual({
      o0: 1.5,
    });
    expect(existsSync(join(dir, 'uri', 'outputs.pb'))).toBe(true);
  });
});

describe('one classification of a failing task, locally and in tflyte execute', () => {
  const SYSTEM_RETRIES = 1;
  /** The attempts Flyte runs for a failure written to error.pb: recoverable ones spend the USER or SYSTEM budget. */
  const flyteAttempts = (failure: { kind: string; retryable: boolean }, retries: number) =>
    failure.retryable ? 1 + (failure.kind === 'user' ? retries : SYSTEM_RETRIES) : 1;

  it.each([
    { task: badInput, expected: { kind: 'user', retryable: false, code: 'USER:InvalidInputError' }, attempts: 1 },
    { task: permanent, expected: { kind: 'user', retryable: false, code: 'USER:NonRetryableError' }, attempts: 1 },
    { task: transient, expected: { kind: 'user', retryable: true, code: 'USER:Error' }, attempts: 3 },
    { task: throttled, expected: { kind: 'system', retryable: true, code: 'Throttled' }, attempts: 2 },
  ])('$task.shortName: $expected.code, $attempts attempt(s) either way', async ({ task, expected, attempts }) => {
    const local = await createTestExecutor({ registry: createRegistry({ plugins: [functionPlugin()] }), systemRetries: SYSTEM_RETRIES });
    try {
      const error = await local.executor
        .run(toTaskTemplate(task, { image: 'img:1', version: 'v1' }), toLiteralMap(task.inputs, { why: 'no' }))
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(error).toBeInstanceOf(TaskFailedError);
      expect(error).toMatchObject({ failure: expected, attempts });
    } finally {
      await local.close();
    }

    const { out } = runInContainerStyle(task, { why: 'no' });
    const written = failureFromErrorDocument(readFileSync(join(out, 'error.pb')), 'user');
    expect(written).toMatchObject(expected);
    expect(flyteAttempts(written!, task.options.retries)).toBe(attempts);
  });
});

describe('tflyte execute on a stock Flyte cluster', () => {
  /** Propeller's container args for `task`, rendered with these values (missing ones left empty, as on a first attempt). */
  function renderedArgs(task: Task, values: Record<string, string>): string[] {
    const template = toTaskTemplate(task, { image: 'img:1', version: 'v1' });
    if (template.target.case !== 'container') throw new Error('expected a container target');
    return template.target.value.args.slice(1).map((arg) => arg.replace(/\{\{\.([A-Za-z]+)\}\}/g, (_, name: string) => values[name] ?? ''));
  }

  it("reads and writes S3 with exactly the sandbox's env: FLYTE_AWS_* only, no region, a hostname endpoint", async () => {
    // flyte-sandbox's propeller injects these (and nothing AWS_*) into every task pod.
    const minio = { accessKeyId: 'minio', secretAccessKey: 'miniostorage' };
    const s3 = await startS3Server({ buckets: ['my-s3-bucket'], credentials: minio });
    const home = mkdtempSync(join(tmpdir(), 'tflyte-home-'));
    dirs.push(home);
    try {
      s3.putObject('my-s3-bucket', 'metadata/a1/inputs.pb', toBinary(LiteralMapSchema, toLiteralMap(mean.inputs, { values: [2, 4, 9] })));
      const args = renderedArgs(mean, {
        input: 's3://my-s3-bucket/metadata/a1/inputs.pb',
        outputPrefix: 's3://my-s3-bucket/metadata/a1/0',
        rawOutputDataPrefix: 's3://my-s3-bucket/raw/a1',
      });
      const env = {
        PATH: process.env.PATH ?? '',
        HOME: home,
        FLYTE_AWS_ENDPOINT: `http://localhost:${new URL(s3.endpoint).port}`,
        FLYTE_AWS_ACCESS_KEY_ID: minio.accessKeyId,
        FLYTE_AWS_SECRET_ACCESS_KEY: minio.secretAccessKey,
      };
      const child = await promisify(execFile)(process.execPath, ['--conditions=@tflyte/source', main, ...args], {
        cwd: mean.site.root,
        encoding: 'utf8',
        env,
      });
      expect(child.stderr).toBe('');
      const stored = s3.object('my-s3-bucket', 'metadata/a1/0/outputs.pb');
      expect(fromLiteralMap(mean.outputs.types, fromBinary(LiteralMapSchema, stored!.body))).toEqual({ o0: 5 });
      // Path-style requests only: a `my-s3-bucket.localhost` host would not have reached the server at all.
      expect(s3.requests.every((r) => r.url.startsWith('/my-s3-bucket/'))).toBe(true);
    } finally {
      await s3.close();
    }
  });

  it('writes error.pb as a permanent USER failure when the task cannot be loaded, so propeller spends no retries', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tflyte-load-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'inputs.pb'), toBinary(LiteralMapSchema, toLiteralMap(mean.inputs, { values: [1] })));
    const cases: Array<[module: string, name: string, message: RegExp]> = [
      [mean.site.module, 'no_such_task', /cannot load task 'no_such_task'.*no task or workflow 'no_such_task'/],
      ['no.such.module', 'mean', /cannot load task 'mean' from module 'no.such.module'.*not found/],
    ];
    for (const [module, name, message] of cases) {
      const out = join(dir, name);
      const err: string[] = [];
      const args = ['execute', '--inputs', join(dir, 'inputs.pb'), '--output-prefix', out, '--', 'task-module', module, 'task-name', name];
      const code = await runMain(args, { cwd: mean.site.root, out: () => {}, err: (line) => err.push(line), env: {}, isTTY: false });
      expect(code, err.join('\n')).toBe(0);
      const doc = fromBinary(ErrorDocumentSchema, readFileSync(join(out, 'error.pb')));
      expect(doc.error).toMatchObject({
        code: 'USER:UnloadableCode',
        kind: ContainerError_Kind.NON_RECOVERABLE,
        origin: ExecutionError_ErrorKind.USER,
      });
      expect(doc.error?.message).toMatch(message);
      expect(failureFromErrorDocument(readFileSync(join(out, 'error.pb')), 'user')).toMatchObject({ kind: 'user', retryable: false });
    }
  });

  it('reads an input propeller offloaded, from the URI in its offloaded_metadata', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tflyte-offload-'));
    dirs.push(dir);
    const values = toLiteralMap(mean.inputs, { values: [1, 2, 3, 10] }).literals.values!;
    writeFileSync(join(dir, 'values_offloaded_metadata.pb'), toBinary(LiteralSchema, values));
    const offloaded = create(LiteralSchema, {
      value: {
        case: 'offloadedMetadata',
        value: {
          uri: `file://${join(dir, 'values_offloaded_metadata.pb')}`,
          sizeBytes: 42n,
          inferredType: mean.inputs.values!.literalType(),
        },
      },
    });
    writeFileSync(join(dir, 'inputs.pb'), toBinary(LiteralMapSchema, create(LiteralMapSchema, { literals: { values: offloaded } })));
    const args = renderedArgs(mean, { input: join(dir, 'inputs.pb'), outputPrefix: join(dir, 'out') });
    const child = spawnSync(process.execPath, ['--conditions=@tflyte/source', main, ...args], { cwd: mean.site.root, encoding: 'utf8' });
    expect(child.stderr).toBe('');
    expect(fromLiteralMap(mean.outputs.types, fromBinary(LiteralMapSchema, readFileSync(join(dir, 'out', 'outputs.pb'))))).toEqual({
      o0: 4,
    });
  });

  it('offloads an output at least _F_L_MIN_SIZE_MB large as flytekit does, and refuses one above _F_L_MAX_SIZE_MB', async () => {
    // Zero megabytes: every output is at least that large, so the one output is offloaded.
    const { child, out } = runInContainerStyle(mean, { values: [1, 2, 3, 10] }, { _F_L_MIN_SIZE_MB: '0', _F_L_MAX_SIZE_MB: '1' });
    expect(child.stderr).toBe('');
    const outputs = fromBinary(LiteralMapSchema, readFileSync(join(out, 'outputs.pb')));
    const offloaded = outputs.literals.o0;
    expect(offloaded?.value.case).toBe('offloadedMetadata');
    expect(offloaded?.value.value).toMatchObject({
      uri: `file://${join(out, 'o0_offloaded_metadata.pb')}`,
      inferredType: { type: { case: 'simple' } },
    });
    expect(offloaded?.hash).toMatch(/^[0-9a-f]{64}$/);
    const resolved = await resolveOffloadedLiterals(outputs, async (uri) => readFileSync(new URL(uri)));
    expect(fromLiteralMap(mean.outputs.types, resolved)).toEqual({ o0: 4 });

    const tooLarge = runInContainerStyle(mean, { values: [1] }, { _F_L_MIN_SIZE_MB: '0', _F_L_MAX_SIZE_MB: '0' });
    expect(existsSync(join(tooLarge.out, 'outputs.pb'))).toBe(false);
    expect(failureFromErrorDocument(readFileSync(join(tooLarge.out, 'error.pb')), 'user')).toMatchObject({
      code: 'USER:OutputTooLarge',
      kind: 'user',
      retryable: false,
    });
  });

  it("gives task code its attempt's checkpoint: a retried attempt resumes from what the failed one saved", async () => {
    const s3 = await startS3Server({ buckets: ['my-s3-bucket'] });
    try {
      const env = { FLYTE_AWS_ENDPOINT: s3.endpoint, FLYTE_AWS_ACCESS_KEY_ID: 'minio', FLYTE_AWS_SECRET_ACCESS_KEY: 'miniostorage' };
      s3.putObject('my-s3-bucket', 'metadata/n0/inputs.pb', toBinary(LiteralMapSchema, toLiteralMap(resumable.inputs, { steps: 10 })));
      // As propeller renders attempt 0 and then attempt 1 of one node: checkpoint prefixes per attempt.
      const attempt = (n: number) =>
        renderedArgs(resumable, {
          input: 's3://my-s3-bucket/metadata/n0/inputs.pb',
          outputPrefix: `s3://my-s3-bucket/metadata/n0/${n}`,
          checkpointOutputPrefix: `s3://my-s3-bucket/raw/n0-${n}/_flytecheckpoints`,
          prevCheckpointPrefix: n === 0 ? '' : `s3://my-s3-bucket/raw/n0-${n - 1}/_flytecheckpoints`,
        });
      // Each attempt is the command line propeller runs, through the CLI's own argument handling.
      for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
      const run = (args: string[]) =>
        runMain(args.slice(args.indexOf('execute')), {
          cwd: resumable.site.root,
          out: () => {},
          err: () => {},
          env: { ...process.env, ...env },
          isTTY: false,
        });
      await run(attempt(0));
      const first = fromBinary(ErrorDocumentSchema, s3.object('my-s3-bucket', 'metadata/n0/0/error.pb')!.body);
      expect(first.error?.message).toMatch(/preempted after checkpointing/);
      // flytekit's SyncCheckpoint layout: one `_dst_cp` object under the attempt's checkpoint prefix.
      expect(Buffer.from(s3.object('my-s3-bucket', 'raw/n0-0/_flytecheckpoints/_dst_cp')!.body).toString()).toBe('5');
      await run(attempt(1));
      const outputs = fromBinary(LiteralMapSchema, s3.object('my-s3-bucket', 'metadata/n0/1/outputs.pb')!.body);
      expect(fromLiteralMap(resumable.outputs.types, outputs)).toEqual({ o0: 'resumed at step 5 of 10, prev=true' });
    } finally {
      vi.unstubAllEnvs();
      await s3.close();
    }
  });
});
