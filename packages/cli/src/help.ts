/** Help texts: the CLI's, and a task's (its inputs with types and defaults). */
import type { AnyType, Task } from '@tflyte/core';
import { formatResult } from './format-output.ts';

export const MAIN_HELP = `tflyte — Flyte tasks in TypeScript

Usage:
  tflyte run [--json] [--verbose] [--inputs-file <f>] <file.ts> <task-or-workflow> [--<input> <value> ...]
  tflyte serialize <file.ts> [--out <dir>] [--format pb|json] [--image <ref>] [--version <v>] [--project <p>] [--domain <d>]
  tflyte execute --inputs <uri> --output-prefix <uri> [--raw-output-data-prefix <uri>] ... -- task-module <m> task-name <n>
  tflyte plugins
  tflyte cache clear

Run 'tflyte run <file.ts> <task> --help' to see a task's inputs.
Exit codes: 0 success, 1 task failed, 2 usage or input error, 70 internal error, 130 cancelled.`;

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
