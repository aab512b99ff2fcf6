/**
 * The task's `custom`: flyteidl's `plugins.kubeflow.DistributedPyTorchTrainingTask` as proto3 JSON,
 * written as flytekit-kf-pytorch's MessageToDict writes it. Templates of version 0
 * (`plugins.DistributedPyTorchTrainingTask{workers, elastic_config}`) decode onto the same message,
 * as Flyte's kfoperators plugin reads them, so one backend runs both.
 */
import { create, fromJson, type JsonValue } from '@bufbuild/protobuf';
import { InvalidSchemaError, type JsonObject, protoCustom } from '@tflyte/core';
import type { Resources } from '@tflyte/idl/core/tasks';
import { RestartPolicy } from '@tflyte/idl/plugins/common';
import { CleanPodPolicy } from '@tflyte/idl/plugins/kubeflow/common';
import {
  type DistributedPyTorchTrainingReplicaSpec,
  type DistributedPyTorchTrainingTask,
  DistributedPyTorchTrainingTaskSchema,
  ElasticConfigSchema,
} from '@tflyte/idl/plugins/kubeflow/pytorch';
import { DistributedPyTorchTrainingTaskSchema as LegacyTaskSchema } from '@tflyte/idl/plugins/pytorch';
import { PYTORCH_LEGACY_VERSION, PYTORCH_TASK_TYPE_VERSION } from './task-type.ts';

export type PyTorchConfig = DistributedPyTorchTrainingTask;
export { CleanPodPolicy, RestartPolicy };

function decodeVersion(custom: JsonObject, taskTypeVersion: number): PyTorchConfig {
  if (taskTypeVersion === PYTORCH_TASK_TYPE_VERSION) return fromJson(DistributedPyTorchTrainingTaskSchema, custom as JsonValue);
  if (taskTypeVersion === PYTORCH_LEGACY_VERSION) {
    const legacy = fromJson(LegacyTaskSchema, custom as JsonValue);
    return create(DistributedPyTorchTrainingTaskSchema, {
      workerReplicas: { replicas: legacy.workers },
      ...(legacy.elasticConfig === undefined ? {} : { elasticConfig: create(ElasticConfigSchema, elasticFields(legacy.elasticConfig)) }),
    });
  }
  // Flyte answers BadTaskSpecification for other versions.
  throw new InvalidSchemaError(
    `pytorch task type version ${taskTypeVersion} is not supported; versions ${PYTORCH_LEGACY_VERSION} and ${PYTORCH_TASK_TYPE_VERSION} are`,
  );
}

function elasticFields(e: { rdzvBackend: string; minReplicas: number; maxReplicas: number; nprocPerNode: number; maxRestarts: number }) {
  return {
    rdzvBackend: e.rdzvBackend,
    minReplicas: e.minReplicas,
    maxReplicas: e.maxReplicas,
    nprocPerNode: e.nprocPerNode,
    maxRestarts: e.maxRestarts,
  };
}

export const pytorchCustom = protoCustom(DistributedPyTorchTrainingTaskSchema, decodeVersion);

/** One replica group as the backend uses it: the `common` spec wins over the deprecated inline fields, as in Flyte. */
export interface ReplicaGroup {
  readonly replicas: number;
  /** Empty: the task's image. */
  readonly image: string;
  readonly resources: Resources | undefined;
  readonly restartPolicy: RestartPolicy;
}

export function replicaGroup(spec: DistributedPyTorchTrainingReplicaSpec | undefined): ReplicaGroup {
  const common = spec?.common;
  if (common !== undefined)
    return { replicas: common.replicas, image: common.image, resources: common.resources, restartPolicy: common.restartPolicy };
  return {
    replicas: spec?.replicas ?? 0,
    image: spec?.image ?? '',
    resources: spec?.resources,
    restartPolicy: spec?.restartPolicy ?? RestartPolicy.NEVER,
  };
}

/** The training operator's spelling of a restart policy. */
export function operatorRestartPolicy(policy: RestartPolicy): 'Never' | 'OnFailure' | 'Always' {
  switch (policy) {
    case RestartPolicy.ON_FAILURE:
      return 'OnFailure';
    case RestartPolicy.ALWAYS:
      return 'Always';
    default:
      return 'Never';
  }
}
