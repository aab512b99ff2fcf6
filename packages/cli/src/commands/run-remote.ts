/**
 * `tflyte run --remote <file.ts> <task or workflow> --inputs…`: fast-registers it (a workflow with
 * its tasks and default launch plan), creates an execution
 * on FlyteAdmin with the typed inputs, prints the console link, follows the execution (node
 * phases on stderr), prints the outputs, and exits as a local run does (0, 1 when the task failed,
 * 130 when cancelled). Ctrl-C at a terminal asks whether to terminate the execution or detach from
 * it; without a terminal it terminates, and a second Ctrl-C detaches, leaving it to run.
 */
import { type ExecutorEvent, fromLiteralMap, type Task, toLiteralMap } from '@tflyte/core';
import type { NodeExecution } from '@tflyte/idl/admin/node_execution';
import type { TaskExecution } from '@tflyte/idl/admin/task_execution';
import {
  type ExecutionError,
  ExecutionError_ErrorKind,
  NodeExecution_Phase,
  TaskExecution_Phase,
  WorkflowExecution_Phase,
} from '@tflyte/idl/core/execution';
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
    'connector-task-types': 'string',
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
  let asking = false;
  const terminate = (): void => {
    notice(`terminating execution ${id.name}`);
    terminateExecution(remote, id, 'terminated from tflyte run (Ctrl-C)').catch((error: unknown) =>
      notice(`could not terminate ${id.name}: ${(error as Error).message}`),
    );
  };
  const detach = (): void => {
    notice(`detached; execution ${id.name} keeps running: tflyte fetch ${id.name} reads it later`);
    controller.abort();
  };
  const stdin = process.stdin;
  // A person at a terminal is asked; a script's Ctrl-C (no terminal) terminates, and a second one detaches.
  const stopAsking = (): void => {
    stdin.off('data', onKey);
    stdin.setRawMode(false);
    stdin.pause();
    asking = false;
  };
  const onKey = (key: Buffer): void => {
    stopAsking();
    const answer = key.toString().toLowerCase();
    // In raw mode Ctrl-C arrives as a key: pressed again, it detaches, as a second Ctrl-C does without a terminal.
    if (answer.startsWith('d') || answer === '\u0003') detach();
    else terminate();
  };
  const ask = (): void => {
    asking = true;
    notice(`interrupted: [t]erminate execution ${id.name}, or [d]etach and leave it running? (t/d, Enter terminates)`);
    stdin.setRawMode(true);
    stdin.resume();
    stdin.on('data', onKey);
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    signals++;
    if (asking) return;
    if (signals === 1 && signal === 'SIGINT' && io.isTTY && stdin.isTTY) ask();
    else if (signals === 1) {
      notice('interrupted (Ctrl-C again to detach and leave the execution running)');
      terminate();
    } else detach();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const seen = new Map<string, NodeSeen>();
  try {
    const execution = await waitForExecution(remote, id, {
      pollMs: opts.pollMs,
      signal: controller.signal,
      onUpdate: (_, nodes, attempts) => {
        for (const node of nodes) {
          for (const event of nodeEvents(node, attempts.get(node.id?.nodeId ?? ''), seen, id.name, opts.nodeNames)) progress.onEvent(event);
        }
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
    if (asking) stopAsking();
    progress.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** What the display has been told about a node: its phase and each attempt's. */
interface NodeSeen {
  phase: NodeExecution_Phase | undefined;
  readonly attempts: Map<number, TaskExecution_Phase>;
}

/**
 * A node execution's changes as the events a local run's executor emits: its attempts (task
 * executions, with their log links; a failed attempt followed by another is a retry) and its own
 * end. So a remote run reads like a local one.
 */
function nodeEvents(
  node: NodeExecution,
  attempts: readonly TaskExecution[] | undefined,
  seen: Map<string, NodeSeen>,
  runId: string,
  names: ReadonlyMap<string, string> | undefined,
): ExecutorEvent[] {
  const nodeId = node.id?.nodeId ?? '?';
  const phase = node.closure?.phase ?? NodeExecution_Phase.UNDEFINED;
  const base = { runId, nodeId, task: names?.get(nodeId) ?? names?.get(nodeId.replace(/-\d+$/, '')) ?? nodeId, at: Date.now() };
  const events: ExecutorEvent[] = [];
  let state = seen.get(nodeId);
  if (state === undefined) {
    state = { phase: undefined, attempts: new Map() };
    seen.set(nodeId, state);
    events.push({ ...base, type: 'run-started', taskType: '', taskTypeVersion: 0, backend: 'flyte', inProcess: false });
  }
  const sorted = [...(attempts ?? [])].sort((x, y) => (x.id?.retryAttempt ?? 0) - (y.id?.retryAttempt ?? 0));
  const failure = (error: ExecutionError | undefined, fallback: string) => ({
    kind: error?.kind === ExecutionError_ErrorKind.SYSTEM ? ('system' as const) : ('user' as const),
    code: error?.code ?? fallback,
    message: error?.message.split('\n')[0] ?? '',
  });
  for (const [i, attempt] of sorted.entries()) {
    const number = (attempt.id?.retryAttempt ?? 0) + 1;
    const p = attempt.closure?.phase ?? TaskExecution_Phase.UNDEFINED;
    if (state.attempts.get(number) === p) continue;
    const first = !state.attempts.has(number);
    state.attempts.set(number, p);
    const logs = (attempt.closure?.logs ?? []).map((l) => ({ name: l.name, uri: l.uri }));
    const ended = p === TaskExecution_Phase.SUCCEEDED || p === TaskExecution_Phase.FAILED;
    // An attempt first seen already ended (it ran between two polls) still shows where its logs are.
    if (first && ended && logs.length > 0) {
      const running = TaskExecution_Phase.RUNNING;
      events.push({
        ...base,
        type: 'status-changed',
        attempt: number,
        phase: running,
        phaseName: TaskExecution_Phase[running],
        message: undefined,
        logs,
      });
    }
    const later = i < sorted.length - 1 || phase === NodeExecution_Phase.RUNNING;
    if (p === TaskExecution_Phase.FAILED && later) {
      const error = attempt.closure?.outputResult.case === 'error' ? attempt.closure.outputResult.value : undefined;
      const f = failure(error, 'FAILED');
      events.push({ ...base, type: 'attempt-failed', attempt: number, ...f, retryable: true });
      events.push({ ...base, type: 'retry-scheduled', nextAttempt: number + 1, kind: f.kind, userRetriesLeft: 0, systemRetriesLeft: 0 });
    } else if (!ended) {
      events.push({
        ...base,
        type: 'status-changed',
        attempt: number,
        phase: p,
        phaseName: TaskExecution_Phase[p],
        message: undefined,
        logs,
      });
    }
  }
  if (state.phase === phase) return events;
  state.phase = phase;
  const tries = Math.max(1, sorted.length);
  const error = node.closure?.outputResult.case === 'error' ? node.closure.outputResult.value : undefined;
  switch (phase) {
    case NodeExecution_Phase.SUCCEEDED:
      events.push({ ...base, type: 'succeeded', attempts: tries, fromCache: false });
      break;
    case NodeExecution_Phase.FAILED:
    case NodeExecution_Phase.TIMED_OUT:
      events.push({ ...base, type: 'attempt-failed', attempt: tries, ...failure(error, NodeExecution_Phase[phase]), retryable: false });
      break;
    case NodeExecution_Phase.ABORTED:
      events.push({ ...base, type: 'cancelled', attempt: undefined });
      break;
    default:
      // Without attempts yet, the node's own phase is what there is to show.
      if (sorted.length === 0)
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
