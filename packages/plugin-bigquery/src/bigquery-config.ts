/**
 * What a BigQuery task's TaskTemplate carries. `custom` is the JSON object flytekit-bigquery writes:
 * `ProjectID`, `Location` and the keys of `QueryJobConfig.to_api_repr()["query"]` (camelCase, as the
 * BigQuery REST API names them). Flyte's Go plugin decodes it with encoding/json, which matches keys
 * case-insensitively, so decoding here does the same. The statement is in the `sql` target.
 */

import { type ConfigCodec, type EncodedConfig, InvalidSchemaError, type JsonObject, type JsonValue } from '@tflyte/core';
import { STRING_PARAMETER_TYPES, type StringParameterType } from './query-parameters.ts';

/** flytekit's BigQueryTask type, routed by Flyte to its BigQuery plugin. */
export const BIGQUERY_TASK_TYPE = 'bigquery_query_job_task';
export const BIGQUERY_TASK_TYPE_VERSION = 0;

/** TaskTemplate.config keys for tflyte's own settings, which flytekit's custom has no key for. */
export const CONFIG_MAX_ROWS = 'bigquery_max_rows';
export const CONFIG_PARAMETER_TYPES = 'bigquery_parameter_types';

/** Rows a `rows` output returns at most unless the task sets `maxRows`: the warehouse's bound. */
export { DEFAULT_MAX_ROWS } from '@tflyte/warehouse';

export interface TableReference {
  readonly projectId: string;
  readonly datasetId: string;
  readonly tableId: string;
}

export interface DatasetReference {
  readonly projectId: string;
  readonly datasetId: string;
}

export type WriteDisposition = 'WRITE_TRUNCATE' | 'WRITE_APPEND' | 'WRITE_EMPTY';
export type CreateDisposition = 'CREATE_IF_NEEDED' | 'CREATE_NEVER';
export type QueryPriority = 'INTERACTIVE' | 'BATCH';

/** The query job options, in the BigQuery REST API's representation (JobConfigurationQuery). */
export interface QueryJobOptions {
  readonly destinationTable?: TableReference;
  readonly writeDisposition?: WriteDisposition;
  readonly createDisposition?: CreateDisposition;
  /** An int64, as the REST API writes it: a decimal string. */
  readonly maximumBytesBilled?: string;
  readonly priority?: QueryPriority;
  readonly defaultDataset?: DatasetReference;
  readonly useQueryCache?: boolean;
  /**
   * Job labels. Not a key of flytekit's custom (flytekit puts labels on the job, Flyte's Go plugin
   * uses the execution's); kept here so a serialized task carries them, and ignored by Flyte.
   */
  readonly labels?: Readonly<Record<string, string>>;
}

/** The custom config of a BigQuery task. */
export interface BigQueryConfig {
  readonly projectId: string;
  /** `''` when unset: BigQuery picks the location from the datasets the query reads. */
  readonly location: string;
  readonly job: QueryJobOptions;
  /** With a `rows` output: the most rows to return (TaskTemplate.config). */
  readonly maxRows?: number;
  /** BigQuery types declared for string inputs, e.g. `{ amount: 'NUMERIC' }` (TaskTemplate.config, as JSON). */
  readonly parameterTypes?: Readonly<Record<string, StringParameterType>>;
}

const JOB_KEYS = [
  'destinationTable',
  'writeDisposition',
  'createDisposition',
  'maximumBytesBilled',
  'priority',
  'defaultDataset',
  'useQueryCache',
  'labels',
] as const;

function encodeCustom(config: BigQueryConfig): JsonObject {
  // flytekit writes `Location: None` as null when no location is set.
  const custom: Record<string, JsonValue> = { Location: config.location === '' ? null : config.location, ProjectID: config.projectId };
  for (const key of JOB_KEYS) {
    const value = config.job[key];
    if (value !== undefined) custom[key] = value as JsonValue;
  }
  return custom;
}

