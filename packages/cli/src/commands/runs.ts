/**
 * `tflyte runs`: the runs of this project's state directory. Without a subcommand it lists the
 * unfinished ones (`--all`: recent ones of every status); `resume <id>` continues one as
 * `tflyte run` would, re-attaching to its live jobs; `abandon <id>` deletes its live jobs through
 * their backends and marks it abandoned, so it is never resumed. `--remote` lists a Flyte cluster's
 * executions instead.
 */

import { timestampDate } from '@bufbuild/protobuf/wkt';
import { fromLiteralMap, openSession, type RunRecord, type Session } from '@tflyte/core';
import { WorkflowExecution_Phase } from '@tflyte/idl/core/execution';
import { ResourceType } from '@tflyte/idl/core/identifier';
import { duration, type RunSummary, type RunView, runView, summarizeRun } from '@tflyte/report';
import { parseArgv } from '../argv.ts';
import { findEntity, loadModule } from '../load-entity.ts';
import type { Io } from '../main.ts';
import { EXIT, UsageError } from '../usage-error.ts';
import { runTask } from './run.ts';

const USAGE =
  "runs: use 'tflyte runs [--all] [--json]', 'tflyte runs --remote [--project P] [--domain D] [--limit N] [--json]', 'tflyte runs show <run-id> [--json]', 'tflyte runs resume <run-id> [--json]' or 'tflyte runs abandon <run-id>'";
const SUBCOMMANDS = ['show', 'resume', 'abandon'];

export async function runs(args: readonly string[], io: Io): Promise<number> {
  const { options, positionals } = parseArgv(
    'runs',
    args,
    {
      all: 'boolean',
      json: 'boolean',
      'cancel-timeout': 'string',
      remote: 'boolean',
      project: 'string',
      domain: 'string',
      config: 'string',
      limit: 'string',
    },
    3,
  );
  const [subcommand, runId, extra] = positionals;
  if (options.remote) {
    if (subcommand !== undefined)
      throw new UsageError(`runs --remote lists executions; 'tflyte fetch <execution>' reads one (got '${subcommand}')`);
    return remoteRuns(options, io);
  }
  if (extra !== undefined || (subcommand !== undefined && !SUBCOMMANDS.includes(subcommand))) throw new UsageError(USAGE);
  if (subcommand !== undefined && runId === undefined) throw new UsageError(`runs ${subcommand}: which run? ${USAGE.slice(6)}`);
  const session = await openSession({ cwd: io.cwd });
  try {
    if (subcommand === undefined) {
      if (options.json) listJson(session, Boolean(options.all), io);
      else list(session, Boolean(options.all), io);
      return EXIT.ok;
    }
    const run = session.runs.get(runId!);
    if (run === undefined)
      throw new UsageError(`runs ${subcommand}: no run '${runId}' in ${session.store.path}; 'tflyte runs --all' lists them`);
    if (subcommand === 'show') {
      show(runView(session, run.runId), Boolean(options.json), io);
      return EXIT.ok;
    }
    if (subcommand === 'abandon') return await abandon(session, run, io);
    const task = findEntity(await loadModule(run.file, io.cwd), run.file, run.exportName);
    const inputs = fromLiteralMap(task.inputs, session.inputsOf(run));
    const seconds = options['cancel-timeout'] === undefined ? 30 : Number(options['cancel-timeout']);
    if (!Number.isFinite(seconds) || seconds <= 0)
      throw new UsageError(`runs resume: --cancel-timeout must be a positive number of seconds`);
    return await runTask(
      session,
      {
        task,
        file: run.file,
        exportName: run.exportName,
        inputs,
        runId: run.runId,
        json: Boolean(options.json),
        cancelTimeoutMs: seconds * 1000,
      },
      io,
    );
  } finally {
    session.close();
  }
}

/**
 * `tflyte runs --remote`: the project's and domain's executions on the Flyte cluster (AdminService.ListExecutions),
 * newest first, with their phase, what they launched and when; `--json` gives the same as objects.
 */
