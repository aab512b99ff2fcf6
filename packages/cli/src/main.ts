/**
 * The `tflyte` command. Errors a user can fix print as one line and exit 2 (usage) or 1 (the task
 * failed); anything else is internal (exit 70) and shows its stack only with --verbose.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { TflyteError } from '@tflyte/core';
import { parseArgv } from './argv.ts';
import { formatFailure } from './format-output.ts';
import { commandInfo, MAIN_HELP, RUN_HELP } from './help.ts';
import { EXIT, exitCodeOf, UsageError } from './usage-error.ts';

export interface Io {
  readonly cwd: string;
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  readonly env: NodeJS.ProcessEnv;
  /** Whether stderr, where progress is drawn, is a terminal. */
  readonly isTTY: boolean;
  /** Ends the process now (a forced exit after Ctrl-C); without it, the command returns its code. */
  readonly exit?: (code: number) => void;
}

export async function main(argv: readonly string[], io: Io): Promise<number> {
  let globals: GlobalFlags;
  try {
    globals = parseGlobalFlags(argv);
  } catch (error) {
    io.err(`tflyte: ${describe(error)}`);
    return EXIT.usage;
  }
  const { verbose, command } = globals;
  let args = globals.args;
  if (globals.version) {
    io.out(cliVersion());
    return EXIT.ok;
  }
  if (globals.help || command === 'help') {
    const topic = command === 'help' ? args[0] : undefined;
    return await printHelp(topic, io);
  }
  try {
    // --help and -h answer for every command and run nothing: the commands that print help of their
    // own (run and render also a task's inputs) get --help, the others print their text here.
    if (command !== undefined && asksForHelp(args)) {
      const info = commandInfo(command);
      if (info?.help !== undefined) {
        io.out(info.help);
        return EXIT.ok;
      }
      args = args.map((arg, i) => (arg === '-h' && !takesValue(args[i - 1]) ? '--help' : arg));
    }
    switch (command) {
      case undefined:
        io.out(MAIN_HELP);
        return EXIT.usage;
      case 'completion': {
        const [shell, extra] = args;
        if (extra !== undefined) throw new UsageError(`completion: unexpected argument '${extra}'`);
        const { completionScript } = await import('./commands/completion.ts');
        io.out(completionScript(shell).trimEnd());
        return EXIT.ok;
      }
      case 'init': {
        const { init } = await import('./commands/init.ts');
        return await init(args, io);
      }
      // Each command is imported when it runs: `run` should not load the admin client, the connector
      // server or the report's renderer (together over a hundred modules) that other commands need.
      case 'run':
        return await (await import('./commands/run.ts')).run(args, io);
      case 'runs':
        return await (await import('./commands/runs.ts')).runs(args, io);
      case 'report':
        return await (await import('./commands/report.ts')).report(args, io);
      case 'render':
        return await (await import('./commands/render.ts')).render(args, io);
      case 'register':
        return await (await import('./commands/register.ts')).register(args, io);
      case 'fetch':
        return await (await import('./commands/fetch.ts')).fetchExecution(args, io);
      case 'serialize': {
        const spec = {
          out: 'string',
          format: 'string',
          image: 'string',
          version: 'string',
          project: 'string',
          domain: 'string',
          'connector-task-types': 'string',
        } as const;
        const { options, positionals } = parseArgv('serialize', args, spec, Number.POSITIVE_INFINITY);
        const [file, extra] = positionals;
        if (extra !== undefined) throw new UsageError(`serialize: unexpected argument '${extra}'`);
        if (!file) throw new UsageError('serialize: which file? tflyte serialize <file.ts> [--out dir] [--format pb|json]');
        const format = (options.format ?? 'pb') as string;
        if (format !== 'pb' && format !== 'json') throw new UsageError(`serialize: --format must be pb or json, got '${format}'`);
        const { serialize } = await import('./commands/serialize.ts');
        await serialize(
          {
            file,
            out: (options.out as string | undefined) ?? '_pb_output',
            format,
            ...(typeof options.image === 'string' ? { image: options.image } : {}),
            ...(typeof options.version === 'string' ? { version: options.version } : {}),
            ...(typeof options.project === 'string' ? { project: options.project } : {}),
            ...(typeof options.domain === 'string' ? { domain: options.domain } : {}),
            ...(typeof options['connector-task-types'] === 'string'
              ? {
                  connectorTaskTypes: options['connector-task-types']
                    .split(',')
                    .map((type) => type.trim())
                    .filter(Boolean),
                }
              : {}),
          },
          io.cwd,
          io.out,
        );
        return EXIT.ok;
      }
      case 'execute': {
        const spec = {
          inputs: 'string',
          'output-prefix': 'string',
          'raw-output-data-prefix': 'string',
          'checkpoint-path': 'string',
          'prev-checkpoint': 'string',
          resolver: 'string',
          test: 'boolean',
          'additional-distribution': 'string',
          'dest-dir': 'string',
        } as const;
        const { options, positionals, rest } = parseArgv('execute', args, spec, Number.POSITIVE_INFINITY);
        if (positionals.length > 0) throw new UsageError(`execute: unexpected argument '${positionals[0]}'; loader args go after --`);
        if (typeof options.inputs !== 'string' || typeof options['output-prefix'] !== 'string') {
          throw new UsageError('execute: --inputs and --output-prefix are required');
        }
        // The resolver flag is pyflyte-execute's, accepted so propeller's command line parses: the
        // resolver is always ours.
        const { execute } = await import('./commands/execute.ts');
        const result = await execute(
          {
            inputs: options.inputs,
            outputPrefix: options['output-prefix'],
            rawOutputDataPrefix: options['raw-output-data-prefix'] as string | undefined,
            loaderArgs: rest,
            additionalDistribution: options['additional-distribution'] as string | undefined,
            destDir: options['dest-dir'] as string | undefined,
            checkpointPath: options['checkpoint-path'] as string | undefined,
            prevCheckpoint: options['prev-checkpoint'] as string | undefined,
          },
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
        return await (await import('./commands/connector.ts')).connector(args, io);
      case 'plugins': {
        const { positionals } = parseArgv('plugins', args, {}, Number.POSITIVE_INFINITY);
        if (positionals.length > 0) throw new UsageError(`plugins: unexpected argument '${positionals[0]}'`);
        await (await import('./commands/plugins.ts')).listPlugins(io);
        return EXIT.ok;
      }
      case 'cache': {
        const { positionals } = parseArgv('cache', args, {}, Number.POSITIVE_INFINITY);
        if (positionals[0] !== 'clear' || positionals.length > 1)
          throw new UsageError(`cache: unknown subcommand '${positionals.join(' ')}'; use 'tflyte cache clear'`);
        await (await import('./commands/cache.ts')).cacheClear(io);
        return EXIT.ok;
      }
      default:
        throw new UsageError(`unknown command '${command}'; 'tflyte --help' lists the commands`);
    }
  } catch (error) {
    if (wantsJson(args)) io.out(formatFailure(error));
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

interface GlobalFlags {
  readonly verbose: boolean;
  readonly help: boolean;
  readonly version: boolean;
  readonly command: string | undefined;
  /** Everything after the command: its own options, positionals and the task's input flags. */
  readonly args: readonly string[];
}

const GLOBAL_OPTIONS = {
  verbose: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'V' },
} as const;

/**
 * Global flags are read before the command only, so a task input named `verbose` or `version` is the
 * task's: `tflyte --verbose run f.ts t --verbose 3`.
 */
function parseGlobalFlags(argv: readonly string[]): GlobalFlags {
  const at = argv.findIndex((arg) => !arg.startsWith('-') || arg === '-');
  const head = at === -1 ? [...argv] : argv.slice(0, at);
  let values: { verbose?: boolean; help?: boolean; version?: boolean };
  try {
    ({ values } = parseArgs({ args: head, options: GLOBAL_OPTIONS, strict: true, allowPositionals: false }));
  } catch {
    const bad = head.find((arg) => !['--verbose', '--help', '-h', '--version', '-V'].includes(arg)) ?? head[0];
    throw new UsageError(
      `unknown global option ${bad}; global options are --verbose, --version and --help, before the command ('tflyte --help' lists the commands)`,
    );
  }
  return {
    verbose: values.verbose === true,
    help: values.help === true,
    version: values.version === true,
    command: at === -1 ? undefined : argv[at],
    args: at === -1 ? [] : argv.slice(at + 1),
  };
}

/** `--help` or `-h` in the command's part of the line: before `--`, and not as the value of a flag. */
function asksForHelp(args: readonly string[]): boolean {
  const end = args.indexOf('--');
  return args.slice(0, end === -1 ? undefined : end).some((arg, i) => arg === '--help' || (arg === '-h' && !takesValue(args[i - 1])));
}

/** A bare `--name` may be waiting for its value, so a `-h` after it is that value. */
function takesValue(previous: string | undefined): boolean {
  return previous?.startsWith('--') === true && !previous.includes('=') && previous !== '--help';
}

async function printHelp(topic: string | undefined, io: Io): Promise<number> {
  if (topic === undefined) {
    io.out(MAIN_HELP);
    return EXIT.ok;
  }
  const info = commandInfo(topic);
  if (info === undefined) {
    io.err(`tflyte: no command '${topic}'; 'tflyte --help' lists the commands`);
    return EXIT.usage;
  }
  // The commands whose help lives with them, loaded only to print it.
  const text =
    info.help ??
    (topic === 'run'
      ? RUN_HELP
      : topic === 'render'
        ? (await import('./commands/render.ts')).RENDER_HELP
        : topic === 'register'
          ? (await import('./commands/register.ts')).REGISTER_HELP
          : (await import('./commands/connector.ts')).CONNECTOR_HELP);
  io.out(text);
  return EXIT.ok;
}

export function cliVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

function isUserFixable(error: TflyteError): boolean {
  return [
    'TFLYTE_INVALID_OPTION',
    'TFLYTE_INVALID_SCHEMA',
    'TFLYTE_INVALID_INPUT',
    'TFLYTE_LITERAL_MISMATCH',
    'TFLYTE_CONFIG',
    'TFLYTE_PLUGIN_NOT_FOUND',
    'TFLYTE_PLUGIN_DUPLICATE',
    'TFLYTE_PLUGIN_VERSION_MISMATCH',
    'TFLYTE_PLUGIN_INVALID',
    'TFLYTE_STATE_CORRUPT',
    'TFLYTE_STATE_CONFLICT',
    'TFLYTE_STORAGE',
    'TFLYTE_USAGE',
    'TFLYTE_WORKFLOW_NOT_STATIC',
    'REMOTE_COMPILE',
    'REMOTE_CONFIG',
    'REMOTE_AUTH',
    'REMOTE_VERSION_CONFLICT',
  ].includes(error.code);
}

/** `--json` among the command's own options (before the task's input flags, which may have a `json`). */
function wantsJson(args: readonly string[]): boolean {
  const end = args.indexOf('--');
  return args.slice(0, end === -1 ? undefined : end).includes('--json');
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
    // Progress goes to stderr, so whether it may redraw depends on stderr (`tflyte run … | jq` keeps the live display).
    isTTY: Boolean(process.stderr.isTTY),
    exit: (code) => process.exit(code),
  });
}

// `node src/main.ts …` (the bin's fallback inside this repository, and tests) runs the CLI directly.
if (import.meta.main) await runCli();