function decode(encoded: EncodedConfig): BigQueryConfig {
  const source = encoded.custom ?? {};
  const entries = encoded.config ?? {};
  // encoding/json semantics: an exact key wins, else the first case-insensitive match.
  const lookup = (name: string): JsonValue | undefined => {
    if (Object.hasOwn(source, name)) return source[name];
    const lower = name.toLowerCase();
    const key = Object.keys(source).find((k) => k.toLowerCase() === lower);
    return key === undefined ? undefined : source[key];
  };
  const fail = (key: string, problem: string): never => {
    throw new InvalidSchemaError(`TaskTemplate.custom of a BigQuery task: '${key}' ${problem}`);
  };
  const text = (key: string, value: JsonValue | undefined): string | undefined => {
    if (value === undefined || value === null) return undefined;
    return typeof value === 'string' ? value : fail(key, `must be a string, got ${JSON.stringify(value)}`);
  };
  const projectId = text('ProjectID', lookup('ProjectID'));
  if (projectId === undefined || projectId === '') fail('ProjectID', 'is required: the Google Cloud project the query job runs in');
  const job: Record<string, unknown> = {};
  const destinationTable = lookup('destinationTable');
  if (destinationTable !== undefined && destinationTable !== null)
    job.destinationTable = reference(destinationTable, 'destinationTable', ['projectId', 'datasetId', 'tableId'], fail);
  const defaultDataset = lookup('defaultDataset');
  if (defaultDataset !== undefined && defaultDataset !== null)
    job.defaultDataset = reference(defaultDataset, 'defaultDataset', ['projectId', 'datasetId'], fail);
  for (const key of ['writeDisposition', 'createDisposition', 'priority'] as const) {
    const value = text(key, lookup(key));
    if (value !== undefined && value !== '') job[key] = value;
  }
  const bytes = lookup('maximumBytesBilled');
  if (bytes !== undefined && bytes !== null) {
    const value = typeof bytes === 'number' ? String(bytes) : text('maximumBytesBilled', bytes);
    if (value === undefined || !/^\d+$/.test(value))
      fail('maximumBytesBilled', `must be a whole number of bytes, got ${JSON.stringify(bytes)}`);
    job.maximumBytesBilled = value;
  }
  const cache = lookup('useQueryCache');
  if (cache !== undefined && cache !== null) {
    if (typeof cache !== 'boolean') fail('useQueryCache', `must be a boolean, got ${JSON.stringify(cache)}`);
    job.useQueryCache = cache;
  }
  const labels = lookup('labels');
  if (labels !== undefined && labels !== null) {
    if (typeof labels !== 'object' || Array.isArray(labels) || Object.values(labels).some((v) => typeof v !== 'string')) {
      fail('labels', 'must be an object of string values');
    }
    job.labels = labels;
  }
  const extras: { maxRows?: number; parameterTypes?: Record<string, StringParameterType> } = {};
  const maxText = entries[CONFIG_MAX_ROWS];
  if (maxText !== undefined && maxText !== '') {
    const maxRows = Number(maxText);
    if (!Number.isInteger(maxRows) || maxRows < 1)
      throw new InvalidSchemaError(`TaskTemplate.config ${CONFIG_MAX_ROWS} must be a positive integer, got '${maxText}'`);
    extras.maxRows = maxRows;
  }
  const typesText = entries[CONFIG_PARAMETER_TYPES];
  if (typesText !== undefined && typesText !== '') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(typesText);
    } catch {
      throw new InvalidSchemaError(`TaskTemplate.config ${CONFIG_PARAMETER_TYPES} is not JSON`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw new InvalidSchemaError(`TaskTemplate.config ${CONFIG_PARAMETER_TYPES} must be a JSON object`);
    for (const [name, type] of Object.entries(parsed)) {
      if (typeof type !== 'string' || !Object.hasOwn(STRING_PARAMETER_TYPES, type))
        throw new InvalidSchemaError(
          `TaskTemplate.config ${CONFIG_PARAMETER_TYPES}: '${name}' is not a BigQuery type: ${JSON.stringify(type)}`,
        );
    }
    extras.parameterTypes = parsed as Record<string, StringParameterType>;
  }
  return { projectId: projectId as string, location: text('Location', lookup('Location')) ?? '', job: job as QueryJobOptions, ...extras };
}

function reference<K extends string>(
  value: JsonValue,
  key: string,
  fields: readonly K[],
  fail: (key: string, problem: string) => never,
): Record<K, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail(key, `must be an object with ${fields.join(', ')}`);
  const out = {} as Record<K, string>;
  for (const field of fields) {
    const v = value[field];
    if (typeof v !== 'string' || v === '') fail(`${key}.${field}`, 'is required (a non-empty string)');
    out[field] = v as string;
  }
  return out;
}

function encode(config: BigQueryConfig): EncodedConfig {
  const entries: Record<string, string> = {
    ...(config.maxRows === undefined ? {} : { [CONFIG_MAX_ROWS]: String(config.maxRows) }),
    ...(config.parameterTypes === undefined || Object.keys(config.parameterTypes).length === 0
      ? {}
      : { [CONFIG_PARAMETER_TYPES]: JSON.stringify(config.parameterTypes) }),
  };
  return { custom: encodeCustom(config), ...(Object.keys(entries).length === 0 ? {} : { config: entries }) };
}

/** custom as flytekit-bigquery writes it, plus TaskTemplate.config entries for tflyte's own settings. */
export const bigqueryConfig: ConfigCodec<BigQueryConfig> = { encode, decode };
