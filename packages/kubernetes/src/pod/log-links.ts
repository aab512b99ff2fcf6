/**
 * Log links from configurable templates (Flyte's `plugins.logs` templates), rendered once the pod is
 * scheduled: `{{ .podName }}`, `{{ .namespace }}`, `{{ .containerName }}`, start/finish times, …
 * Unknown variables are left as written so a typo is visible in the link.
 */
import type { AttemptContext, LogLink } from '@tflyte/core';
import { type PodView, PRIMARY_CONTAINER_ANNOTATION } from './pod-view.ts';

export interface LogLinkTemplate {
  /** Shown in the UI and events, with ` (User)` appended as Flyte does for the task's container. */
  readonly name: string;
  /** e.g. `https://console/logs?pod={{ .podName }}&ns={{ .namespace }}&start={{ .podUnixStartTime }}`. */
  readonly template: string;
}

const VARIABLE = /\{\{\s*\.([A-Za-z]+)\s*\}\}/g;

function unixSeconds(time: string | undefined): string {
  if (time === undefined) return '';
  const ms = Date.parse(time);
  return Number.isNaN(ms) ? '' : String(Math.floor(ms / 1000));
}

function logVariables(pod: PodView, ctx: Pick<AttemptContext, 'template' | 'attempt' | 'generatedName'>): Record<string, string> {
  const primary = pod.metadata?.annotations?.[PRIMARY_CONTAINER_ANNOTATION] ?? pod.spec?.containers?.[0]?.name ?? '';
  const status = pod.status?.containerStatuses?.find((c) => c.name === primary);
  const start = pod.status?.startTime;
  const finish = status?.state?.terminated?.finishedAt;
  const id = ctx.template.id;
  return {
    podName: pod.metadata?.name ?? '',
    podUID: pod.metadata?.uid ?? '',
    namespace: pod.metadata?.namespace ?? '',
    containerName: primary,
    containerId: status?.containerID ?? '',
    containerID: status?.containerID ?? '',
    hostname: pod.spec?.hostname ?? '',
    nodeName: pod.spec?.nodeName ?? '',
    podRFC3339StartTime: start ?? '',
    podRFC3339FinishTime: finish ?? '',
    podUnixStartTime: unixSeconds(start),
    podUnixFinishTime: unixSeconds(finish),
    generatedName: ctx.generatedName,
    taskRetryAttempt: String(ctx.attempt),
    taskID: id?.name ?? '',
    taskVersion: id?.version ?? '',
    taskProject: id?.project ?? '',
    taskDomain: id?.domain ?? '',
  };
}

export function renderLogLinks(templates: readonly LogLinkTemplate[], pod: PodView, ctx: Pick<AttemptContext, 'template' | 'attempt' | 'generatedName'>): LogLink[] {
  if (templates.length === 0) return [];
  const vars = logVariables(pod, ctx);
  return templates.map((t) => ({
    name: `${t.name} (User)`,
    uri: t.template.replace(VARIABLE, (match, name: string) => vars[name] ?? match),
  }));
}
