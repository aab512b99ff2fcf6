/**
 * A SparkApplication's status → the attempt's status, by Flyte's table for the operator's
 * `status.applicationState.state`, with the log links Flyte shows: the driver pod's logs once the
 * operator has named it, the Spark driver UI while the application runs and the history server
 * once it is over.
 */
import { type AttemptContext, failure, initializing, type LogLink, queued, running, succeeded, type TaskStatus } from '@tflyte/core';
import { type LogLinkTemplate, podLogLinks } from '@tflyte/kubernetes';

/** The part of a SparkApplication this module reads. */
export interface SparkApplicationView {
  readonly metadata?: { readonly name?: string; readonly namespace?: string; readonly uid?: string; readonly deletionTimestamp?: string };
  readonly status?: {
    readonly applicationState?: { readonly state?: string; readonly errorMessage?: string };
    readonly driverInfo?: { readonly podName?: string; readonly webUIIngressAddress?: string; readonly webUIAddress?: string };
    readonly sparkApplicationId?: string;
    readonly executorState?: Readonly<Record<string, string>>;
  };
}

/** Log link templates by what they show (Flyte's `plugins.spark.logs`), rendered for the driver pod. */
export interface SparkLogLinks {
  /** Driver logs holding both user and system output: "(Driver Logs)". */
  readonly mixed?: readonly LogLinkTemplate[];
  /** The application's own output: "(User Logs)". */
  readonly user?: readonly LogLinkTemplate[];
  /** Spark's own output: "(System Logs)". */
  readonly system?: readonly LogLinkTemplate[];
  /** Every user log of the application, shown from submission on: "(Spark-Submit/All User Logs)". */
  readonly allUser?: readonly LogLinkTemplate[];
}

export interface SparkLinkOptions {
  readonly logs?: SparkLogLinks;
  /** The Spark history server, e.g. `https://spark-history.example.com`; links `<url>/history/<appId>` once the application ends. */
  readonly historyServerUrl?: string;
}

const TERMINAL = new Set(['COMPLETED', 'FAILED', 'SUBMISSION_FAILED']);

/** The operator names the pods; links need only the name and namespace. `label` is Flyte's suffix, e.g. `Driver Logs`. */
function podLinks(
  templates: readonly LogLinkTemplate[] | undefined,
  label: string,
  podName: string,
  namespace: string,
  ctx: AttemptContext,
): LogLink[] {
  return podLogLinks(templates ?? [], { podName, namespace, label }, ctx);
}

export function sparkLogLinks(app: SparkApplicationView, ctx: AttemptContext, options: SparkLinkOptions): LogLink[] {
  const state = app.status?.applicationState?.state ?? '';
  const namespace = app.metadata?.namespace ?? '';
  const driver = app.status?.driverInfo;
  const links: LogLink[] = [];
  const podName = driver?.podName;
  if (podName !== undefined && podName !== '') {
    links.push(
      ...podLinks(options.logs?.mixed, 'Driver Logs', podName, namespace, ctx),
      ...podLinks(options.logs?.user, 'User Logs', podName, namespace, ctx),
      ...podLinks(options.logs?.system, 'System Logs', podName, namespace, ctx),
    );
  }
  links.push(
    ...podLinks(options.logs?.allUser, 'Spark-Submit/All User Logs', podName ?? `${app.metadata?.name ?? ''}-driver`, namespace, ctx),
  );
  const appId = app.status?.sparkApplicationId;
  if (TERMINAL.has(state)) {
    if (options.historyServerUrl !== undefined && appId !== undefined && appId !== '') {
      links.push({ name: 'Spark History UI', uri: `${options.historyServerUrl.replace(/\/+$/, '')}/history/${appId}` });
    }
  } else if (driver?.webUIIngressAddress !== undefined && driver.webUIIngressAddress !== '') {
    const address = driver.webUIIngressAddress;
    links.push({ name: 'Spark Driver UI', uri: /^https?:\/\//.test(address) ? address : `https://${address}` });
  }
  return links;
}

/** Flyte's phase table for `status.applicationState.state`. */
export function sparkPhase(app: SparkApplicationView, ctx: AttemptContext, options: SparkLinkOptions = {}): TaskStatus {
  const state = app.status?.applicationState?.state ?? '';
  const logs = sparkLogLinks(app, ctx, options);
  const name = app.metadata?.name ?? '';
  switch (state) {
    case '':
      return queued({ message: `SparkApplication ${name} is waiting for the operator`, logs });
    case 'SUBMITTED':
      return initializing({ message: `SparkApplication ${name} was submitted; the driver is starting`, logs });
    case 'SUBMISSION_FAILED':
    case 'FAILED': {
      const reason = app.status?.applicationState?.errorMessage || `the application ended in state ${state}`;
      const status = failure('user', true, 'DownstreamSystemError', `SparkApplication ${name} failed: ${reason}`);
      return { ...status, logs };
    }
    case 'COMPLETED':
      return succeeded(undefined, { logs });
    default:
      // RUNNING, PENDING_RERUN, SUCCEEDING, FAILING, INVALIDATING, UNKNOWN and states of newer operators.
      return running({ message: `SparkApplication ${name} is ${state}${executorSummary(app)}`, logs });
  }
}

function executorSummary(app: SparkApplicationView): string {
  const states = Object.values(app.status?.executorState ?? {});
  if (states.length === 0) return '';
  const counts = new Map<string, number>();
  for (const s of states) counts.set(s, (counts.get(s) ?? 0) + 1);
  return ` (executors: ${[...counts].map(([s, n]) => `${n} ${s}`).join(', ')})`;
}
