/** The parts of a Pod (as wire JSON) that phase mapping and log links read. */
import type { KubeObject } from '../kube/kube-object.ts';

export interface ContainerStateView {
  waiting?: { reason?: string; message?: string };
  running?: { startedAt?: string };
  terminated?: { exitCode: number; reason?: string; message?: string; startedAt?: string; finishedAt?: string };
}

export interface ContainerStatusView {
  name: string;
  ready?: boolean;
  containerID?: string;
  state?: ContainerStateView;
}

export interface PodConditionView {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

export interface PodView extends KubeObject {
  spec?: { containers?: { name: string }[]; nodeName?: string; hostname?: string; [field: string]: unknown };
  status?: {
    phase?: string;
    reason?: string;
    message?: string;
    startTime?: string;
    conditions?: PodConditionView[];
    containerStatuses?: ContainerStatusView[];
    initContainerStatuses?: ContainerStatusView[];
    ephemeralContainerStatuses?: ContainerStatusView[];
  };
}

/** Annotation naming the container whose exit decides the task (Flyte's PrimaryContainerKey). */
export const PRIMARY_CONTAINER_ANNOTATION = 'primary_container_name';

export function allContainerStatuses(pod: PodView): ContainerStatusView[] {
  const s = pod.status ?? {};
  return [...(s.initContainerStatuses ?? []), ...(s.containerStatuses ?? []), ...(s.ephemeralContainerStatuses ?? [])];
}
