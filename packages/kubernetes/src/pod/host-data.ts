/**
 * A raw container's DataLoadingConfig on one machine: where Flyte adds copilot containers that
 * download inputs into the pod and upload outputs from it, this backend writes the inputs into a
 * directory beside the attempt's files, mounts it (and an empty outputs directory) into the primary
 * container with hostPath volumes, and reads the outputs back when the container has exited. The
 * files themselves are laid out as Flyte's copilot lays them out (core's copilot helpers), as a local container run has them.
 *
 * hostPath works when the node sees the executor's state directory at the same path: the test API
 * server's node, or a single-node cluster sharing the disk. There is no copilot for remote nodes yet.
 */
import { join } from 'node:path';
import {
  type AttemptContext,
  BackendError,
  createDataDirs,
  materializeInputs,
  type OutputsResult,
  readOutputs,
  type Storage,
  toLocalPath,
  uriScheme,
} from '@tflyte/core';
import type { Variable } from '@tflyte/idl/core/interface';
import type { LiteralMap } from '@tflyte/idl/core/literals';
import type { DataLoadingConfig, DataLoadingConfig_LiteralMapFormat } from '@tflyte/idl/core/tasks';

export interface HostDataLayout {
  /** Host directories mounted into the primary container. */
  readonly inputsDir: string;
  readonly outputsDir: string;
  /** Where they appear inside the container. */
  readonly inputPath: string;
  readonly outputPath: string;
  readonly format: DataLoadingConfig_LiteralMapFormat;
}

const INPUTS_VOLUME = 'tflyte-inputs';
const OUTPUTS_VOLUME = 'tflyte-outputs';

function dataError(code: string, message: string): BackendError {
  return new BackendError({ kind: 'user', retryable: false, code, message });
}

export function hostDataLayout(ctx: Pick<AttemptContext, 'outputPrefix'>, config: DataLoadingConfig): HostDataLayout {
  if (uriScheme(ctx.outputPrefix) !== 'file') {
    throw dataError(
      'UnsupportedDataLoading',
      `a raw container's inputs and outputs are mounted from the executor's disk, but the attempt's files are at ${ctx.outputPrefix}; use a local state directory`,
    );
  }
  if (!config.inputPath.startsWith('/') || !config.outputPath.startsWith('/')) {
    throw dataError(
      'BadTaskFormat',
      `dataConfig paths must be absolute, got inputPath '${config.inputPath}' and outputPath '${config.outputPath}'`,
    );
  }
  const dir = join(toLocalPath(ctx.outputPrefix), 'data');
  return {
    inputsDir: join(dir, 'inputs'),
    outputsDir: join(dir, 'outputs'),
    inputPath: config.inputPath,
    outputPath: config.outputPath,
    format: config.format,
  };
}

/** Volumes and mounts for the pod. */
export function hostDataVolumes(layout: HostDataLayout) {
  return {
    volumes: [
      { name: INPUTS_VOLUME, hostPath: { path: layout.inputsDir, type: 'Directory' } },
      { name: OUTPUTS_VOLUME, hostPath: { path: layout.outputsDir, type: 'Directory' } },
    ],
    mounts: [
      { name: INPUTS_VOLUME, mountPath: layout.inputPath, readOnly: true },
      { name: OUTPUTS_VOLUME, mountPath: layout.outputPath },
    ],
  };
}

/** Writes the attempt's inputs into `layout.inputsDir`, replacing what an earlier create left in both directories. */
export async function writeHostInputs(
  layout: HostDataLayout,
  names: readonly string[],
  inputs: LiteralMap,
  storage: Storage,
): Promise<void> {
  await createDataDirs(layout.inputsDir, layout.outputsDir);
  await materializeInputs({ hostDir: layout.inputsDir, inputPath: layout.inputPath, format: layout.format }, names, inputs, storage);
}

/** Reads what the container left in `layout.outputsDir` as the task's outputs. */
export function readHostOutputs(
  layout: HostDataLayout,
  variables: Readonly<Record<string, Variable>>,
  rawOutputPrefix: string,
  storage: Storage,
): Promise<OutputsResult> {
  return readOutputs({ hostDir: layout.outputsDir, outputPath: layout.outputPath, rawOutputPrefix }, variables, storage);
}
