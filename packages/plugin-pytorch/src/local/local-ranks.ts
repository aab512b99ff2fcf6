/**
 * `localRanks()`: runs a PyTorch task on this machine for real, one process per rank, with the
 * training operator's environment contract on 127.0.0.1 and a free port per run. Inputs are laid out
 * and outputs read back with Flyte copilot's files (core's copilot helpers), rank 0's outputs being the
 * task's. A failing rank stops the others and fails the attempt with its last log lines; a rank whose
 * replica restarts OnFailure/Always restarts the whole group (gloo groups cannot take a new member),
 * up to `runPolicy.backoffLimit` times. Cancellation and timeouts stop every rank's process group.
 *
 * The task's image is not used: its command runs on the host (`executables` maps program names).
 */
import { mkdir, rm } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  type AttemptContext,
  BackendError,
  createDataDirs,
  failed,
  type JsonObject,
  type LogLink,
  materializeInputs,
  readOutputs,
  renderTemplate,
  type SyncBackend,
  succeeded,
  type TaskStatus,
  toLocalPath,
  uriScheme,
} from '@tflyte/core';
import type { Container } from '@tflyte/idl/core/tasks';
import { type PyTorchConfig, pytorchCustom, RestartPolicy, replicaGroup } from '../pytorch-config.ts';
import { freePort } from './free-port.ts';
import { type PlannedRank, planRanks } from './rank-plan.ts';
import { type RankExit, RankProcess } from './rank-process.ts';

export interface LocalRanksOptions {
  /** Programs named by the task's command, resolved on this machine, e.g. `{ python3: '/usr/bin/python3' }`. */
  readonly executables?: Readonly<Record<string, string>>;
  /** Working directory of every rank (relative paths in the command resolve here). Default: the current directory. */
  readonly cwd?: string;
  /** Added to every rank's environment (after this process's own, before the contract's). */
  readonly env?: Readonly<Record<string, string>>;
  /** Between SIGTERM and SIGKILL when ranks are stopped. Default 5 s, on the executor's clock. */
  readonly stopGraceMs?: number;
  /** Group restarts for replicas that restart OnFailure/Always when the task sets no backoffLimit. Default 3. */
  readonly defaultBackoffLimit?: number;
}

export const LOCAL_RANKS_BACKEND = 'pytorch-local-ranks';
/** Every rank carries this variable (the attempt's generated name), so its processes can be found. */
export const RANK_OF_ENV = 'TFLYTE_PYTORCH_ATTEMPT';

const badFormat = (message: string) => new BackendError({ kind: 'user', retryable: false, code: 'BadTaskFormat', message });

interface Layout {
  readonly attemptDir: string;
  readonly inputsDir: string;
  readonly logsDir: string;
  readonly outputsDir: (replica: string) => string;
}

export function localRanks(options: LocalRanksOptions = {}): SyncBackend {
  const graceMs = options.stopGraceMs ?? 5000;
  return {
    name: LOCAL_RANKS_BACKEND,
    async do(ctx) {
      const config = pytorchCustom.decode({ custom: ctx.template.custom as JsonObject | undefined }, ctx.template.taskTypeVersion);
      const target = ctx.template.target;
      if (target.case !== 'container') throw badFormat(`a local PyTorch run needs a container target, not '${target.case ?? 'none'}'`);
      if (uriScheme(ctx.outputPrefix) !== 'file')
        throw badFormat(`a local PyTorch run keeps its files on this machine, but the attempt is at ${ctx.outputPrefix}`);
      const attemptDir = toLocalPath(ctx.outputPrefix);
      const layout: Layout = {
        attemptDir,
        inputsDir: join(attemptDir, 'data', 'inputs'),
        logsDir: join(attemptDir, 'logs'),
        outputsDir: (replica) => join(attemptDir, 'data', 'outputs', replica),
      };
      const limit = config.runPolicy?.backoffLimit || (options.defaultBackoffLimit ?? 3);
      for (let restarts = 0; ; restarts++) {
        const outcome = await runOnce(ctx, config, target.value, layout, restarts, options, graceMs);
        if (outcome.type === 'succeeded') return outcome.status;
        const policy = restartPolicyOf(config, outcome.failed);
        const restart = (policy === RestartPolicy.ON_FAILURE || policy === RestartPolicy.ALWAYS) && restarts < limit;
        if (!restart)
          return failed(
            { kind: 'user', retryable: true, code: 'RankFailed', message: failureMessage(outcome.failed, restarts) },
            { logs: outcome.logs },
          );
      }
    },
  };
}

function restartPolicyOf(config: PyTorchConfig, exit: RankExit): RestartPolicy {
  const group = exit.replica.startsWith('master') ? config.masterReplicas : config.workerReplicas;
  return replicaGroup(group).restartPolicy;
}

function failureMessage(exit: RankExit, restarts: number): string {
  const how = exit.code === undefined ? `was killed by ${exit.signal ?? 'a signal'}` : `exited with code ${exit.code}`;
  const after = restarts > 0 ? ` (after ${restarts} restart${restarts === 1 ? '' : 's'} of the job)` : '';
  const lines = exit.tail.filter((line) => line.trim() !== '');
  return `rank ${exit.rank} (${exit.replica}) ${how}${after}${lines.length > 0 ? `; its last lines:\n${lines.join('\n')}` : ''}`;
}

