/**
 * Local runs of Spark tasks, for `tflyte run` without a cluster: the application runs with
 * `spark-submit --master local[N]` and the task's conf (layered as on Kubernetes, minus the
 * Kubernetes-only settings), its arguments rendered from the attempt's inputs and output
 * locations, and its outputs collected the same way. The attempt is one `do` call: a killed
 * executor takes its spark-submit with it, and a restarted one runs the attempt again.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { availableParallelism } from 'node:os';
import { delimiter, isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type AttemptContext,
  BackendError,
  failed,
  perRetryUniqueKey,
  renderTemplate,
  type Storage,
  type SyncBackend,
  succeeded,
  type TaskStatus,
} from '@tflyte/core';
import type { TaskTemplate } from '@tflyte/idl/core/tasks';
import { SparkApplication_Type, type SparkJob } from '@tflyte/idl/plugins/spark';
import { confInteger, layerSparkConf, type SparkFeature } from './spark-conf.ts';
import { collectOutputs, OUTPUT_DOCUMENT_ENV, outputDocumentUri } from './spark-outputs.ts';

export const SPARK_LOCAL_BACKEND = 'spark-submit (local)';

export interface SparkLocalOptions {
  /** The spark-submit to run: a path, or a command looked up on PATH. Default `spark-submit`. */
  readonly sparkSubmit?: string;
  /** Worker threads: `--master local[N]`. Default executor instances × cores from the conf, else the machine's parallelism. */
  readonly threads?: number;
  /** Where `local://` application files are found on this machine (`local:///app/x.py` → `<root>/app/x.py`). Default `/`. */
  readonly applicationRoot?: string;
  /** Environment of spark-submit; default this process's. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

export interface SparkLocalSettings {
  readonly defaultSparkConf?: Readonly<Record<string, string>>;
  readonly features?: readonly SparkFeature[];
  readonly storage: Storage;
}

/** Spark conf that only means something to spark-submit on Kubernetes. */
const KUBERNETES_ONLY = /^spark\.kubernetes\./;
const STDERR_TAIL = 20;

