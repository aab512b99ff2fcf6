// The public API of @tflyte/plugin-pytorch.

export type { PyTorchJobView, ReplicaSpecView } from './kubernetes/pytorch-job.ts';
export { buildPyTorchJob, PYTORCH_CONTAINER, PYTORCH_JOB_KIND } from './kubernetes/pytorch-job.ts';
export type { PyTorchJobBackendOptions, PyTorchManifestOptions } from './kubernetes/pytorch-job-backend.ts';
export {
  ERROR_STRATEGY_ENV,
  PYTORCH_JOB_BACKEND,
  pytorchJobBackend,
  pytorchJobManifest,
  replicaPodNames,
  WORKER_NAME_ENV,
} from './kubernetes/pytorch-job-backend.ts';
export type { LocalRanksOptions } from './local/local-ranks.ts';
export { LOCAL_RANKS_BACKEND, localRanks, RANK_OF_ENV } from './local/local-ranks.ts';
export type { PyTorchConfig } from './pytorch-config.ts';
export type { PyTorchPlugin, PyTorchPluginOptions } from './pytorch-plugin.ts';
// Running
export { pytorch, pytorchPlugin } from './pytorch-plugin.ts';
export type {
  CleanPodPolicyName,
  ElasticOptions,
  PyTorchTaskOptions,
  ReplicaOptions,
  RestartPolicyName,
  RunPolicyOptions,
  WorkerOptions,
} from './pytorch-task.ts';
// Authoring
export { pytorchTask } from './pytorch-task.ts';
export { PYTORCH_LEGACY_VERSION, PYTORCH_TASK_TYPE, PYTORCH_TASK_TYPE_VERSION } from './task-type.ts';