async function remoteRuns(options: Record<string, string | boolean | undefined>, io: Io): Promise<number> {
  const limit = options.limit === undefined ? 50 : Number(options.limit);
  if (!Number.isInteger(limit) || limit < 1)
    throw new UsageError(`runs --remote: --limit must be a positive integer, got '${String(options.limit)}'`);
  // Loaded here so local `tflyte runs` does not pay for the gRPC client at start-up.
  const { consoleLink, connectRemote, listExecutions, loadRemoteConfig } = await import('@tflyte/remote');
  const { remoteTarget } = await import('./register.ts');
  const remote = connectRemote(
    loadRemoteConfig({ env: io.env, cwd: io.cwd, ...(typeof options.config === 'string' ? { configFile: options.config } : {}) }),
  );
  const target = remoteTarget(options, io.env);
  const executions = await listExecutions(remote, target.project, target.domain, { limit });
  const views = executions.map((e) => {
    const closure = e.closure;
    const entity = e.spec?.launchPlan;
    const created = closure?.createdAt ? timestampDate(closure.createdAt).toISOString() : undefined;
    const error = closure?.outputResult.case === 'error' ? closure.outputResult.value : undefined;
    return {
      name: e.id?.name ?? '',
      project: e.id?.project ?? '',
      domain: e.id?.domain ?? '',
      phase: WorkflowExecution_Phase[closure?.phase ?? WorkflowExecution_Phase.UNDEFINED],
      launched: entity
        ? { type: entity.resourceType === ResourceType.TASK ? 'task' : 'launch plan', name: entity.name, version: entity.version }
        : undefined,
      ...(created === undefined ? {} : { createdAt: created }),
      ...(error ? { error: { code: error.code, message: error.message } } : {}),
      url: e.id ? consoleLink(remote, e.id) : '',
    };
  });
  if (options.json) {
    io.out(JSON.stringify(views, null, 2));
    return EXIT.ok;
  }
  if (views.length === 0) {
    io.err(`tflyte: no executions in ${target.project}/${target.domain}`);
    return EXIT.ok;
  }
  const rows = [
    ['NAME', 'PHASE', 'CREATED', 'LAUNCHED'],
    ...views.map((v) => [
      v.name,
      v.phase,
      v.createdAt ?? '',
      v.launched ? `${v.launched.type} ${v.launched.name} (${v.launched.version})` : '',
    ]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  for (const row of rows) io.out(row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  '));
  return EXIT.ok;
}

function list(session: Session, all: boolean, io: Io): void {
  const records = session.runs.list({ unfinished: !all });
  if (records.length === 0) {
    io.err(all ? 'tflyte: no runs recorded' : "tflyte: no unfinished runs ('tflyte runs --all' lists finished ones too)");
    return;
  }
  const live = new Map<string, number>();
  for (const a of session.store.listAttemptsByStatus(['creating', 'running'])) live.set(a.runId, (live.get(a.runId) ?? 0) + 1);
  const rows = [
    ['RUN ID', 'STATUS', 'STARTED', 'DURATION', 'ATTEMPTS', 'CACHE HITS', 'LIVE JOBS', 'TASK'],
    ...records.map((r: RunRecord) => {
      const summary = summaryOf(session, r);
      return [
        r.runId,
        r.status === 'running' ? 'unfinished' : r.status,
        summary.startedAt,
        duration(summary.durationMs),
        String(summary.attempts),
        String(summary.cacheHits),
        String(live.get(r.runId) ?? 0),
        `${r.entity} (${r.exportName} in ${r.file})`,
      ];
    }),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  for (const row of rows) io.out(row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  '));
}

async function abandon(session: Session, run: RunRecord, io: Io): Promise<number> {
  const jobs = await session.abandonRun(run.runId);
  for (const job of jobs) {
    const what = `job ${job.generatedName} (${job.task}, node ${job.nodeId}, attempt ${job.attempt}, ${job.backend})`;
    io.err(job.deleted ? `tflyte: deleted ${what}` : `tflyte: could not delete ${what}: ${job.problem ?? 'unknown error'}`);
  }
  const failed = jobs.filter((job) => !job.deleted).length;
  if (failed > 0) {
    io.err(`tflyte: run ${run.runId} still has ${failed} live job(s); it stays unfinished (try 'tflyte runs abandon ${run.runId}' again)`);
    return EXIT.taskFailed;
  }
  io.err(`tflyte: run ${run.runId} abandoned (${jobs.length} live job(s) deleted)`);
  return EXIT.ok;
}

/** Runs as JSON: each with its task, status, start, duration, attempts and cache hits (when its history was recorded). */
function listJson(session: Session, all: boolean, io: Io): void {
  const records = session.runs.list({ unfinished: !all });
  io.out(
    JSON.stringify(
      records.map((r) => summaryOf(session, r)),
      null,
      2,
    ),
  );
}

/** The run's status is its record's (an unfinished run's view may show a node's last phase). */
function summaryOf(session: Session, r: RunRecord): RunSummary {
  return { ...summarizeRun(runView(session, r.runId)), task: r.entity, status: r.status };
}

/** One run with its nodes and attempts. */
function show(view: RunView, json: boolean, io: Io): void {
  if (json) {
    const { nodes, ...run } = view;
    io.out(
      JSON.stringify(
        {
          ...run,
          nodes: nodes.map(({ map, decks, ...n }) => ({
            ...n,
            ...(map === undefined ? {} : { map: { total: map.total, counts: map.counts, retried: map.retried } }),
            decks: decks.map((d) => d.name),
          })),
        },
        null,
        2,
      ),
    );
    return;
  }
  io.out(`run ${view.runId}  ${view.status}  ${view.entity}`);
  io.out(
    `started ${new Date(view.start).toISOString()}, ${duration(view.end - view.start)}${view.hasHistory ? '' : ' (recorded without history: persisted attempts only)'}`,
  );
  for (const n of view.nodes) {
    const what = n.map
      ? `${n.map.total} elements: ${Object.entries(n.map.counts)
          .filter(([, c]) => c > 0)
          .map(([o, c]) => `${c} ${o}`)
          .join(', ')}`
      : `${n.attempts.length} attempt(s)`;
    io.out(
      `  ${n.nodeId.padEnd(5)} ${n.outcome.padEnd(10)} ${n.task}  (${what}${n.start !== undefined && n.end !== undefined ? `, ${duration(n.end - n.start)}` : ''})`,
    );
    for (const a of n.attempts) {
      io.out(
        `        attempt ${a.attempt}  ${a.outcome.padEnd(10)} ${a.backend}${a.error ? `  ${a.error.kind} ${a.error.code}: ${a.error.message}` : ''}`,
      );
    }
    if (n.error && n.attempts.length === 0) io.out(`        ${n.error.kind} ${n.error.code}: ${n.error.message}`);
  }
}
