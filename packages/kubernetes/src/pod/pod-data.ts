/**
 * Inputs and outputs of an attempt's pods — for a pod task and for every role of a CRD job alike.
 * `locations` says where the pods read `inputs.pb` and write `outputs.pb` / `error.pb` (and, for a
 * raw container with a DataLoadingConfig, the host directories of copilot's files); `upload` puts
 * the inputs there before the job is created; `collect` brings the results back beside the attempt
 * once the job is over and decides what they mean.
 */
import { type AttemptContext, createFileStore, createStorage, failed, failure, Phase, type Storage, type TaskStatus } from '@tflyte/core';
import type { DataLoadingConfig, TaskTemplate } from '@tflyte/idl/core/tasks';
import type { PodLocations } from './build-pod.ts';
import { hostDataLayout, readHostOutputs, writeHostInputs } from './host-data.ts';
import { downloadResults, podLocations, uploadInputs } from './pod-locations.ts';

export interface PodDataOptions {
  /**
   * Prefix the pods read inputs from and write outputs to (s3://, gs://, file://). Default: the
   * executor's attempt directory, which only a node on the same machine can reach.
   */
  readonly objectStore?: string;
  /** Object stores for `objectStore` (and file inputs of raw containers). Default: file:// only. */
  readonly storage?: Storage;
}

export interface PodData {
  /** Where the job named `target` reads and writes; the same for every call with the same attempt. */
  locations(ctx: AttemptContext, target: { readonly namespace: string; readonly name: string }): PodLocations;
  /** Copies `inputs.pb` to the pods' location (and lays out copilot's input files); call before creating the job. */
  upload(ctx: AttemptContext, where: PodLocations): Promise<void>;
  /**
   * Once the job is over: copies `outputs.pb` / `error.pb` back beside the attempt, reads copilot's
   * output files, and returns the status to report. A job that succeeded after writing `error.pb` (as
   * `tflyte execute` does when the task's code fails) is a failure; throws when the store cannot be read.
   */
  collect(status: TaskStatus, ctx: AttemptContext, where: PodLocations): Promise<TaskStatus>;
}

function dataConfigOf(template: TaskTemplate): DataLoadingConfig | undefined {
  const target = template.target;
  const config = target.case === 'container' || target.case === 'k8sPod' ? target.value.dataConfig : undefined;
  return config?.enabled ? config : undefined;
}

export function podData(options: PodDataOptions = {}): PodData {
  const storage = options.storage ?? createStorage([createFileStore()]);
  return {
    locations(ctx, target) {
      const config = dataConfigOf(ctx.template);
      return podLocations(ctx, target, options.objectStore, config === undefined ? undefined : hostDataLayout(ctx, config));
    },
    async upload(ctx, where) {
      await uploadInputs(storage, ctx, where);
      if (where.data !== undefined)
        await writeHostInputs(where.data, Object.keys(ctx.template.interface?.inputs?.variables ?? {}), ctx.inputs, storage);
    },
    async collect(status, ctx, where) {
      const wroteError = await downloadResults(storage, ctx, where);
      if (status.phase !== Phase.SUCCEEDED) return status;
      // The executor reads error.pb for the details; the document decides kind and retryability.
      if (wroteError) return failure('user', true, 'Unknown', 'the task wrote an error document');
      if (where.data === undefined) return status;
      const outputs = await readHostOutputs(where.data, ctx.template.interface?.outputs?.variables ?? {}, ctx.rawOutputPrefix, storage);
      return outputs.ok ? { ...status, outputs: outputs.outputs } : failed(outputs.failure);
    },
  };
}
