/** Help texts: the CLI's, each command's, and a task's (its inputs with types and defaults). */
import type { AnyType, Task } from '@tflyte/core';
import { formatResult } from './format-output.ts';

/** One command: what `tflyte <name> --help` prints and what shell completion offers. */
export interface CommandInfo {
  readonly name: string;
  readonly summary: string;
  /** Subcommands (`runs show`, `cache clear`, `completion bash`). */
  readonly subcommands?: readonly string[];
  /** Its own flags, without the task's input flags. */
  readonly flags: readonly string[];
  /** Completion of positionals: TypeScript files, or nothing. */
  readonly files?: boolean;
  /** The help text; commands that print their own (run, render, register, connector) have none here. */
  readonly help?: string;
}

export const GLOBAL_FLAGS: readonly string[] = ['--help', '--version', '--verbose'];

export const COMMANDS: readonly CommandInfo[] = [
  {
    name: 'run',
    summary: 'run a task or workflow locally (or --remote on a Flyte cluster)',
    files: true,
    flags: [
      '--json',
      '--report',
      '--inputs-file',
      '--run-id',
      '--cancel-timeout',
      '--remote',
      '--project',
      '--domain',
      '--image',
      '--version',
      '--config',
      '--help',
    ],
  },
  {
    name: 'runs',
    summary: 'list, show, resume or abandon the runs of this project',
    subcommands: ['show', 'resume', 'abandon'],
    flags: ['--all', '--json', '--cancel-timeout', '--help'],
    help: `Usage: tflyte runs [--all] [--json]
       tflyte runs show <run-id> [--json]
       tflyte runs resume <run-id> [--json] [--cancel-timeout <s>]
       tflyte runs abandon <run-id>

Without a subcommand, lists the unfinished runs of this project's state directory (--all: recent
runs of every status). 'show' prints one run's nodes and attempts; 'resume' continues an interrupted
run as 'tflyte run' would, re-attaching to its live jobs; 'abandon' deletes its live jobs through
their backends and marks it abandoned, so it is never resumed.`,
  },
  {
    name: 'report',
    summary: "write a run's HTML report",
    flags: ['--out', '--help'],
    help: `Usage: tflyte report <run-id> [--out <file.html>]

Writes the run as one self-contained HTML file: its nodes and data edges, every attempt on one time
axis, map tasks as grids, inputs and outputs, errors, log links and decks.
Default file: tflyte-report-<run-id>.html in the current directory. 'tflyte runs --all' lists run ids.`,
  },
  {
    name: 'render',
    summary: "print the Kubernetes object a task's backend would create",
    files: true,
    flags: ['--inputs-file', '--interruptible', '--version', '--image', '--help'],
  },
  {
    name: 'register',
    summary: 'register tasks on a Flyte cluster (fast registration)',
    files: true,
    flags: ['--project', '--domain', '--version', '--image', '--config', '--copy', '--connector-task-types', '--help'],
  },
  {
    name: 'fetch',
    summary: "print a remote execution's phase and outputs",
    flags: ['--project', '--domain', '--config', '--wait', '--json', '--help'],
    help: `Usage: tflyte fetch <execution-name> [--project <p>] [--domain <d>] [--config <f>] [--wait] [--json]

Prints the phase of an execution on the Flyte cluster of ~/.flyte/config.yaml (or $FLYTECTL_CONFIG,
or FLYTE_PLATFORM_URL) and, once it succeeded, its outputs typed by the registered interface.
--wait follows it until it ends.`,
  },
  {
    name: 'serialize',
    summary: 'write the TaskTemplates of a file as flytekit writes them',
    files: true,
    flags: ['--out', '--format', '--image', '--version', '--project', '--domain', '--connector-task-types', '--help'],
    help: `Usage: tflyte serialize <file.ts> [--out <dir>] [--format pb|json] [--image <ref>] [--version <v>] [--project <p>] [--domain <d>]
                        [--connector-task-types <type,…>]

Writes one TaskTemplate (as an admin TaskSpec) per task the file exports, into --out (default
_pb_output), binary protobuf (pb, the default) or proto3 JSON (json), as 'pyflyte serialize' does.

A warehouse task that propeller's built-in plugin would run wrongly or unsafely (values pasted into
the SQL) is refused, unless its task type is listed in --connector-task-types: the cluster routes
those types to a connector (propeller's connectorForTaskTypes, e.g. 'tflyte connector serve').`,
  },
  {
    name: 'execute',
    summary: "the container entrypoint Flyte's propeller calls",
    flags: [
      '--inputs',
      '--output-prefix',
      '--raw-output-data-prefix',
      '--checkpoint-path',
      '--prev-checkpoint',
      '--resolver',
      '--test',
      '--additional-distribution',
      '--dest-dir',
      '--help',
    ],
    help: `Usage: tflyte execute --inputs <uri> --output-prefix <uri> [--raw-output-data-prefix <uri>]
                      [--additional-distribution <uri> --dest-dir <dir>] -- task-module <m> task-name <n>

The entrypoint of a task's container, called by Flyte as pyflyte-execute is: reads inputs.pb, runs the
task, writes outputs.pb (or error.pb) under the output prefix. file://, s3:// and gs:// URIs (s3 and gs
need the @tflyte/storage package). Exits 0 after writing error.pb unless FLYTE_FAIL_ON_ERROR=true.`,
  },
  {
    name: 'plugins',
    summary: 'list the plugins tflyte.config.ts registers',
    flags: ['--help'],
    help: `Usage: tflyte plugins

Lists the task types the project's tflyte.config.ts registers: version, package and backend.`,
  },
  {
    name: 'cache',
    summary: 'clear cached task outputs',
    subcommands: ['clear'],
    flags: ['--help'],
    help: `Usage: tflyte cache clear

Forgets every cached task output in the project's state store, so cached tasks run again.`,
  },
  {
    name: 'connector',
    summary: 'serve the plugins to Flyte as a connector (gRPC)',
    subcommands: ['serve'],
    flags: ['--host', '--port', '--tls-cert', '--tls-key', '--metrics-port', '--max-concurrent-creates', '--shutdown-grace-ms', '--help'],
  },
  {
    name: 'init',
    summary: 'create a project: package.json, tflyte.config.ts, a first task and its test',
    flags: ['--force', '--help'],
    help: `Usage: tflyte init [dir] [--force]

Creates a tflyte project in dir (default: the current directory): package.json (with the 'node'
devDependency that brings a supported Node.js), tflyte.config.ts, tsconfig.json, a first task in
src/hello.ts with its test, and a README. Refuses to overwrite files unless --force. Then:
  npm install
  npx tflyte run src/hello.ts hello --name world`,
  },
  {
    name: 'completion',
    summary: 'print a shell completion script (bash, zsh or fish)',
    subcommands: ['bash', 'zsh', 'fish'],
    flags: ['--help'],
    help: `Usage: tflyte completion bash|zsh|fish

Prints the completion script for the shell. To install it:
  bash:  tflyte completion bash > ~/.local/share/bash-completion/completions/tflyte
  zsh:   tflyte completion zsh > "\${fpath[1]}/_tflyte"
  fish:  tflyte completion fish > ~/.config/fish/completions/tflyte.fish`,
  },
];

