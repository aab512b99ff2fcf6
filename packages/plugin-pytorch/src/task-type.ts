/** The task type and versions flytekit-kf-pytorch writes and Flyte's kfoperators plugin runs. */
export const PYTORCH_TASK_TYPE = 'pytorch';
/** v1: `plugins.kubeflow.DistributedPyTorchTrainingTask` (master/worker replica specs, run policy). */
export const PYTORCH_TASK_TYPE_VERSION = 1;
/** v0: `plugins.DistributedPyTorchTrainingTask` (a worker count and elastic config), still read. */
export const PYTORCH_LEGACY_VERSION = 0;
