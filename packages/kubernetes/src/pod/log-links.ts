/**
 * Log links from configurable templates (Flyte's `plugins.logs` templates): `{{ .podName }}`,
 * `{{ .namespace }}`, `{{ .containerName }}`, start/finish times, … A CRD job knows its pods' names
 * (`<job>-worker-0`) before it has seen them, so links are rendered from a name, not a pod object.
 * Unknown variables are left as written so a typo is visible in the link.
 */
import type { AttemptContext, LogLink } from '@tflyte/core';
import { type PodView, PRIMARY_CONTAINER_ANNOTATION } from './pod-view.ts';

export interface LogLinkTemplate {
  /** Shown in the UI and events, followed by the link's label: `Logs (User)`, `Logs (Worker 1)`. */
  readonly name: string;
  /** e.g. `https://console/logs?pod={{ .podName }}&ns={{ .namespace }}&start={{ .podUnixStartTime }}`. */
  readonly template: string;
}

/** The pod a link points at; only the name and namespace are required. */
export interface PodLogTarget {
  readonly podName: string;
  readonly namespace: string;
  readonly containerName?: string;
  readonly podUID?: string;
  readonly containerID?: string;
  readonly hostname?: string;
  readonly nodeName?: string;
  /** RFC 3339 times; the Unix variables are derived from them. */
  readonly startTime?: string;
  readonly finishTime?: string;
  /** Appended to each template's name in parentheses. Default `User`, as Flyte names a task pod's logs. */
  readonly label?: string;
}

type LinkContext = Pick<AttemptContext, 'template' | 'attempt' | 'generatedName'>;

const VARIABLE = /\{\{\s*\.([A-Za-z]+)\s*\}\}/g;

function unixSeconds(time: string | undefined): string {
  if (time === undefined) return '';
  const ms = Date.parse(time);
  return Number.isNaN(ms) ? '' : String(Math.floor(ms / 1000));
}

function logVariables(target: PodLogTarget, ctx: LinkContext): Record<string, string> {
  const id = ctx.template.id;
  return {
    podName: target.podName,
    podUID: target.podUID ?? '',
    namespace: target.namespace,
    containerName: target.containerName ?? '',
    containerId: target.containerID ?? '',
    containerID: target.containerID ?? '',
    hostname: target.hostname ?? '',
    nodeName: target.nodeName ?? '',
    podRFC3339StartTime: target.startTime ?? '',
    podRFC3339FinishTime: target.finishTime ?? '',
    podUnixStartTime: unixSeconds(target.startTime),
    podUnixFinishTime: unixSeconds(target.finishTime),
    generatedName: ctx.generatedName,
    taskRetryAttempt: String(ctx.attempt),
    taskID: id?.name ?? '',
    taskVersion: id?.version ?? '',
    taskProject: id?.project ?? '',
    taskDomain: id?.domain ?? '',
  };
}

/** Links to one pod's logs, by its name. */
export function podLogLinks(templates: readonly LogLinkTemplate[], target: PodLogTarget, ctx: LinkContext): LogLink[] {
  if (templates.length === 0) return [];
  const vars = logVariables(target, ctx);
  const label = target.label ?? 'User';
  return templates.map((t) => ({
    name: `${t.name} (${label})`,
    uri: t.template.replace(VARIABLE, (match, name: string) => vars[name] ?? match),
  }));
}

/** Links to an observed pod's logs, with what the pod tells about its primary container and times. */
export function renderLogLinks(templates: readonly LogLinkTemplate[], pod: PodView, ctx: LinkContext): LogLink[] {
  const primary = pod.metadata?.annotations?.[PRIMARY_CONTAINER_ANNOTATION] ?? pod.spec?.containers?.[0]?.name ?? '';
  const status = pod.status?.containerStatuses?.find((c) => c.name === primary);
  const optional = {
    podUID: pod.metadata?.uid,
    containerID: status?.containerID,
    hostname: pod.spec?.hostname,
    nodeName: pod.spec?.nodeName,
    startTime: pod.status?.startTime,
    finishTime: status?.state?.terminated?.finishedAt,
  };
  const target: PodLogTarget = {
    podName: pod.metadata?.name ?? '',
    namespace: pod.metadata?.namespace ?? '',
    containerName: primary,
    ...Object.fromEntries(Object.entries(optional).filter(([, value]) => value !== undefined)),
  };
  return podLogLinks(templates, target, ctx);
}
