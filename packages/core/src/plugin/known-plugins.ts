/**
 * Task types tflyte knows a plugin package for, so "no plugin" errors can say what to install.
 * Keys are flyteidl `TaskTemplate.type` values as flytekit writes them.
 */
const KNOWN_PLUGIN_PACKAGES: Readonly<Record<string, string>> = Object.freeze({
  presto: '@tflyte/plugin-athena',
  bigquery_query_job_task: '@tflyte/plugin-bigquery',
  snowflake: '@tflyte/plugin-snowflake',
  hive: '@tflyte/plugin-hive',
  spark: '@tflyte/plugin-spark',
  pytorch: '@tflyte/plugin-pytorch',
  'raw-container': '@tflyte/plugin-container',
});

/** The npm package that provides `taskType`, when tflyte knows one. */
export function knownPluginPackage(taskType: string): string | undefined {
  return Object.hasOwn(KNOWN_PLUGIN_PACKAGES, taskType) ? KNOWN_PLUGIN_PACKAGES[taskType] : undefined;
}