type Outcome = { type: 'succeeded'; status: TaskStatus } | { type: 'failed'; failed: RankExit; logs: LogLink[] };

async function runOnce(
  ctx: AttemptContext,
  config: PyTorchConfig,
  container: Container,
  layout: Layout,
  restart: number,
  options: LocalRanksOptions,
  graceMs: number,
): Promise<Outcome> {
  const data = container.dataConfig?.enabled ? container.dataConfig : undefined;
  const plan = planRanks(config, await freePort());
  const names = Object.keys(ctx.template.interface?.inputs?.variables ?? {});
  if (data !== undefined) {
    await createDataDirs(layout.inputsDir, layout.outputsDir(plan[0]!.replica));
    // Other ranks write where rank 0 does too, into directories of their own that nobody reads.
    for (const rank of plan.slice(1)) {
      await rm(layout.outputsDir(rank.replica), { recursive: true, force: true });
      await mkdir(layout.outputsDir(rank.replica), { recursive: true });
    }
    await materializeInputs({ hostDir: layout.inputsDir, inputPath: layout.inputsDir, format: data.format }, names, ctx.inputs, undefined);
  }
  await mkdir(layout.logsDir, { recursive: true });
  ctx.signal.throwIfAborted();

  const logFile = (rank: PlannedRank) => join(layout.logsDir, `${rank.replica}${restart > 0 ? `.restart-${restart}` : ''}.log`);
  const logs: LogLink[] = plan.map((rank) => ({ name: `${rank.replica} (User)`, uri: pathToFileURL(logFile(rank)).href }));
  const cwd = options.cwd ?? process.cwd();
  const ranks = plan.map((rank) => {
    const command = commandFor(ctx, container, data, layout, rank, options);
    const env = {
      ...(process.env as Record<string, string>),
      ...Object.fromEntries(container.env.map((kv) => [kv.key, kv.value])),
      ...options.env,
      ...rank.env,
      [RANK_OF_ENV]: ctx.generatedName,
    };
    return new RankProcess({ rank: rank.rank, replica: rank.replica, command, env, cwd, logFile: logFile(rank) });
  });

  const stopAll = () => Promise.all(ranks.map((r) => r.stop(ctx.clock, graceMs)));
  const aborted = new Promise<'aborted'>((resolve) => {
    if (ctx.signal.aborted) resolve('aborted');
    else ctx.signal.addEventListener('abort', () => resolve('aborted'), { once: true });
  });
  // The first rank to fail decides; the others are stopped, as the operator fails the job on one failed replica.
  const firstFailure = new Promise<RankExit>((resolve) => {
    for (const r of ranks) void r.exited.then((exit) => exit.code !== 0 && !exit.stopped && resolve(exit));
  });
  const allDone = Promise.all(ranks.map((r) => r.exited));
  const first = await Promise.race([allDone, firstFailure, aborted]);
  if (first === 'aborted') {
    await stopAll();
    throw ctx.signal.reason;
  }
  if (!Array.isArray(first)) {
    await stopAll();
    return { type: 'failed', failed: first, logs };
  }
  const failedRank = first.find((exit) => exit.code !== 0);
  if (failedRank !== undefined) return { type: 'failed', failed: failedRank, logs };
  if (data === undefined) return { type: 'succeeded', status: succeeded(undefined, { logs }) };
  const outputs = await readOutputs(
    { hostDir: layout.outputsDir(plan[0]!.replica), outputPath: data.outputPath, rawOutputPrefix: ctx.rawOutputPrefix },
    ctx.template.interface?.outputs?.variables ?? {},
  );
  return { type: 'succeeded', status: outputs.ok ? succeeded(outputs.outputs, { logs }) : failed(outputs.failure, { logs }) };
}

/** The rank's argv: the template rendered, the data directories pointed at this rank's host directories, the program resolved. */
function commandFor(
  ctx: AttemptContext,
  container: Container,
  data: Container['dataConfig'],
  layout: Layout,
  rank: PlannedRank,
  options: LocalRanksOptions,
): string[] {
  const values = {
    inputs: ctx.inputs,
    input: ctx.inputsUri,
    inputPrefix: ctx.inputsUri.replace(/\/[^/]*$/, ''),
    outputPrefix: ctx.outputPrefix,
    rawOutputDataPrefix: ctx.rawOutputPrefix,
    ...(data === undefined ? {} : { blobPath: (name: string) => join(layout.inputsDir, name) }),
  };
  const hostPaths =
    data === undefined
      ? []
      : ([
          [data.inputPath, layout.inputsDir],
          [data.outputPath, layout.outputsDir(rank.replica)],
        ] as const);
  const local = (text: string): string => {
    let out = renderTemplate(text, values);
    // What a volume mount does in a pod: the container's data paths are these host directories.
    for (const [inPod, onHost] of hostPaths) out = out.replace(new RegExp(`${escapeRegExp(inPod)}(?=/|$|[^A-Za-z0-9_.-])`, 'g'), onHost);
    return out;
  };
  const argv = [...container.command, ...container.args].map(local);
  if (argv.length === 0) throw badFormat(`task '${ctx.template.id?.name ?? ''}' has no command to run`);
  const program = argv[0]!;
  const mapped = options.executables?.[program];
  if (mapped !== undefined) argv[0] = mapped;
  else if (!isAbsolute(program) && program.includes('/')) argv[0] = resolve(options.cwd ?? process.cwd(), program);
  return argv;
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
