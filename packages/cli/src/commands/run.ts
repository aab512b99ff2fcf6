/**
 * `tflyte run <file.ts> <task> [--input value ...]`: runs a task or workflow locally through the
 * executor configured by tflyte.config.ts, printing the result.
 *
 * A run is identified by its task, the task's version and its inputs: when the same command finds
 * an unfinished run of them in this state directory (its process was killed), it resumes that run
 * under the same run id, so live remote jobs are re-attached rather than submitted again.
 * `--run-id` names the run instead; `tflyte runs` lists, resumes and abandons unfinished runs.
 *
 * Ctrl-C (or SIGTERM) cancels: live remote jobs are deleted before the process exits. That cleanup
 * has a deadline (`--cancel-timeout`), and a second Ctrl-C exits at once; either way the jobs
 * left running are printed, and the run stays unfinished so the same command re-attaches to them.
 */
import { join } from 'node:path';
import { CancelledError, openSession, type Session, type Task, TflyteError, toLiteralMap, withRunner } from '@tflyte/core';
import { type RunRecorder, recordRun, writeRunReport } from '@tflyte/report';
import { indexOfOwnFlag, parseArgv } from '../argv.ts';
import { formatFailure, formatResult } from '../format-output.ts';
import { RUN_HELP, taskHelp } from '../help.ts';
import { parseInputFlags } from '../input-flags.ts';
import { findEntity, loadModule } from '../load-entity.ts';
import type { Io } from '../main.ts';
import { createProgress, everySecond } from '../progress.ts';
import { EXIT, UsageError } from '../usage-error.ts';

const DEFAULT_CANCEL_TIMEOUT_S = 30;
/**
 * A signal within this long of the first is the same Ctrl-C delivered twice — a terminal signals
 * the whole process group, and `npx` forwards what it receives to its child as well — so only a
 * later one means "again". After it, the user is told a second Ctrl-C exits at once.
 */
const SAME_SIGNAL_MS = 1000;

const RUN_OPTIONS = {
  json: 'boolean',
  'inputs-file': 'string',
  help: 'boolean',
  'run-id': 'string',
  'cancel-timeout': 'string',
  report: 'boolean',
} as const;

export async function run(args: readonly string[], io: Io): Promise<number> {
  // `--remote` is run's flag only before the file and task; after them it is a task input's (`--remote true`).
  const remote = indexOfOwnFlag(args, 'remote', RUN_OPTIONS, 2);
  // Loaded only for remote runs: it brings the Flyte admin client (connect, gRPC) with it.
  if (remote >= 0)
    return (await import('./run-remote.ts')).runRemote(
      args.filter((_, i) => i !== remote),
      io,
    );
  const spec = RUN_OPTIONS;
  const { options, positionals, rest } = parseArgv('run', args, spec, 2);
  const [file, name] = positionals;
  if (!file || !name) {
    if (options.help) {
      io.out(RUN_HELP);
      return EXIT.ok;
    }
    throw new UsageError('run: expected <file.ts> <task-or-workflow>, e.g. tflyte run examples/basics.ts mean --values "[1, 2]"');
  }
  const module = await loadModule(file, io.cwd);
  const task = findEntity(module, file, name);
  if (rest.includes('--help') || options.help) {
    io.out(taskHelp(task, file));
    return EXIT.ok;
  }
  const inputs = parseInputFlags(task, rest, io.cwd, options['inputs-file'] as string | undefined);
  const cancelTimeoutMs = cancelTimeout(options['cancel-timeout']);
  const session = await openSession({ cwd: io.cwd, onStateReset: (message) => io.err(`tflyte: ${message}`) });
  try {
    const runId = options['run-id'] as string | undefined;
    return await runTask(
      session,
      {
        task,
        file: module.path,
        exportName: name,
        inputs,
        json: Boolean(options.json),
        report: Boolean(options.report),
        cancelTimeoutMs,
        ...(runId === undefined ? {} : { runId }),
      },
      io,
    );
  } finally {
    session.close();
  }
}

