/**
 * `tflyte fetch <execution> [--project P] [--domain D] [--wait] [--json]`: a remote execution's
 * phase and, once it succeeded, its outputs, typed by the registered task's interface (fetch does
 * not load the task's module).
 */

import { typeFromLiteralType } from '@tflyte/core';
import { WorkflowExecution_Phase } from '@tflyte/idl/core/execution';
import { connectRemote, executionId, executionOutputs, getExecution, launchedOutputs, loadRemoteConfig } from '@tflyte/remote';
import { parseArgv } from '../argv.ts';
import { formatResult } from '../format-output.ts';
import type { Io } from '../main.ts';
import { EXIT, UsageError } from '../usage-error.ts';
import { remoteTarget } from './register.ts';
import { follow } from './run-remote.ts';

export async function fetchExecution(args: readonly string[], io: Io): Promise<number> {
  const spec = { project: 'string', domain: 'string', config: 'string', wait: 'boolean', json: 'boolean' } as const;
  const { options, positionals } = parseArgv('fetch', args, spec, 1);
  const [name] = positionals;
  if (!name) throw new UsageError('fetch: which execution? tflyte fetch <execution-name> [--project P] [--domain D] [--wait]');
  const remote = connectRemote(
    loadRemoteConfig({ env: io.env, cwd: io.cwd, ...(typeof options.config === 'string' ? { configFile: options.config } : {}) }),
  );
  const target = remoteTarget(options, io.env);
  const id = executionId(target.project, target.domain, name);
  if (options.wait) return follow(remote, id, undefined, { json: Boolean(options.json), pollMs: 1000 }, io);
  const execution = await getExecution(remote, id);
  const phase = execution.closure?.phase ?? WorkflowExecution_Phase.UNDEFINED;
  io.err(`tflyte: execution ${name} ${WorkflowExecution_Phase[phase]}`);
  if (phase !== WorkflowExecution_Phase.SUCCEEDED) return phase === WorkflowExecution_Phase.FAILED ? EXIT.taskFailed : EXIT.ok;
  const outputs = await executionOutputs(remote, id);
  // The registered entity's interface (a task's, or a launch plan's workflow's) types the outputs, so they print as local values do.
  const variables = await launchedOutputs(remote, execution);
  const values: Record<string, unknown> = {};
  for (const [key, literal] of Object.entries(outputs?.literals ?? {})) {
    const type = variables[key]?.type;
    values[key] = type === undefined ? undefined : typeFromLiteralType(type).fromLiteral(literal, key);
  }
  const keys = Object.keys(values);
  io.out(formatResult(keys.length === 1 && keys[0] === 'o0' ? values.o0 : values, Boolean(options.json)));
  return EXIT.ok;
}
