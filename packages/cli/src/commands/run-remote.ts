/**
 * `tflyte run --remote <file.ts> <task or workflow> --inputs…`: fast-registers it (a workflow with
 * its tasks and default launch plan), creates an execution
 * on FlyteAdmin with the typed inputs, prints the console link, follows the execution (node
 * phases on stderr), prints the outputs, and exits as a local run does (0, 1 when the task failed,
 * 130 when cancelled). Ctrl-C terminates the execution; a second Ctrl-C detaches, leaving it to run.
 */
import { type ExecutorEvent, fromLiteralMap, type Task, toLiteralMap } from '@tflyte/core';
import type { NodeExecution } from '@tflyte/idl/admin/node_execution';
import { ExecutionError_ErrorKind, NodeExecution_Phase, WorkflowExecution_Phase } from '@tflyte/idl/core/execution';
import type { WorkflowExecutionIdentifier } from '@tflyte/idl/core/identifier';
import {
  connectRemote,
  consoleLink,
  createExecution,
  executionOutputs,
  type FlyteRemote,
  loadRemoteConfig,
  terminateExecution,
  waitForExecution,
} from '@tflyte/remote';
import { parseArgv } from '../argv.ts';
import { formatResult } from '../format-output.ts';
import { parseInputFlags } from '../input-flags.ts';
import { findEntity, loadModule } from '../load-entity.ts';
import type { Io } from '../main.ts';
import { createProgress, everySecond } from '../progress.ts';
import { EXIT, UsageError } from '../usage-error.ts';
import { copyMode, fastRegister, remoteTarget } from './register.ts';

export async function runRemote(args: readonly string[], io: Io): Promise<number> {
  const spec = {
    json: 'boolean',
    'inputs-file': 'string',
    project: 'string',
    domain: 'string',
    version: 'string',
    image: 'string',
    config: 'string',
    name: 'string',
    'poll-interval': 'string',
    'no-wait': 'boolean',
    copy: 'string',
  } as const;
  const { options, positionals, rest } = parseArgv('run --remote', args, spec, 2);
  const [file, name] = positionals;
  if (!file || !name)
    throw new UsageError('run --remote: expected <file.ts> <task>, e.g. tflyte run --remote examples/basics.ts mean --values "[1, 2]"');
  const module = await loadModule(file, io.cwd);
  const task = findEntity(module, file, name);
  if (task.kind.composite && !task.kind.workflow)
    throw new UsageError(
      `run --remote: '${name}' is a map task; run it inside a workflow (map tasks register as the workflow's array nodes)`,
    );
  const inputs = parseInputFlags(task, rest, io.cwd, options['inputs-file'] as string | undefined);
  const remote = connectRemote(
    loadRemoteConfig({ env: io.env, cwd: io.cwd, ...(typeof options.config === 'string' ? { configFile: options.config } : {}) }),
  );
  const target = remoteTarget(options, io.env);
  // As pyflyte run: only the modules the run loads are shipped (`--copy all` ships the project).
  const registration = await fastRegister(remote, task.site.root, [task], target, io.err, copyMode(options.copy, 'auto'));
  // A workflow runs through its default launch plan; a task as a single-task execution (its own id).
  const entity = task.kind.workflow ? registration.workflows[0]!.compiled.launchPlan.id! : registration.tasks[0]!.template.id!;
  const id = await createExecution(remote, {
    project: target.project,
    domain: target.domain,
    entity,
    inputs: toLiteralMap(task.inputs, inputs),
    ...(typeof options.name === 'string' ? { name: options.name } : {}),
  });
  io.err(`tflyte: go to ${consoleLink(remote, id)} to see execution in the console.`);
  if (options['no-wait']) {
    io.out(id.name);
    return EXIT.ok;
  }
  const pollMs = options['poll-interval'] === undefined ? 1000 : Number(options['poll-interval']) * 1000;
  if (!(pollMs > 0))
    throw new UsageError(`run --remote: --poll-interval must be a positive number of seconds, got '${String(options['poll-interval'])}'`);
  const nodeNames = new Map(
    task.kind.workflow
      ? registration.workflows[0]!.compiled.spec.template!.nodes.map((n) => [n.id, n.metadata?.name || n.id] as const)
      : [['n0', task.shortName] as const],
  );
  return follow(remote, id, task, { json: Boolean(options.json), pollMs, nodeNames }, io);
}

