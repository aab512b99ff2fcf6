/**
 * `bigqueryTask({...})`: a BigQuery query job as a typed Flyte task. It has no function body: the
 * query runs through an executor with `bigqueryPlugin()` registered. Serialized as flytekit's
 * BigQueryTask (type `bigquery_query_job_task`, custom = ProjectID, Location and the query job
 * config) with the statement in a `sql` target.
 */
import {
  type CommonTaskOptions,
  type DefinedTask,
  type FlyteDatasetType,
  type FlyteListType,
  type FlyteType,
  InvalidOptionError,
  type JsonObject,
  markTaskFactoryModule,
  type Task,
  type TypeRecord,
  t,
} from '@tflyte/core';
import { checkQuery, checkResultOutputs, parseQueryTemplate } from '@tflyte/warehouse';
import type {
  BigQueryConfig,
  CreateDisposition,
  DatasetReference,
  QueryJobOptions,
  QueryPriority,
  TableReference,
  WriteDisposition,
} from './bigquery-config.ts';
import { bigquery } from './bigquery-definition.ts';
import { declaredTypeProblem, STRING_PARAMETER_TYPES, type StringParameterType } from './query-parameters.ts';
import { bigqueryDialect } from './render-query.ts';

markTaskFactoryModule(import.meta.url);

/** The job options a task may set; names and values as the BigQuery API's JobConfigurationQuery. */
export interface BigQueryQueryConfig {
  /** `project.dataset.table`, `dataset.table` (in the task's project) or a reference; default: an anonymous table. */
  readonly destinationTable?: string | TableReference;
  readonly writeDisposition?: WriteDisposition;
  readonly createDisposition?: CreateDisposition;
  /** The job fails instead of billing more than this many bytes. */
  readonly maximumBytesBilled?: number | bigint | string;
  readonly priority?: QueryPriority;
  readonly labels?: Readonly<Record<string, string>>;
  /** `project.dataset` or `dataset`: where unqualified table names resolve. */
  readonly defaultDataset?: string | { readonly projectId?: string; readonly datasetId: string };
  /** Whether BigQuery may answer from its cache of earlier identical queries (BigQuery's default: true). */
  readonly useQueryCache?: boolean;
}

/** The outputs a BigQuery task may declare. */
export interface BigQueryOutputs {
  /** The job's destination table as a structured dataset, `bq://<project>:<dataset>.<table>`. */
  readonly results?: FlyteDatasetType;
  /** The result rows as JSON objects keyed by column name, for small results; declare as `t.list(t.struct())`. */
  readonly rows?: FlyteListType<FlyteType<JsonObject>>;
}

/** What a task without `outputs` returns: `{ results }`, the destination table. */
export type DefaultBigQueryOutputs = { readonly results: FlyteDatasetType };

export interface BigQueryTaskOptions<I extends TypeRecord> extends CommonTaskOptions {
  readonly name: string;
  /**
   * One GoogleSQL statement. Reference inputs as `{{ .inputs.name }}` (sent as the typed named
   * parameter `@name`, never spliced in), `{{ .inputs.name | identifier }}` (a validated, backquoted
   * table or column name) or `{{ .inputs.name | date }}` (a DATE parameter from a midnight-UTC datetime).
   */
  readonly query: string;
  readonly inputs?: I;
  /** The Google Cloud project the job runs in (and is billed to). */
  readonly projectId: string;
  /** Where the job runs, e.g. `US`, `EU`, `europe-west1`; BigQuery picks it from the datasets when omitted. */
  readonly location?: string;
  readonly queryConfig?: BigQueryQueryConfig;
  /** BigQuery types for inputs that Flyte has no type for: `{ amount: 'NUMERIC', day: 'DATE' }` on string inputs. */
  readonly parameterTypes?: Readonly<Record<string, StringParameterType>>;
  /** With a `rows` output: the most rows to return before failing (default 10,000). */
  readonly maxRows?: number;
}

const OWN_OPTIONS = ['query', 'projectId', 'location', 'queryConfig', 'parameterTypes', 'maxRows'] as const;
// BigQuery's rules: project ids 6–30 lowercase (domain-scoped `example.com:p` too), datasets and tables letters, digits, _.
const PROJECT = /^([a-z][a-z0-9.-]*:)?[a-z][a-z0-9-]{4,28}[a-z0-9]$/;
const DATASET = /^[A-Za-z0-9_]{1,1024}$/;
const TABLE = /^[\p{L}\p{M}\p{N}\p{Pc}\p{Pd}\p{Zs}]{1,1024}$/u;
const LOCATION = /^[A-Za-z0-9-]{2,64}$/;
const LABEL_KEY = /^[\p{Ll}\p{Lo}][\p{Ll}\p{Lo}\p{N}_-]{0,62}$/u;
const LABEL_VALUE = /^[\p{Ll}\p{Lo}\p{N}_-]{0,63}$/u;
const ENUMS = {
  writeDisposition: ['WRITE_TRUNCATE', 'WRITE_APPEND', 'WRITE_EMPTY'],
  createDisposition: ['CREATE_IF_NEEDED', 'CREATE_NEVER'],
  priority: ['INTERACTIVE', 'BATCH'],
} as const;
const QUERY_CONFIG_KEYS = new Set([
  'destinationTable',
  'writeDisposition',
  'createDisposition',
  'maximumBytesBilled',
  'priority',
  'labels',
  'defaultDataset',
  'useQueryCache',
]);

