/** Help texts: the CLI's, and a task's (its inputs with types and defaults). */
import type { AnyType, Task } from '@tflyte/core';
import { formatResult } from './format-output.ts';

export const MAIN_HELP = `tflyte — Flyte tasks in TypeScript

Usage:
  tflyte run [--json] [--report] [--verbose] [--inputs-file <f>] [--run-id <id>] [--cancel-timeout <s>] <file.ts> <task-or-workflow> [--<input> <value> ...]
  tflyte runs [--all] [--json] | tflyte runs show <run-id> [--json] | tflyte runs resume <run-id> [--json] | tflyte runs abandon <run-id>
  tflyte report <run-id> [--out <file.html>]
  tflyte run --remote [--project <p>] [--domain <d>] [--image <ref>] [--version <v>] [--config <f>] <file.ts> <task> [--<input> <value> ...]
  tflyte register <files or dirs> [--project <p>] [--domain <d>] [--version <v>] [--image <ref>] [--config <f>]
  tflyte fetch <execution> [--project <p>] [--domain <d>] [--wait] [--json]
  tflyte serialize <file.ts> [--out <dir>] [--format pb|json] [--image <ref>] [--version <v>] [--project <p>] [--domain <d>]
  tflyte execute --inputs <uri> --output-prefix <uri> [--raw-output-data-prefix <uri>] ... -- task-module <m> task-name <n>
  tflyte plugins
  tflyte connector serve [--host <a>] [--port <n>] [--tls-cert <f> --tls-key <f>] [--metrics-port <n|off>] ... (--help for all)
  tflyte cache clear

Run 'tflyte run <file.ts> <task> --help' to see a task's inputs, 'tflyte run --help' for how runs resume.
Exit codes: 0 success, 1 task failed, 2 usage or input error, 70 internal error, 130 cancelled.`;

export const RUN_HELP = `Usage: tflyte run [--json] [--report] [--inputs-file <f>] [--run-id <id>] [--cancel-timeout <s>] <file.ts> <task-or-workflow> [--<input> <value> ...]

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