export interface RunTaskRequest {
  readonly task: Task;
  /** The module's absolute path and the name the task was asked for by, recorded to resume the run. */
  readonly file: string;
  readonly exportName: string;
  readonly inputs: Readonly<Record<string, unknown>>;
  readonly runId?: string;
  readonly json: boolean;
  /** Write the run's HTML report (tflyte report) once it ends. */
  readonly report?: boolean;
  readonly cancelTimeoutMs: number;
}

type Outcome = { readonly type: 'done'; readonly code: number } | { readonly type: 'forced'; readonly reason: string };

/** Runs one task as a recorded run of the session (new or resumed), with the CLI's signal handling. */
export async function runTask(session: Session, request: RunTaskRequest, io: Io): Promise<number> {
  const { task, inputs } = request;
  const { runId, resumed } = session.startRun({
    task,
    file: request.file,
    exportName: request.exportName,
    inputs: toLiteralMap(task.inputs, inputs),
    ...(request.runId === undefined ? {} : { runId: request.runId }),
  });
  if (resumed !== undefined) {
    io.err(
      `tflyte: resuming run ${runId} (${resumed.status === 'running' ? 'interrupted' : resumed.status}, started ${new Date(resumed.createdAt).toISOString()})`,
    );
  }

  const progress = createProgress({
    isTTY: io.isTTY,
    color: io.isTTY && !io.env.NO_COLOR,
    write: (text) => io.err(text.replace(/\n$/, '')),
    // The elapsed time of a live line ticks on a terminal; the ticker is stopped on every way out below.
    ...(io.isTTY ? { every: everySecond } : {}),
  });
  // Said through the display, so a tick never redraws over it.
  const notice = (text: string) => progress.note(`tflyte: ${text}`);
  const controller = new AbortController();
  let force: (reason: string) => void = () => {};
  const forced = new Promise<Outcome>((resolve) => (force = (reason) => resolve({ type: 'forced', reason })));
  let firstSignal: number | undefined;
  const timers: NodeJS.Timeout[] = [];
  const onSignal = (signal: NodeJS.Signals): void => {
    const now = Date.now();
    if (firstSignal === undefined) {
      firstSignal = now;
      notice(`${signal === 'SIGINT' ? 'interrupted' : 'terminated'}: cancelling (deleting live jobs)…`);
      controller.abort();
      timers.push(
        setTimeout(() => notice('still deleting live jobs; press Ctrl-C again to exit without waiting'), SAME_SIGNAL_MS),
        setTimeout(
          () => force(`live jobs were not deleted within the cancel timeout of ${request.cancelTimeoutMs / 1000} s`),
          request.cancelTimeoutMs,
        ),
      );
      return;
    }
    if (now - firstSignal >= SAME_SIGNAL_MS) force('interrupted again');
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // The run id matters once a job may outlive this process: name it then, not for in-process runs.
  let named = resumed !== undefined;
  const onEvent: typeof progress.onEvent = (event) => {
    if (!named && event.type === 'attempt-created') {
      named = true;
      notice(`run ${runId}`);
    }
    progress.onEvent(event);
  };

  const work = async (): Promise<Outcome> => {
    // The run's history (every call's inputs, outputs, events and decks) is what `tflyte report` draws.
    let recorder: RunRecorder | undefined;
    const runner = session.runner({
      runId,
      signal: controller.signal,
      onEvent: (event) => {
        recorder?.onEvent(event);
        onEvent(event);
      },
    });
    recorder = recordRun({ stateDir: session.config.stateDir, runId, runner });
    let code: number;
    let failure: unknown;
    try {
      const result = await withRunner(recorder.runner, () => task(inputs as never));
      io.out(formatResult(result, request.json, task.outputs));
      code = EXIT.ok;
    } catch (error) {
      failure = error;
      code =
        error instanceof CancelledError || controller.signal.aborted
          ? EXIT.cancelled
          : isTaskFailure(error)
            ? EXIT.taskFailed
            : EXIT.internal;
    }
    const status = code === EXIT.ok ? 'succeeded' : code === EXIT.cancelled ? 'cancelled' : 'failed';
    // The run is over: no tick may redraw over what is printed from here on.
    progress.stop();
    reportLeftovers(await session.finishRun(runId, status), io);
    if (request.report === true) {
      const file = join(session.config.stateDir, 'reports', `${runId}.html`);
      writeRunReport(session, runId, file);
      io.err(`tflyte: report written to ${file}`);
    }
    if (failure !== undefined && request.json && code !== EXIT.internal) io.out(formatFailure(failure));
    if (failure === undefined) return { type: 'done', code };
    if (code === EXIT.cancelled) io.err(`tflyte: cancelled: ${(failure as Error).message}`);
    else if (code === EXIT.taskFailed) io.err(`tflyte: ${(failure as Error).message}`);
    else throw failure;
    return { type: 'done', code };
  };

  try {
    const outcome = await Promise.race([work(), forced]);
    if (outcome.type === 'done') return outcome.code;
    progress.stop();
    io.err(`tflyte: ${outcome.reason}; exiting without waiting.`);
    reportLeftRunning(session, runId, io);
    // The abandoned cleanup may hold sockets open forever; the process must end now.
    io.exit?.(EXIT.cancelled);
    return EXIT.cancelled;
  } finally {
    progress.stop();
    for (const timer of timers) clearTimeout(timer);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** Jobs the run's calls did not end themselves (nothing re-attached to them), deleted by finishRun. */
function reportLeftovers(jobs: Awaited<ReturnType<Session['finishRun']>>, io: Io): void {
  for (const job of jobs) {
    const what = `job ${job.generatedName} (${job.task}, node ${job.nodeId}, attempt ${job.attempt}, ${job.backend})`;
    io.err(
      job.deleted
        ? `tflyte: deleted ${what}, which no call of this run re-attached to`
        : `tflyte: could not delete ${what}: ${job.problem ?? 'unknown error'}; it may still be running`,
    );
  }
}

/** What a forced exit leaves behind, and how to finish it. */
function reportLeftRunning(session: Session, runId: string, io: Io): void {
  const live = session.store.listAttemptsByStatus(['creating', 'running']).filter((a) => a.runId === runId);
  if (live.length === 0) {
    io.err(`tflyte: no job of run ${runId} was left running.`);
    return;
  }
  io.err(`tflyte: left running (run ${runId}):`);
  for (const a of live)
    io.err(
      `  ${a.generatedName}  ${a.taskName}  node ${a.nodeId} attempt ${a.attempt}  ${a.backend}${a.handle === undefined ? '' : `  ${JSON.stringify(a.handle)}`}`,
    );
  io.err(`Run the same command again to re-attach to them, or 'tflyte runs abandon ${runId}' to delete them.`);
}

function cancelTimeout(value: string | boolean | undefined): number {
  if (value === undefined) return DEFAULT_CANCEL_TIMEOUT_S * 1000;
  const seconds = Number(value);
  if (typeof value !== 'string' || !Number.isFinite(seconds) || seconds <= 0) {
    throw new UsageError(`run: --cancel-timeout must be a positive number of seconds, got '${String(value)}'`);
  }
  return seconds * 1000;
}

/** The task ran and failed, as opposed to a usage, config or internal error. */
function isTaskFailure(error: unknown): boolean {
  return (
    error instanceof TflyteError &&
    ['TFLYTE_TASK_FAILED', 'TFLYTE_TIMEOUT', 'TFLYTE_MAP_FAILED', 'TFLYTE_INVALID_OUTPUT', 'TFLYTE_BACKEND'].includes(error.code)
  );
}