type NoInputs = Record<never, never>;

/** Outputs default to `{ results: t.dataset() }`. */
export function bigqueryTask<const I extends TypeRecord = NoInputs>(
  options: BigQueryTaskOptions<I> & { readonly outputs?: undefined },
): Task<I, DefaultBigQueryOutputs>;
/** Declared outputs: any of `results` (a dataset) and `rows` (`t.list(t.struct())`); `{}` for none. */
export function bigqueryTask<const I extends TypeRecord = NoInputs, const O extends TypeRecord & BigQueryOutputs = DefaultBigQueryOutputs>(
  options: BigQueryTaskOptions<I> & { readonly outputs: O & Record<Exclude<keyof O, keyof BigQueryOutputs>, never> },
): Task<I, O>;
export function bigqueryTask(options: BigQueryTaskOptions<TypeRecord> & { readonly outputs?: TypeRecord }): Task {
  const { name, inputs, outputs, query, projectId, location, queryConfig, parameterTypes, maxRows, ...common } = options;
  return bigquery.task({
    name,
    inputs,
    outputs: outputs ?? { results: t.dataset() },
    options: common,
    ownOptions: OWN_OPTIONS,
    config: (task) => configOf(task, { query, projectId, location, queryConfig, parameterTypes, maxRows }),
    body: { kind: 'sql', statement: () => parseQueryTemplate(query, bigqueryDialect).statement },
  });
}

interface Settings {
  readonly query: unknown;
  readonly projectId: unknown;
  readonly location: unknown;
  readonly queryConfig: unknown;
  readonly parameterTypes: unknown;
  readonly maxRows: unknown;
}

type Fail = (option: string, problem: string) => never;

function configOf(task: DefinedTask, settings: Settings): BigQueryConfig {
  const fail: Fail = (option, problem) => {
    throw new InvalidOptionError(task.name, option, problem);
  };
  if (typeof settings.projectId !== 'string' || settings.projectId === '')
    fail('projectId', 'is required: the Google Cloud project the query job runs in');
  const projectId = settings.projectId as string;
  if (!PROJECT.test(projectId))
    fail(
      'projectId',
      `'${projectId}' is not a Google Cloud project id (6–30 lowercase letters, digits and hyphens, starting with a letter)`,
    );
  let location = '';
  if (settings.location !== undefined) {
    if (typeof settings.location !== 'string' || !LOCATION.test(settings.location))
      fail('location', `must be a BigQuery location such as 'US', 'EU' or 'europe-west1', got ${JSON.stringify(settings.location)}`);
    location = settings.location as string;
  }
  const parameterTypes = checkParameterTypes(task, settings.parameterTypes, fail);
  checkQuery(task, settings.query, { dialect: bigqueryDialect });
  const { rows, maxRows } = checkResultOutputs(task, settings.maxRows, 'BigQuery');
  return {
    projectId,
    location,
    job: jobOptions(projectId, settings.queryConfig, fail),
    ...(rows ? { maxRows } : {}),
    ...(Object.keys(parameterTypes).length === 0 ? {} : { parameterTypes }),
  };
}

/** `parameterTypes` names declared inputs, each of a type BigQuery can read as the declared one. */
function checkParameterTypes(task: DefinedTask, value: unknown, fail: Fail): Record<string, StringParameterType> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return fail('parameterTypes', "must be an object such as { amount: 'NUMERIC' }");
  const known = Object.keys(STRING_PARAMETER_TYPES);
  const names = Object.keys(task.inputs);
  for (const [input, type] of Object.entries(value)) {
    if (typeof type !== 'string' || !known.includes(type))
      fail(`parameterTypes.${input}`, `must be one of ${known.join(', ')}, got ${JSON.stringify(type)}`);
    const declared = Object.hasOwn(task.inputs, input) ? task.inputs[input] : undefined;
    if (declared === undefined) return fail(`parameterTypes.${input}`, `names no input; inputs are: ${names.join(', ') || '(none)'}`);
    const problem = declaredTypeProblem(declared.literalType(), type as StringParameterType);
    if (problem !== undefined) fail(`inputs.${input}`, problem);
  }
  return { ...(value as Record<string, StringParameterType>) };
}

