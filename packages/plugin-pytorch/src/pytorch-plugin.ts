/**
 * The `pytorch` task type, defined once: flytekit-kf-pytorch's template (version 1 written, version 0
 * read) and its backend — a PyTorchJob on Kubernetes when `kubernetes` options are given, else real
 * ranks on this machine.
 */
import { type Backend, definePlugin, type Plugin } from '@tflyte/core';
import pytorchPackage from '../package.json' with { type: 'json' };
import { type PyTorchJobBackendOptions, pytorchJobBackend } from './kubernetes/pytorch-job-backend.ts';
import { type LocalRanksOptions, localRanks } from './local/local-ranks.ts';
import { type PyTorchConfig, pytorchCustom } from './pytorch-config.ts';
import { PYTORCH_LEGACY_VERSION, PYTORCH_TASK_TYPE, PYTORCH_TASK_TYPE_VERSION } from './task-type.ts';

export interface PyTorchPluginOptions {
  /** Run each task as a PyTorchJob (kubeflow.org/v1) on this cluster. */
  readonly kubernetes?: PyTorchJobBackendOptions;
  /** Options of the local run (used when `kubernetes` is not given). */
  readonly local?: LocalRanksOptions;
}

export const pytorch = definePlugin({
  taskType: PYTORCH_TASK_TYPE,
  taskTypeVersion: PYTORCH_TASK_TYPE_VERSION,
  alsoReads: [PYTORCH_LEGACY_VERSION],
  packageName: pytorchPackage.name,
  coreVersion: `^${pytorchPackage.dependencies['@tflyte/core']}`,
  target: 'container',
  config: pytorchCustom,
  backend: (options: PyTorchPluginOptions): Backend =>
    options.kubernetes !== undefined ? pytorchJobBackend(options.kubernetes) : localRanks(options.local),
});

export type PyTorchPlugin = Plugin<PyTorchConfig>;

/** For tflyte.config.ts: `plugins: [pytorchPlugin()]` runs locally, `pytorchPlugin({ kubernetes: {} })` on the cluster. */
export function pytorchPlugin(options: PyTorchPluginOptions = {}): PyTorchPlugin {
  return pytorch.plugin(options);
}
