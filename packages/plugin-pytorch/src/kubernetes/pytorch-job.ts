/**
 * TaskTemplate → PyTorchJob (kubeflow.org/v1), as Flyte's kfoperators plugin builds it: every replica
 * group's pod template is one role's pod from @tflyte/kubernetes' rolePodSpec (the task's pod with the
 * primary container named `pytorch` and the group's image and resources in place of the task's); the
 * master is always one replica; an elastic job has no master and an `elasticPolicy`; the run policy
 * is copied field by field, nonzero fields only; a worker group of 0 replicas is left out.
 */

import { CleanPodPolicy } from '@tflyte/idl/plugins/kubeflow/common';
import type { JobCondition, KubeObject, RolePod } from '@tflyte/kubernetes';
import { operatorRestartPolicy, type PyTorchConfig, type ReplicaGroup, replicaGroup } from '../pytorch-config.ts';

export const PYTORCH_JOB_KIND = { apiVersion: 'kubeflow.org/v1', kind: 'PyTorchJob', plural: 'pytorchjobs' } as const;
/** The training operator's default container name, which it looks for in every replica. */
export const PYTORCH_CONTAINER = 'pytorch';

export interface PodTemplateOf {
  readonly metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  readonly spec: RolePod['spec'];
}

export interface ReplicaSpecView {
  replicas: number;
  restartPolicy: 'Never' | 'OnFailure' | 'Always';
  template: PodTemplateOf;
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
  status?: {
    conditions?: JobCondition[];
    startTime?: string;
    completionTime?: string;
    replicaStatuses?: unknown;
    [field: string]: unknown;
  };
}

export type Role = 'master' | 'worker';

const CLEAN_POD_POLICY: Readonly<Record<number, string>> = {
  [CleanPodPolicy.CLEANPOD_POLICY_NONE]: 'None',
  [CleanPodPolicy.CLEANPOD_POLICY_RUNNING]: 'Running',
  [CleanPodPolicy.CLEANPOD_POLICY_ALL]: 'All',
};

/** `podOf(role, group)` is the pod of one replica group (a fresh object per call). */
export function buildPyTorchJob(config: PyTorchConfig, podOf: (role: Role, group: ReplicaGroup) => RolePod): PyTorchJobView {
  const worker = replicaGroup(config.workerReplicas);
  const elastic = config.elasticConfig;
  const specs: { Master?: ReplicaSpecView; Worker?: ReplicaSpecView } = {};
  if (elastic === undefined) {
    const master = { ...replicaGroup(config.masterReplicas), replicas: 1 };
    specs.Master = replicaSpec(master, podOf('master', master));
  }
  if (worker.replicas > 0) specs.Worker = replicaSpec(worker, podOf('worker', worker));
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

function replicaSpec(group: ReplicaGroup, pod: RolePod): ReplicaSpecView {
  return {
    replicas: group.replicas,
    restartPolicy: operatorRestartPolicy(group.restartPolicy),
    template: { metadata: pod.metadata, spec: pod.spec },
  };
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
