// @tflyte/plugin-bigquery/testing: a wire-level BigQuery REST v2 server on DuckDB for testing BigQuery
// tasks. A separate entry point, so a user of the plugin alone never loads DuckDB or the emulator.

export type { BigQueryOperation, BigQueryServerOptions, BigQueryTestServer, JobError, QueryJob, QueryJobSpec } from './bigquery-server.ts';
export { BIGQUERY_OPERATIONS, startBigQueryServer } from './bigquery-server.ts';
export { toDuckDbSql } from './sql-translate.ts';
