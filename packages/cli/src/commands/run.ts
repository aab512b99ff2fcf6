/**
 * `tflyte run <file.ts> <task> [--input value ...]`: runs a task or workflow locally through the
 * executor configured by tflyte.config.ts, printing the result. Ctrl-C cancels: live remote jobs
 * are deleted before the process exits.
 */
import { CancelledError, TflyteError, openSession, withRunner } from '@tflyte/core';
import { parseArgv } from '../argv.ts';
import { formatResult } from '../format-output.ts';
import { taskHelp } from '../help.ts';
import { parseInputFlags } from '../input-flags.ts';
import { findEntity, loadModule } from '../load-entity.ts';
import type { Io } from '../main.ts';
import { createProgress } from '../progress.ts';
import { EXIT, UsageError } from '../usage-error.ts';

export async function run(args: readonly string[], io: Io): Promise<number> {
  const { options, positionals, rest } = parseArgv('run', args, { json: 'boolean', 'inputs-file': 'string', help: 'boolean' }, 2);
  const [file, name] = positionals;
  if (!file || !name) {
    if (options.help) {
      io.out('Usage: tflyte run [--json] [--inputs-file <f>] <file.ts> <task-or-workflow> [--<input> <value> ...]');
      return EXIT.ok;
    }
    throw new UsageError('run: expected <file.ts> <task-or-workflow>, e.g. tflyte run examples/basics.ts mean --values "[1, 2]"');
  }
  const task = findEntity(await loadModule(file, io.cwd), file, name);
  if (rest.includes('--help') || options.help) {
    io.out(taskHelp(task, file));
    return EXIT.ok;
  }
  const inputs = parseInputFlags(task, rest, io.cwd, options['inputs-file'] as string | undefined);

  const session = await openSession({ cwd: io.cwd });
  const controller = new AbortController();
  const onSignal = () => {
    io.err('tflyte: cancelling (deleting live jobs)…');
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const progress = createProgress({ isTTY: io.isTTY, color: io.isTTY && !io.env.NO_COLOR, write: (text) => io.err(text.replace(/\n$/, '')) });
  try {
    const runner = session.runner({ signal: controller.signal, onEvent: progress.onEvent });
    const result = await withRunner(runner, () => task(inputs as never));
    io.out(formatResult(result, Boolean(options.json)));
    return EXIT.ok;
  } catch (error) {
    if (error instanceof CancelledError || controller.signal.aborted) {
      io.err(`tflyte: cancelled: ${(error as Error).message}`);
      return EXIT.cancelled;
    }
    if (isTaskFailure(error)) {
      io.err(`tflyte: ${(error as Error).message}`);
      return EXIT.taskFailed;
    }
    throw error;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    session.close();
  }
}

/** The task ran and failed, as opposed to a usage, config or internal error. */
function isTaskFailure(error: unknown): boolean {
  return (
    error instanceof TflyteError &&
    ['TFLYTE_TASK_FAILED', 'TFLYTE_TIMEOUT', 'TFLYTE_MAP_FAILED', 'TFLYTE_INVALID_OUTPUT', 'TFLYTE_BACKEND'].includes(error.code)
  );
}
