/**
 * ExtendedResources: a GPU accelerator becomes a required node affinity and a toleration on the
 * device label (plus the MIG partition label, or its absence for `unpartitioned`), as Flyte's
 * ApplyGPUNodeSelectors does; shared memory becomes a memory-backed emptyDir on the primary.
 */
import type { V1NodeSelectorRequirement, V1Toleration, V1Volume, V1VolumeMount } from '@kubernetes/client-node';
import type { ExtendedResources } from '@tflyte/idl/core/tasks';

export interface GpuLabels {
  /** Node label holding the accelerator device. Default `k8s.amazonaws.com/accelerator`. */
  readonly deviceNodeLabel?: string;
  /** Node label holding the MIG partition size. Default `k8s.amazonaws.com/gpu-partition-size`. */
  readonly partitionSizeNodeLabel?: string;
}

export interface AcceleratorPlacement {
  readonly requirements: V1NodeSelectorRequirement[];
  readonly tolerations: V1Toleration[];
}

export function acceleratorPlacement(extended: ExtendedResources | undefined, labels: GpuLabels = {}): AcceleratorPlacement {
  const gpu = extended?.gpuAccelerator;
  if (gpu === undefined || gpu.device === '') return { requirements: [], tolerations: [] };
  const deviceLabel = labels.deviceNodeLabel ?? 'k8s.amazonaws.com/accelerator';
  const partitionLabel = labels.partitionSizeNodeLabel ?? 'k8s.amazonaws.com/gpu-partition-size';
  const requirements: V1NodeSelectorRequirement[] = [{ key: deviceLabel, operator: 'In', values: [gpu.device] }];
  const tolerations: V1Toleration[] = [{ key: deviceLabel, operator: 'Equal', value: gpu.device, effect: 'NoSchedule' }];
  const partition = gpu.partitionSizeValue;
  if (partition.case === 'partitionSize' && partition.value !== '') {
    requirements.push({ key: partitionLabel, operator: 'In', values: [partition.value] });
    tolerations.push({ key: partitionLabel, operator: 'Equal', value: partition.value, effect: 'NoSchedule' });
  } else if (partition.case === 'unpartitioned' && partition.value) {
    requirements.push({ key: partitionLabel, operator: 'DoesNotExist' });
  }
  return { requirements, tolerations };
}

export function sharedMemory(extended: ExtendedResources | undefined): { volume: V1Volume; mount: V1VolumeMount } | undefined {
  const shm = extended?.sharedMemory;
  if (shm === undefined) return undefined;
  const name = shm.mountName || 'flyte-shared-memory';
  return {
    volume: { name, emptyDir: { medium: 'Memory', ...(shm.sizeLimit ? { sizeLimit: shm.sizeLimit } : {}) } },
    mount: { name, mountPath: shm.mountPath || '/dev/shm' },
  };
}
