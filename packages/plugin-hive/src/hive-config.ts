/**
 * What a Hive task's TaskTemplate carries: `custom` is flyteidl's QuboleHiveJob in proto3 JSON, as
 * flytekit's HiveTask writes it (`{"clusterLabel", "query": {"query", "timeoutSec", "retryCount"},
 * "tags"}`, defaults omitted), so Flyte clusters of either generation read it.
 */

import type { MessageInitShape } from '@bufbuild/protobuf';
import { type ConfigCodec, protoCustom } from '@tflyte/core';
import { type QuboleHiveJob, QuboleHiveJobSchema } from '@tflyte/idl/plugins/qubole';

export const HIVE_TASK_TYPE = 'hive';
export const HIVE_TASK_TYPE_VERSION = 0;
/** Qubole's default cluster label, which a task without one routes to. */
export const DEFAULT_CLUSTER_LABEL = 'default';

export interface HiveTaskConfig {
  readonly job: QuboleHiveJob;
}

const jobCodec = protoCustom(QuboleHiveJobSchema);

export const hiveConfig: ConfigCodec<HiveTaskConfig, { readonly job: MessageInitShape<typeof QuboleHiveJobSchema> }> = {
  encode: (config) => jobCodec.encode(config.job),
  decode: (encoded, version) => ({ job: jobCodec.decode(encoded, version) }),
};