function jobOptions(projectId: string, value: unknown, fail: Fail): QueryJobOptions {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return fail('queryConfig', 'must be an object of query job options');
  const config = value as Record<string, unknown>;
  for (const key of Object.keys(config)) {
    if (!QUERY_CONFIG_KEYS.has(key))
      fail(`queryConfig.${key}`, `is not a query job option; the options are: ${[...QUERY_CONFIG_KEYS].join(', ')}`);
  }
  const job: Record<string, unknown> = {};
  if (config.destinationTable !== undefined) job.destinationTable = tableReference(projectId, config.destinationTable, fail);
  if (config.defaultDataset !== undefined) job.defaultDataset = datasetReference(projectId, config.defaultDataset, fail);
  for (const key of ['writeDisposition', 'createDisposition', 'priority'] as const) {
    const v = config[key];
    if (v === undefined) continue;
    const allowed: readonly string[] = ENUMS[key];
    if (typeof v !== 'string' || !allowed.includes(v))
      fail(`queryConfig.${key}`, `must be one of ${allowed.join(', ')}, got ${JSON.stringify(v)}`);
    job[key] = v;
  }
  if (config.writeDisposition !== undefined && config.destinationTable === undefined) {
    fail('queryConfig.writeDisposition', 'only applies with a destinationTable');
  }
  const bytes = config.maximumBytesBilled;
  if (bytes !== undefined) {
    const text = typeof bytes === 'number' || typeof bytes === 'bigint' ? String(bytes) : bytes;
    if (typeof text !== 'string' || !/^[1-9]\d{0,18}$/.test(text) || BigInt(text) > 2n ** 63n - 1n) {
      fail('queryConfig.maximumBytesBilled', `must be a positive whole number of bytes, got ${String(bytes)}`);
    }
    job.maximumBytesBilled = text;
  }
  if (config.useQueryCache !== undefined) {
    if (typeof config.useQueryCache !== 'boolean') fail('queryConfig.useQueryCache', 'must be a boolean');
    job.useQueryCache = config.useQueryCache;
  }
  if (config.labels !== undefined) {
    const labels = config.labels;
    if (typeof labels !== 'object' || labels === null || Array.isArray(labels))
      return fail('queryConfig.labels', 'must be an object of string values');
    const entries = Object.entries(labels);
    if (entries.length > 64) fail('queryConfig.labels', `has ${entries.length} labels; BigQuery takes at most 64`);
    for (const [key, v] of entries) {
      if (!LABEL_KEY.test(key))
        fail(
          `queryConfig.labels.${key}`,
          'is not a label key (lowercase letters, digits, _ and -, starting with a letter, at most 63 characters)',
        );
      if (typeof v !== 'string' || !LABEL_VALUE.test(v))
        fail(`queryConfig.labels.${key}`, 'must be a label value (lowercase letters, digits, _ and -, at most 63 characters)');
    }
    job.labels = { ...(labels as Record<string, string>) };
  }
  return job as QueryJobOptions;
}

function tableReference(projectId: string, value: unknown, fail: Fail): TableReference {
  const option = 'queryConfig.destinationTable';
  let ref: { projectId?: unknown; datasetId?: unknown; tableId?: unknown };
  if (typeof value === 'string') {
    const parts = value.split('.');
    if (parts.length === 2) ref = { projectId, datasetId: parts[0], tableId: parts[1] };
    else if (parts.length === 3) ref = { projectId: parts[0], datasetId: parts[1], tableId: parts[2] };
    else return fail(option, `must be 'dataset.table' or 'project.dataset.table', got '${value}'`);
  } else if (typeof value === 'object' && value !== null) {
    ref = { projectId, ...(value as object) };
  } else {
    return fail(option, "must be 'dataset.table', 'project.dataset.table' or { projectId, datasetId, tableId }");
  }
  if (typeof ref.projectId !== 'string' || !PROJECT.test(ref.projectId))
    fail(`${option}.projectId`, `is not a project id: ${JSON.stringify(ref.projectId)}`);
  if (typeof ref.datasetId !== 'string' || !DATASET.test(ref.datasetId))
    fail(`${option}.datasetId`, `is not a dataset id (letters, digits and underscores): ${JSON.stringify(ref.datasetId)}`);
  if (typeof ref.tableId !== 'string' || !TABLE.test(ref.tableId))
    fail(`${option}.tableId`, `is not a table id: ${JSON.stringify(ref.tableId)}`);
  return { projectId: ref.projectId as string, datasetId: ref.datasetId as string, tableId: ref.tableId as string };
}

function datasetReference(projectId: string, value: unknown, fail: Fail): DatasetReference {
  const option = 'queryConfig.defaultDataset';
  let ref: { projectId?: unknown; datasetId?: unknown };
  if (typeof value === 'string') {
    const parts = value.split('.');
    if (parts.length === 1) ref = { projectId, datasetId: parts[0] };
    else if (parts.length === 2) ref = { projectId: parts[0], datasetId: parts[1] };
    else return fail(option, `must be 'dataset' or 'project.dataset', got '${value}'`);
  } else if (typeof value === 'object' && value !== null) {
    ref = { projectId, ...(value as object) };
  } else {
    return fail(option, "must be 'dataset', 'project.dataset' or { projectId?, datasetId }");
  }
  if (typeof ref.projectId !== 'string' || !PROJECT.test(ref.projectId))
    fail(`${option}.projectId`, `is not a project id: ${JSON.stringify(ref.projectId)}`);
  if (typeof ref.datasetId !== 'string' || !DATASET.test(ref.datasetId))
    fail(`${option}.datasetId`, `is not a dataset id (letters, digits and underscores): ${JSON.stringify(ref.datasetId)}`);
  return { projectId: ref.projectId as string, datasetId: ref.datasetId as string };
}
