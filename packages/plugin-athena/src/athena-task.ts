/**
 * `athenaTask({...})`: an Athena query as a typed Flyte task. It has no function body: the query
 * runs through an executor with `athenaPlugin()` registered. Serialized as flytekit's AthenaTask
 * (type `presto`, custom = PrestoQuery) plus a `sql` target holding the statement.
 */
import {
  type CommonTaskOptions,
  type DefinedTask,
  InvalidOptionError,
  markTaskFactoryModule,
  type Task,
  type TypeRecord,
  t,
} from '@tflyte/core';
import { checkQuery, checkResultOutputs, type DefaultResultOutputs, type ResultOutputs } from '@tflyte/warehouse';
import { MAX_QUERY_LENGTH } from './athena-dialect.ts';
import { athena } from './athena-plugin.ts';
import type { AthenaQueryConfig } from './athena-template.ts';

markTaskFactoryModule(import.meta.url);

/** The outputs an Athena task may declare: `results` (the result file as a dataset) and `rows` for small results. */
export type AthenaOutputs = ResultOutputs;

/** What a task without `outputs` returns: `{ results }`, the result file as a CSV dataset. */
export type DefaultAthenaOutputs = DefaultResultOutputs;

export interface AthenaTaskOptions<I extends TypeRecord> extends CommonTaskOptions {
  /** The task's name; the Flyte name is `<module>.<name>`. */
  readonly name: string;
  /**
   * One SQL statement. Reference inputs as `{{ .inputs.name }}` (sent as execution parameters, never
   * spliced in), `{{ .inputs.name | identifier }}` (a validated, quoted table or column name) or
   * `{{ .inputs.name | date }}` (a DATE parameter from a midnight-UTC datetime).
   */
  readonly query: string;
  readonly inputs?: I;
  /** The Athena database (PrestoQuery.schema) the query runs in. */
  readonly database: string;
  /** Athena workgroup (PrestoQuery.routing_group); Athena uses `primary` when omitted. */
  readonly workgroup?: string;
  /** Data catalog; Athena uses `AwsDataCatalog` when omitted. */
  readonly catalog?: string;
  /** `s3://bucket/prefix/` for the result file; else the plugin's, else the run's raw output prefix, else the workgroup's. */
  readonly outputLocation?: string;
  /** With a `rows` output: the most rows to return before failing (default 10,000). */
  readonly maxRows?: number;
}

const OWN_OPTIONS = ['query', 'database', 'workgroup', 'catalog', 'outputLocation', 'maxRows'] as const;
const WORKGROUP = /^[A-Za-z0-9._-]{1,128}$/;
const S3_URI = /^s3:\/\/[^/]+/;

type NoInputs = Record<never, never>;

/** Outputs default to `{ results: t.dataset({ format: 'csv' }) }`. */
export function athenaTask<const I extends TypeRecord = NoInputs>(
  options: AthenaTaskOptions<I> & { readonly outputs?: undefined },
): Task<I, DefaultAthenaOutputs>;
/** Declared outputs: any of `results` (a dataset) and `rows` (`t.list(t.struct())`); `{}` for none. */
export function athenaTask<const I extends TypeRecord = NoInputs, const O extends TypeRecord & AthenaOutputs = DefaultAthenaOutputs>(
  options: AthenaTaskOptions<I> & { readonly outputs: O & Record<Exclude<keyof O, keyof AthenaOutputs>, never> },
): Task<I, O>;
export function athenaTask(options: AthenaTaskOptions<TypeRecord> & { readonly outputs?: TypeRecord }): Task {
  const { name, inputs, outputs, query, database, workgroup, catalog, outputLocation, maxRows, ...common } = options;
  const settings: AthenaSettings = { query, database, workgroup, catalog, outputLocation, maxRows };
  return athena.task({
    name,
    inputs,
    outputs: outputs ?? { results: t.dataset({ format: 'csv' }) },
    options: common,
    ownOptions: OWN_OPTIONS,
    config: (task) => athenaConfig(task, settings),
    body: { kind: 'sql', statement: (config) => config.statement },
  });
}

interface AthenaSettings {
  readonly query: unknown;
  readonly database: unknown;
  readonly workgroup: unknown;
  readonly catalog: unknown;
  readonly outputLocation: unknown;
  readonly maxRows: unknown;
}

type Fail = (option: string, problem: string) => never;

function athenaConfig(task: DefinedTask, settings: AthenaSettings): AthenaQueryConfig {
  const fail: Fail = (option, problem) => {
    throw new InvalidOptionError(task.name, option, problem);
  };
  const template = checkQuery(task, settings.query, { maxLength: { chars: MAX_QUERY_LENGTH, service: 'Athena' } });
  const database = requiredString(settings.database, 'database', 255, fail);
  const workgroup = optionalString(settings.workgroup, 'workgroup', 128, fail);
  if (workgroup !== '' && !WORKGROUP.test(workgroup))
    fail('workgroup', `'${workgroup}' is not a workgroup name (letters, digits, '.', '_' and '-')`);
  const catalog = optionalString(settings.catalog, 'catalog', 256, fail);
  const outputLocation = optionalString(settings.outputLocation, 'outputLocation', 1024, fail);
  if (outputLocation !== '' && !S3_URI.test(outputLocation))
    fail('outputLocation', `must be an S3 URI such as 's3://bucket/prefix/', got '${outputLocation}'`);
  const results = checkResultOutputs(task, settings.maxRows, 'Athena');
  return {
    statement: template.statement,
    database,
    workgroup,
    catalog,
    ...(outputLocation === '' ? {} : { outputLocation }),
    ...(results.rows ? { maxRows: results.maxRows } : {}),
  };
}

function requiredString(value: unknown, option: string, max: number, fail: Fail): string {
  if (typeof value !== 'string' || value === '') return fail(option, 'is required (a non-empty string)');
  if (value.length > max) fail(option, `is longer than Athena's limit of ${max} characters`);
  return value;
}

function optionalString(value: unknown, option: string, max: number, fail: Fail): string {
  if (value === undefined) return '';
  return requiredString(value, option, max, fail);
}