export function commandInfo(name: string): CommandInfo | undefined {
  return COMMANDS.find((command) => command.name === name);
}

export const MAIN_HELP = `tflyte — Flyte tasks in TypeScript

Usage: tflyte [--verbose] <command> [options]
       tflyte --version | tflyte --help | tflyte <command> --help

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(11)} ${c.summary}`).join('\n')}

Global options (before the command; everything after it belongs to the command and the task):
  --verbose      print stack traces of errors
  --version, -V  print the version
  --help, -h     print this help

Run 'tflyte run <file.ts> <task> --help' to see a task's inputs, 'tflyte run --help' for how runs resume.
Exit codes: 0 success, 1 task failed, 2 usage or input error, 70 internal error, 75 state store
unavailable, 130 cancelled.`;

export const RUN_HELP = `Usage: tflyte run [--remote] [--json] [--report] [--inputs-file <f>] [--run-id <id>] [--cancel-timeout <s>] <file.ts> <task-or-workflow> [--<input> <value> ...]

Runs a task or workflow through the executor configured by tflyte.config.ts and prints its outputs.

A run is its task, the task's version and its inputs. If a run of the same task, version and inputs
was interrupted (its process killed) in this state directory, the same command resumes it under the
same run id: jobs still live (queries, pods, containers) are re-attached, not submitted again, and
finished steps are not run again. A run that finished is not resumed: running again starts a new run.

  --run-id <id>          run (or resume) this run id; refused if it ran another task, version or inputs
  --cancel-timeout <s>   how long Ctrl-C waits for live jobs to be deleted (default 30)
  --json                 print outputs (and a failure: its code, message and details) as JSON
  --report               write the run's HTML report to <state dir>/reports/<run-id>.html
  --inputs-file <f>      inputs as a JSON or YAML object
  --remote               run it on a Flyte cluster instead (with --project, --domain, --image,
                         --version, --config; see the @tflyte/remote README). Run's flag only before
                         <file.ts>: after the task, --remote is an input of the task like any other

Ctrl-C or SIGTERM cancels and deletes live jobs; a second Ctrl-C (or the cancel timeout) exits at once
and prints the jobs left running, which the same command re-attaches to.
'tflyte runs' lists unfinished runs; 'tflyte runs resume <id>' resumes one, 'tflyte runs abandon <id>'
deletes its live jobs and marks it abandoned.`;

export function taskHelp(task: Task, file: string): string {
  const inputs = Object.entries(task.inputs as Record<string, AnyType>);
  const width = Math.max(0, ...inputs.map(([name]) => name.length));
  const lines = inputs.map(([name, type]) => {
    const parts = [`  --${name.padEnd(width)}  ${type.display}`];
    if (type.defaultValue !== undefined) parts.push(`(default: ${formatResult(type.defaultValue.value, false)})`);
    else parts.push('(required)');
    if (type.description) parts.push(`— ${type.description}`);
    return parts.join(' ');
  });
  const outputs = Object.entries(task.outputs.types as Record<string, AnyType>).map(([n, t]) => `${n}: ${t.display}`);
  return [
    `Usage: tflyte run ${file} ${task.shortName}${inputs.length ? ' [inputs]' : ''}`,
    '',
    `${task.name} (${task.kind.taskType})${task.options.docs ? ` — ${task.options.docs}` : ''}`,
    '',
    'Inputs:',
    ...(lines.length ? lines : ['  (none)']),
    '',
    `Outputs: ${outputs.length ? outputs.join(', ') : '(none)'}`,
  ].join('\n');
}
