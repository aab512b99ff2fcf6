/**
 * The `tflyte` command. Errors a user can fix print as one line and exit 2 (usage) or 1 (the task
 * failed); anything else is internal (exit 70) and shows its stack only with --verbose.
 */
import { TflyteError } from '@tflyte/core';
import { parseArgv } from './argv.ts';
import { cacheClear } from './commands/cache.ts';
import { execute } from './commands/execute.ts';
import { fetchExecution } from './commands/fetch.ts';
import { register } from './commands/register.ts';
import { connector } from './commands/connector.ts';
import { listPlugins } from './commands/plugins.ts';
import { run } from './commands/run.ts';
import { report } from './commands/report.ts';
import { render } from './commands/render.ts';
import { runs } from './commands/runs.ts';
import { serialize } from './commands/serialize.ts';
import { MAIN_HELP } from './help.ts';
import { formatFailure } from './format-output.ts';
import { EXIT, UsageError, exitCodeOf } from './usage-error.ts';

export interface Io {
  readonly cwd: string;
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  readonly env: NodeJS.ProcessEnv;
  readonly isTTY: boolean;
  /** Ends the process now (a forced exit after Ctrl-C); without it, the command returns its code. */
  readonly exit?: (code: number) => void;
}

export async function main(argv: readonly string[], io: Io): Promise<number> {
  const verbose = argv.includes('--verbose');
  const [command, ...args] = argv.filter((a) => a !== '--verbose');
  try {
    switch (command) {
      case undefined:
      case '--help':
      case 'help':
        io.out(MAIN_HELP);
        return command === undefined ? EXIT.usage : EXIT.ok;
      case 'run':
        return await run(args, io);
      case 'runs':
        return await runs(args, io);
      case 'report':
        return await report(args, io);
      case 'render':
        return await render(args, io);
      case 'register':
        return await register(args, io);
      case 'fetch':
        return await fetchExecution(args, io);
      case 'serialize': {
        const spec = { out: 'string', format: 'string', image: 'string', version: 'string', project: 'string', domain: 'string' } as const;
        const { options, positionals } = parseArgv('serialize', args, spec, Number.POSITIVE_INFINITY);
        const [file, extra] = positionals;
        if (extra !== undefined) throw new UsageError(`serialize: unexpected argument '${extra}'`);
        if (!file) throw new UsageError('serialize: which file? tflyte serialize <file.ts> [--out dir] [--format pb|json]');
        const format = (options.format ?? 'pb') as string;
        if (format !== 'pb' && format !== 'json') throw new UsageError(`serialize: --format must be pb or json, got '${format}'`);
        await serialize(
          {
            file,
            out: (options.out as string | undefined) ?? '_pb_output',
            format,
            ...(typeof options.image === 'string' ? { image: options.image } : {}),
            ...(typeof options.version === 'string' ? { version: options.version } : {}),
            ...(typeof options.project === 'string' ? { project: options.project } : {}),
            ...(typeof options.domain === 'string' ? { domain: options.domain } : {}),
          },
          io.cwd,
          io.out,
        );
        return EXIT.ok;
      }
      case 'execute': {
        const spec = { inputs: 'string', 'output-prefix': 'string', 'raw-output-data-prefix': 'string', 'checkpoint-path': 'string', 'prev-checkpoint': 'string', resolver: 'string', test: 'boolean', 'additional-distribution': 'string', 'dest-dir': 'string' } as const;
        const { options, positionals, rest } = parseArgv('execute', args, spec, Number.POSITIVE_INFINITY);
        if (positionals.length > 0) throw new UsageError(`execute: unexpected argument '${positionals[0]}'; loader args go after --`);
        if (typeof options.inputs !== 'string' || typeof options['output-prefix'] !== 'string') {
          throw new UsageError('execute: --inputs and --output-prefix are required');
        }
        // The checkpoint and resolver flags are pyflyte-execute's, accepted so propeller's command line
        // parses: tasks do not checkpoint yet, and the resolver is always ours.
        const result = await execute(
          { inputs: options.inputs, outputPrefix: options['output-prefix'], rawOutputDataPrefix: options['raw-output-data-prefix'] as string | undefined, loaderArgs: rest, additionalDistribution: options['additional-distribution'] as string | undefined, destDir: options['dest-dir'] as string | undefined },
          io.cwd,
        );
        if (!result.ok) {
          io.err(`tflyte execute: task failed: ${describe(result.error)} (error.pb written)`);
          // As pyflyte-execute: the error document is the result; a non-zero exit only on request.
          return io.env.FLYTE_FAIL_ON_ERROR === 'true' ? EXIT.taskFailed : EXIT.ok;
        }
        return EXIT.ok;
      }
      case 'connector':
        return await connector(args, io);
      case 'plugins':
        await listPlugins(io);
        return EXIT.ok;
      case 'cache':
        if (args[0] !== 'clear') throw new UsageError(`cache: unknown subcommand '${args[0] ?? ''}'; use 'tflyte cache clear'`);
        await cacheClear(io);
        return EXIT.ok;
      default:
        throw new UsageError(`unknown command '${command}'; commands: run, runs, render, register, fetch, serialize, execute, plugins, cache clear, connector serve`);
    }
  } catch (error) {
    if (args.includes('--json')) io.out(formatFailure(error));
    if (exitCodeOf(error) === EXIT.stateUnavailable) {
      io.err(`tflyte: ${describe(error)}`);
      return EXIT.stateUnavailable;
    }
    if (error instanceof UsageError || (error instanceof TflyteError && isUserFixable(error))) {
      io.err(`tflyte: ${error.message}`);
      if (verbose && error.stack) io.err(error.stack);
      return EXIT.usage;
    }
    io.err(`tflyte: internal error: ${describe(error)}`);
    if (verbose && error instanceof Error && error.stack) io.err(error.stack);
    else io.err('(run with --verbose for details)');
    return EXIT.internal;
  }
}

function isUserFixable(error: TflyteError): boolean {
  return [
    'TFLYTE_INVALID_OPTION', 'TFLYTE_INVALID_SCHEMA', 'TFLYTE_INVALID_INPUT', 'TFLYTE_LITERAL_MISMATCH', 'TFLYTE_CONFIG',
    'TFLYTE_PLUGIN_NOT_FOUND', 'TFLYTE_PLUGIN_DUPLICATE', 'TFLYTE_PLUGIN_VERSION_MISMATCH', 'TFLYTE_PLUGIN_INVALID',
    'TFLYTE_STATE_CORRUPT', 'TFLYTE_STATE_CONFLICT', 'TFLYTE_STORAGE', 'TFLYTE_USAGE',
    'REMOTE_CONFIG', 'REMOTE_AUTH', 'REMOTE_VERSION_CONFLICT',
  ].includes(error.code);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Runs the CLI as a process: real stdio, exit code set on the process. */
export async function runCli(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  process.exitCode = await main(argv, {
    cwd: process.cwd(),
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    env: process.env,
    isTTY: Boolean(process.stdout.isTTY),
    exit: (code) => process.exit(code),
  });
}

// `node src/main.ts …` (the bin's fallback inside this repository, and tests) runs the CLI directly.
if (import.meta.main) await runCli();
