// The public API of @tflyte/plugin-pytorch.

// Authoring
export { pytorchTask } from './pytorch-task.ts';
export type { PyTorchTaskOptions, ReplicaOptions, WorkerOptions, ElasticOptions, RunPolicyOptions, RestartPolicyName, CleanPodPolicyName } from './pytorch-task.ts';
export { PYTORCH_TASK_TYPE, PYTORCH_TASK_TYPE_VERSION, PYTORCH_LEGACY_VERSION } from './task-type.ts';
export type { PyTorchConfig } from './pytorch-config.ts';

// Running
export { pytorch, pytorchPlugin } from './pytorch-plugin.ts';
export type { PyTorchPlugin, PyTorchPluginOptions } from './pytorch-plugin.ts';
export { localRanks, LOCAL_RANKS_BACKEND, RANK_OF_ENV } from './local/local-ranks.ts';
export type { LocalRanksOptions } from './local/local-ranks.ts';
export { pytorchJobBackend, pytorchJobManifest, replicaPodNames, PYTORCH_JOB_BACKEND, WORKER_NAME_ENV, ERROR_STRATEGY_ENV } from './kubernetes/pytorch-job-backend.ts';
export type { PyTorchJobBackendOptions, PyTorchManifestOptions } from './kubernetes/pytorch-job-backend.ts';
export { buildPyTorchJob, PYTORCH_JOB_KIND, PYTORCH_CONTAINER } from './kubernetes/pytorch-job.ts';
export type { PyTorchJobView, ReplicaSpecView } from './kubernetes/pytorch-job.ts';