/** Follows an execution to its end and prints its outputs; shared with `tflyte fetch --wait`. */
export async function follow(
  remote: FlyteRemote,
  id: WorkflowExecutionIdentifier,
  task: Pick<Task, 'outputs'> | undefined,
  opts: { json: boolean; pollMs: number; nodeNames?: ReadonlyMap<string, string> },
  io: Io,
): Promise<number> {
  // The same display as a local run: each node execution's phase changes become the executor's events.
  const progress = createProgress({
    isTTY: io.isTTY,
    color: io.isTTY && !io.env.NO_COLOR,
    write: (text) => io.err(text.replace(/\n$/, '')),
    ...(io.isTTY ? { every: everySecond } : {}),
  });
  // Said through the display, so a tick never redraws over it.
  const notice = (text: string) => progress.note(`tflyte: ${text}`);
  const controller = new AbortController();
  let signals = 0;
  const onSignal = (): void => {
    signals++;
    if (signals === 1) {
      notice(`interrupted: terminating execution ${id.name} (Ctrl-C again to detach and leave it running)`);
      terminateExecution(remote, id, 'terminated from tflyte run (Ctrl-C)').catch((error: unknown) =>
        notice(`could not terminate ${id.name}: ${(error as Error).message}`),
      );
    } else {
      notice(`detached; execution ${id.name} keeps running: tflyte fetch ${id.name} reads it later`);
      controller.abort();
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const seen = new Map<string, NodeExecution_Phase>();
  try {
    const execution = await waitForExecution(remote, id, {
      pollMs: opts.pollMs,
      signal: controller.signal,
      onUpdate: (_, nodes) => {
        for (const node of nodes) for (const event of nodeEvents(node, seen, id.name, opts.nodeNames)) progress.onEvent(event);
      },
    }).catch((error: unknown) => {
      if (controller.signal.aborted) return undefined;
      throw error;
    });
    if (execution === undefined) return EXIT.cancelled;
    const closure = execution.closure!;
    if (closure.phase === WorkflowExecution_Phase.SUCCEEDED) {
      const outputs = await executionOutputs(remote, id);
      io.out(
        formatOutputs(outputs === undefined ? {} : task ? fromLiteralMap(task.outputs.types, outputs) : outputs.literals, task, opts.json),
      );
      return EXIT.ok;
    }
    const phase = WorkflowExecution_Phase[closure.phase];
    if (closure.phase === WorkflowExecution_Phase.ABORTED) {
      io.err(`tflyte: execution ${id.name} ${phase}${closure.outputResult.case === 'abortCause' ? `: ${closure.outputResult.value}` : ''}`);
      return EXIT.cancelled;
    }
    const error = closure.outputResult.case === 'error' ? closure.outputResult.value : undefined;
    io.err(`tflyte: execution ${id.name} ${phase}${error ? `: ${error.code}: ${error.message.split('\n')[0]}` : ''}`);
    return EXIT.taskFailed;
  } finally {
    progress.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** A node execution's new phase as the events a local run's executor emits for it (one attempt per node here). */
function nodeEvents(
  node: NodeExecution,
  seen: Map<string, NodeExecution_Phase>,
  runId: string,
  names: ReadonlyMap<string, string> | undefined,
): ExecutorEvent[] {
  const nodeId = node.id?.nodeId ?? '?';
  const phase = node.closure?.phase ?? NodeExecution_Phase.UNDEFINED;
  const before = seen.get(nodeId);
  if (before === phase) return [];
  seen.set(nodeId, phase);
  const base = { runId, nodeId, task: names?.get(nodeId) ?? names?.get(nodeId.replace(/-\d+$/, '')) ?? nodeId, at: Date.now() };
  const events: ExecutorEvent[] = [];
  if (before === undefined)
    events.push({ ...base, type: 'run-started', taskType: '', taskTypeVersion: 0, backend: 'flyte', inProcess: false });
  const closure = node.closure;
  const error = closure?.outputResult.case === 'error' ? closure.outputResult.value : undefined;
  switch (phase) {
    case NodeExecution_Phase.SUCCEEDED:
      events.push({ ...base, type: 'succeeded', attempts: 1, fromCache: false });
      break;
    case NodeExecution_Phase.FAILED:
    case NodeExecution_Phase.TIMED_OUT:
      events.push({
        ...base,
        type: 'attempt-failed',
        attempt: 1,
        kind: error?.kind === ExecutionError_ErrorKind.USER ? 'user' : 'system',
        code: error?.code ?? NodeExecution_Phase[phase],
        message: error?.message.split('\n')[0] ?? '',
        retryable: false,
      });
      break;
    case NodeExecution_Phase.ABORTED:
      events.push({ ...base, type: 'cancelled', attempt: undefined });
      break;
    default:
      events.push({
        ...base,
        type: 'status-changed',
        attempt: 1,
        phase,
        phaseName: NodeExecution_Phase[phase],
        message: undefined,
        logs: [],
      });
  }
  return events;
}

/** The outputs as a local run prints them: a single output as its value, several as a record. */
function formatOutputs(values: Record<string, unknown>, task: Pick<Task, 'outputs'> | undefined, json: boolean): string {
  if (task?.outputs.shape === 'single') return formatResult(values.o0, json);
  if (task?.outputs.shape === 'none') return formatResult(undefined, json);
  return formatResult(values, json);
}
