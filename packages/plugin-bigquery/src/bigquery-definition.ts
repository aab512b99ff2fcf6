/**
 * The `bigquery_query_job_task` task type, defined once: flytekit-bigquery's TaskTemplate (custom =
 * ProjectID, Location and the query job config; the statement in a `sql` target) and its default
 * backend, one BigQuery query job per attempt. `bigqueryTask` and `bigqueryPlugin` both derive from
 * this definition, so what is serialized and what runs it cannot disagree.
 */
import { definePlugin } from '@tflyte/core';
import type { WebApiHandle } from '@tflyte/warehouse';
import bigqueryPackage from '../package.json' with { type: 'json' };
import { type BigQueryHandle, type BigQueryPluginOptions, bigqueryBackend } from './backend/bigquery-backend.ts';
import { BIGQUERY_TASK_TYPE, BIGQUERY_TASK_TYPE_VERSION, type BigQueryConfig, bigqueryConfig } from './bigquery-config.ts';

export const bigquery = definePlugin<BigQueryConfig, BigQueryPluginOptions, WebApiHandle<BigQueryHandle>>({
  taskType: BIGQUERY_TASK_TYPE,
  taskTypeVersion: BIGQUERY_TASK_TYPE_VERSION,
  packageName: bigqueryPackage.name,
  coreVersion: `^${bigqueryPackage.dependencies['@tflyte/core']}`,
  target: 'sql',
  config: bigqueryConfig,
  backend: (options) => bigqueryBackend(options),
});

/** The registrable plugin for tflyte.config.ts: `plugins: [bigqueryPlugin()]`. */
export function bigqueryPlugin(options: BigQueryPluginOptions = {}): ReturnType<typeof bigquery.plugin> {
  return bigquery.plugin(options);
}