function findOnPath(command: string, env: Readonly<Record<string, string | undefined>>): string | undefined {
  const candidates = command.includes('/')
    ? [command]
    : (env.PATH ?? '')
        .split(delimiter)
        .filter(Boolean)
        .map((dir) => join(dir, command));
  return candidates.find((path) => {
    try {
      accessSync(path, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

function notFound(command: string): BackendError {
  return new BackendError({
    kind: 'system',
    retryable: false,
    code: 'SPARK_SUBMIT_NOT_FOUND',
    message:
      `cannot run the Spark application locally: '${command}' is not ${command.includes('/') ? 'an executable file' : 'on PATH'}. ` +
      'Install Apache Spark (https://spark.apache.org/downloads.html) and put its bin/ directory on PATH, ' +
      "or point sparkPlugin({ mode: 'local', local: { sparkSubmit: '/path/to/spark-submit' } }) at it, " +
      'or run the task on a cluster with the spark-operator (the default mode)',
  });
}

function applicationPath(file: string, root: string): string {
  if (file.startsWith('local://')) return join(root, file.slice('local://'.length));
  if (file.startsWith('file://')) return fileURLToPath(file);
  return isAbsolute(file) || /^[a-z][a-z0-9+.-]*:\/\//i.test(file) ? file : join(root, file);
}

/** The spark-submit command line of one attempt. */
export function sparkSubmitArgs(
  ctx: AttemptContext,
  job: SparkJob,
  settings: Omit<SparkLocalSettings, 'storage'>,
  local: SparkLocalOptions = {},
): string[] {
  const conf = layerSparkConf({
    defaults: settings.defaultSparkConf ?? {},
    features: settings.features ?? [],
    executorPath: job.executorPath,
    taskConf: job.sparkConf,
    generatedName: ctx.generatedName,
    startTimeMs: ctx.clock.now(),
  });
  for (const [key, value] of Object.entries(job.hadoopConf)) conf[`spark.hadoop.${key}`] = value;
  const fromConf = (confInteger(conf, 'spark.executor.instances') ?? 1) * (confInteger(conf, 'spark.executor.cores') ?? 1);
  const threads = local.threads ?? (Number.isNaN(fromConf) ? availableParallelism() : fromConf);
  const confArgs = Object.entries(conf)
    .filter(([key]) => !KUBERNETES_ONLY.test(key))
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .flatMap(([key, value]) => ['--conf', `${key}=${value}`]);
  const target = ctx.template.target;
  const container = target.case === 'container' ? target.value : undefined;
  const values = {
    input: ctx.inputsUri,
    inputPrefix: ctx.inputsUri.replace(/\/[^/]*$/, ''),
    outputPrefix: ctx.outputPrefix,
    rawOutputDataPrefix: ctx.rawOutputPrefix,
    perRetryUniqueKey: perRetryUniqueKey(ctx.generatedName),
    inputs: ctx.inputs,
  };
  return [
    '--master',
    `local[${threads}]`,
    '--name',
    ctx.generatedName,
    ...(job.mainClass === '' || job.applicationType === SparkApplication_Type.PYTHON ? [] : ['--class', job.mainClass]),
    ...confArgs,
    applicationPath(job.mainApplicationFile, local.applicationRoot ?? '/'),
    ...(container?.args ?? []).map((arg) => renderTemplate(arg, values)),
  ];
}

export function sparkLocalBackend(
  settings: SparkLocalSettings,
  local: SparkLocalOptions,
  readJob: (template: TaskTemplate) => SparkJob,
): SyncBackend {
  const command = local.sparkSubmit ?? 'spark-submit';
  return {
    name: SPARK_LOCAL_BACKEND,
    async do(ctx): Promise<TaskStatus> {
      const env = { ...(local.env ?? process.env) };
      const executable = findOnPath(command, env);
      if (executable === undefined) throw notFound(command);
      const args = sparkSubmitArgs(ctx, readJob(ctx.template), settings, local);
      const target = ctx.template.target;
      const taskEnv = target.case === 'container' ? Object.fromEntries(target.value.env.map((kv) => [kv.key, kv.value])) : {};
      const maxAttempts = (ctx.template.metadata?.retries?.retries ?? 0) + 1;
      const exit = await run(
        executable,
        args,
        {
          ...env,
          ...taskEnv,
          FLYTE_ATTEMPT_NUMBER: String(ctx.attempt),
          FLYTE_MAX_ATTEMPTS: String(maxAttempts),
          [OUTPUT_DOCUMENT_ENV]: outputDocumentUri(ctx),
        },
        ctx.signal,
      );
      if (exit.code !== 0) {
        const why = exit.signal === null ? `exited with code ${exit.code}` : `was killed by ${exit.signal}`;
        return failed({
          kind: 'user',
          retryable: true,
          code: 'SparkSubmitFailed',
          message: `spark-submit ${why}${exit.stderr === '' ? '' : `:\n${exit.stderr}`}`,
        });
      }
      const collected = await collectOutputs(ctx, settings.storage);
      return collected.ok ? succeeded(collected.outputs) : failed(collected.failure);
    },
  };
}

function run(
  executable: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  signal: AbortSignal,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    // The application's stdout goes to stderr too: a CLI's stdout holds the task's result.
    const child = spawn(executable, args, { env, stdio: ['ignore', 'pipe', 'pipe'], signal, killSignal: 'SIGTERM' });
    child.stdout.pipe(process.stderr, { end: false });
    const tail: string[] = [];
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      process.stderr.write(chunk);
      tail.push(...chunk.split('\n').filter((line) => line !== ''));
      tail.splice(0, Math.max(0, tail.length - STDERR_TAIL));
    });
    child.on('error', (error) => {
      // An abort is the executor's to report; it stops waiting on its own.
      if ((error as NodeJS.ErrnoException).code !== 'ABORT_ERR') reject(error);
    });
    child.on('close', (code, killed) => resolve({ code, signal: killed, stderr: tail.join('\n') }));
  });
}
