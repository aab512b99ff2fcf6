/**
 * TaskTemplate → PyTorchJob (kubeflow.org/v1), as Flyte's kfoperators plugin builds it: every replica
 * group's pod template is the task's pod (one role's pod from @tflyte/kubernetes' buildPod) with the
 * primary container renamed `pytorch` and the group's image and resources laid over the task's; the
 * master is always one replica; an elastic job has no master and an `elasticPolicy`; the run policy
 * is copied field by field, nonzero fields only; a worker group of 0 replicas is left out.
 */
import { PRIMARY_CONTAINER_ANNOTATION } from '@tflyte/kubernetes';
import type { KubeObject } from '@tflyte/kubernetes';
import { type Resources, Resources_ResourceName } from '@tflyte/idl/core/tasks';
import { CleanPodPolicy } from '@tflyte/idl/plugins/kubeflow/common';
import { type PyTorchConfig, type ReplicaGroup, operatorRestartPolicy, replicaGroup } from '../pytorch-config.ts';

export const PYTORCH_JOB_KIND = { apiVersion: 'kubeflow.org/v1', kind: 'PyTorchJob', plural: 'pytorchjobs' } as const;
/** The training operator's default container name, which it looks for in every replica. */
export const PYTORCH_CONTAINER = 'pytorch';

export interface PodTemplateOf {
  readonly metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  readonly spec: { containers: Array<{ name: string; image?: string; resources?: unknown; [field: string]: unknown }>; [field: string]: unknown };
}

export interface ReplicaSpecView {
  replicas: number;
  restartPolicy: 'Never' | 'OnFailure' | 'Always';
  template: PodTemplateOf;
}

export interface JobConditionView {
  type?: string;
  status?: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
  lastUpdateTime?: string;
}

export interface RunPolicyView {
  cleanPodPolicy?: string;
  ttlSecondsAfterFinished?: number;
  activeDeadlineSeconds?: number;
  backoffLimit?: number;
  suspend?: boolean;
}

export interface PyTorchJobView extends KubeObject {
  spec?: {
    pytorchReplicaSpecs?: { Master?: ReplicaSpecView; Worker?: ReplicaSpecView };
    runPolicy?: RunPolicyView;
    elasticPolicy?: { minReplicas?: number; maxReplicas?: number; rdzvBackend?: string; nProcPerNode?: number; maxRestarts?: number };
    [field: string]: unknown;
  };
  status?: { conditions?: JobConditionView[]; startTime?: string; completionTime?: string; replicaStatuses?: unknown; [field: string]: unknown };
}

export type Role = 'master' | 'worker';

const CLEAN_POD_POLICY: Readonly<Record<number, string>> = {
  [CleanPodPolicy.CLEANPOD_POLICY_NONE]: 'None',
  [CleanPodPolicy.CLEANPOD_POLICY_RUNNING]: 'Running',
  [CleanPodPolicy.CLEANPOD_POLICY_ALL]: 'All',
};

/**
 * `podOf(role)` is the task's pod for one role (a fresh object per call). `gpuResourceName` names
 * GPUs in replica resource overrides.
 */
export function buildPyTorchJob(config: PyTorchConfig, podOf: (role: Role) => PodTemplateOf, gpuResourceName = 'nvidia.com/gpu'): PyTorchJobView {
  const worker = replicaGroup(config.workerReplicas);
  const elastic = config.elasticConfig;
  const specs: { Master?: ReplicaSpecView; Worker?: ReplicaSpecView } = {};
  if (elastic === undefined) specs.Master = replicaSpec({ ...replicaGroup(config.masterReplicas), replicas: 1 }, podOf('master'), gpuResourceName);
  if (worker.replicas > 0) specs.Worker = replicaSpec(worker, podOf('worker'), gpuResourceName);
  const runPolicy = runPolicyOf(config);
  return {
    apiVersion: PYTORCH_JOB_KIND.apiVersion,
    kind: PYTORCH_JOB_KIND.kind,
    metadata: {},
    spec: {
      pytorchReplicaSpecs: specs,
      ...(runPolicy === undefined ? {} : { runPolicy }),
      ...(elastic === undefined
        ? {}
        : {
            elasticPolicy: {
              minReplicas: elastic.minReplicas,
              maxReplicas: elastic.maxReplicas,
              rdzvBackend: elastic.rdzvBackend,
              nProcPerNode: elastic.nprocPerNode,
              maxRestarts: elastic.maxRestarts,
            },
          }),
    },
  };
}

function replicaSpec(group: ReplicaGroup, pod: PodTemplateOf, gpuResourceName: string): ReplicaSpecView {
  const template = structuredClone(pod);
  const annotations = template.metadata?.annotations ?? {};
  const primaryName = annotations[PRIMARY_CONTAINER_ANNOTATION] ?? template.spec.containers[0]?.name;
  const primary = template.spec.containers.find((c) => c.name === primaryName) ?? template.spec.containers[0];
  if (primary !== undefined) {
    primary.name = PYTORCH_CONTAINER;
    if (group.image !== '') primary.image = group.image;
    const resources = k8sResources(group.resources, gpuResourceName);
    if (resources !== undefined) primary.resources = resources;
  }
  if (template.metadata?.annotations !== undefined) template.metadata.annotations[PRIMARY_CONTAINER_ANNOTATION] = PYTORCH_CONTAINER;
  return { replicas: group.replicas, restartPolicy: operatorRestartPolicy(group.restartPolicy), template };
}

const K8S_RESOURCE: Readonly<Partial<Record<Resources_ResourceName, string>>> = {
  [Resources_ResourceName.CPU]: 'cpu',
  [Resources_ResourceName.MEMORY]: 'memory',
  [Resources_ResourceName.EPHEMERAL_STORAGE]: 'ephemeral-storage',
};

/** A replica's own resources, or undefined to keep the task's; as Flyte does, a side left empty takes the other's values. */
function k8sResources(resources: Resources | undefined, gpuResourceName: string): { requests: Record<string, string>; limits: Record<string, string> } | undefined {
  if (resources === undefined || (resources.requests.length === 0 && resources.limits.length === 0)) return undefined;
  const toMap = (entries: Resources['requests']) =>
    Object.fromEntries(entries.map((e) => [e.name === Resources_ResourceName.GPU ? gpuResourceName : (K8S_RESOURCE[e.name] ?? ''), e.value] as const).filter(([k]) => k !== ''));
  const requests = toMap(resources.requests);
  const limits = toMap(resources.limits);
  return { requests: { ...limits, ...requests }, limits: { ...requests, ...limits } };
}

function runPolicyOf(config: PyTorchConfig): RunPolicyView | undefined {
  const policy = config.runPolicy;
  if (policy === undefined) return undefined;
  return {
    // proto3 cannot tell NONE from unset, so only RUNNING and ALL are written, as in Flyte.
    ...(policy.cleanPodPolicy !== CleanPodPolicy.CLEANPOD_POLICY_NONE ? { cleanPodPolicy: CLEAN_POD_POLICY[policy.cleanPodPolicy] } : {}),
    ...(policy.ttlSecondsAfterFinished !== 0 ? { ttlSecondsAfterFinished: policy.ttlSecondsAfterFinished } : {}),
    ...(policy.activeDeadlineSeconds !== 0 ? { activeDeadlineSeconds: policy.activeDeadlineSeconds } : {}),
    ...(policy.backoffLimit !== 0 ? { backoffLimit: policy.backoffLimit } : {}),
  };
}
