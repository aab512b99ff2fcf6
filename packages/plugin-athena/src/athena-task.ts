/**
 * `athenaTask({...})`: an Athena query as a typed Flyte task. It has no function body: the query
 * runs through an executor with `athenaPlugin()` registered. Serialized as flytekit's AthenaTask
 * (type `presto`, custom = PrestoQuery) plus a `sql` target holding the statement.
 */
import { create } from '@bufbuild/protobuf';
import {
  type AnyType,
  type CommonTaskOptions,
  type FlyteDatasetType,
  type FlyteListType,
  type FlyteType,
  InvalidOptionError,
  type JsonObject,
  type Task,
  type TaskDefinition,
  type TaskKind,
  type TypeRecord,
  defineTask,
  markTaskFactoryModule,
  t,
} from '@tflyte/core';
import { SqlSchema, Sql_Dialect } from '@tflyte/idl/core/tasks';
import {
  ATHENA_TASK_TYPE,
  ATHENA_TASK_TYPE_VERSION,
  CONFIG_MAX_ROWS,
  CONFIG_OUTPUT_LOCATION,
  DEFAULT_MAX_ROWS,
  toCustom,
} from './athena-template.ts';
import { MAX_QUERY_LENGTH } from './render-query.ts';
import { type QueryTemplate, QueryTemplateError, parseQueryTemplate } from './query-template.ts';
import { referenceTypeProblem } from './sql-literals.ts';

markTaskFactoryModule(import.meta.url);

/** The outputs an Athena task may declare: the result file, and the rows themselves for small results. */
export interface AthenaOutputs {
  /** The query's result file (`<outputLocation>/<queryId>.csv`) as a structured dataset. */
  readonly results?: FlyteDatasetType;
  /** Every result row as a JSON object keyed by column name; declare as `t.list(t.struct())`. */
  readonly rows?: FlyteListType<FlyteType<JsonObject>>;
}

/** What a task without `outputs` returns: `{ results }`, the result file as a CSV dataset. */
export type DefaultAthenaOutputs = { readonly results: FlyteDatasetType };

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

const MAX_MAX_ROWS = 1_000_000;
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
  return defineTask({
    name,
    inputs,
    outputs: outputs ?? { results: t.dataset({ format: 'csv' }) },
    options: common,
    ownOptions: OWN_OPTIONS,
    kind: (definition) => athenaKind(definition, { query, database, workgroup, catalog, outputLocation, maxRows }),
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

function athenaKind(definition: Omit<TaskDefinition, 'kind'>, settings: AthenaSettings): TaskKind {
  const fail = (option: string, problem: string): never => {
    throw new InvalidOptionError(definition.name, option, problem);
  };
  const template = checkQuery(definition, settings.query, fail);
  const database = requiredString(settings.database, 'database', 255, fail);
  const workgroup = optionalString(settings.workgroup, 'workgroup', 128, fail);
  if (workgroup !== '' && !WORKGROUP.test(workgroup)) fail('workgroup', `'${workgroup}' is not a workgroup name (letters, digits, '.', '_' and '-')`);
  const catalog = optionalString(settings.catalog, 'catalog', 256, fail);
  const outputLocation = optionalString(settings.outputLocation, 'outputLocation', 1024, fail);
  if (outputLocation !== '' && !S3_URI.test(outputLocation)) fail('outputLocation', `must be an S3 URI such as 's3://bucket/prefix/', got '${outputLocation}'`);
  const hasRows = checkOutputs(definition.outputs.types, definition.outputs.shape, fail);
  if (settings.maxRows !== undefined && !hasRows) fail('maxRows', 'only applies to a task with a `rows` output');
  const maxRows = settings.maxRows ?? DEFAULT_MAX_ROWS;
  if (typeof maxRows !== 'number' || !Number.isInteger(maxRows) || maxRows < 1 || maxRows > MAX_MAX_ROWS) {
    fail('maxRows', `must be an integer from 1 to ${MAX_MAX_ROWS}, got ${String(settings.maxRows)}`);
  }

  const statement = template.statement;
  return {
    taskType: ATHENA_TASK_TYPE,
    taskTypeVersion: ATHENA_TASK_TYPE_VERSION,
    custom: toCustom({ statement, database, workgroup, catalog }),
    templateConfig: {
      ...(outputLocation === '' ? {} : { [CONFIG_OUTPUT_LOCATION]: outputLocation }),
      ...(hasRows ? { [CONFIG_MAX_ROWS]: String(maxRows) } : {}),
    },
    target: () => ({ case: 'sql', value: create(SqlSchema, { statement, dialect: Sql_Dialect.ANSI }) }),
  };
}

type Fail = (option: string, problem: string) => never;

/**
 * The query parses, every reference names a declared input of a type that can be bound that way,
 * and every input is referenced (flytekit refuses unused inputs as well).
 */
function checkQuery(definition: Omit<TaskDefinition, 'kind'>, query: unknown, fail: Fail): QueryTemplate {
  if (typeof query !== 'string') return fail('query', 'is required: the SQL statement to run');
  if (query.length > MAX_QUERY_LENGTH) fail('query', `is ${query.length} characters long; Athena takes at most ${MAX_QUERY_LENGTH}`);
  let template: QueryTemplate;
  try {
    template = parseQueryTemplate(query);
  } catch (error) {
    if (error instanceof QueryTemplateError) return fail('query', error.problem);
    throw error;
  }
  const inputs = definition.inputs;
  const names = Object.keys(inputs);
  for (const reference of template.references) {
    const type: AnyType | undefined = Object.hasOwn(inputs, reference.input) ? inputs[reference.input] : undefined;
    if (type === undefined) {
      fail('query', `references input '${reference.input}' (${reference.text}), which is not declared; inputs are: ${names.join(', ') || '(none)'}`);
    } else {
      const problem = referenceTypeProblem(type, reference.filter);
      if (problem !== undefined) fail(`inputs.${reference.input}`, `${problem} (referenced as ${reference.text})`);
    }
  }
  const referenced = new Set(template.references.map((r) => r.input));
  const unused = names.filter((n) => !referenced.has(n));
  if (unused.length > 0) {
    fail(`inputs.${unused[0]}`, `is not referenced by the query; use it as {{ .inputs.${unused[0]} }} or remove it (unused inputs: ${unused.join(', ')})`);
  }
  return template;
}

/** Only `results` (a dataset) and `rows` (list of struct) are produced; returns whether rows are. */
function checkOutputs(types: TypeRecord, shape: string, fail: Fail): boolean {
  if (shape !== 'record' && shape !== 'none') {
    fail('outputs', "must name its outputs: { results: t.dataset({ format: 'csv' }) }, optionally with rows: t.list(t.struct())");
  }
  for (const [key, type] of Object.entries(types)) {
    if (key === 'results') {
      if (type.kind !== 'dataset') fail('outputs.results', `must be a dataset (t.dataset({ format: 'csv' })), got ${type.display}`);
    } else if (key === 'rows') {
      const element = type.kind === 'list' ? (type as FlyteListType<AnyType>).element : undefined;
      if (element?.kind !== 'struct') fail('outputs.rows', `must be t.list(t.struct()), got ${type.display}`);
    } else {
      fail(`outputs.${key}`, 'is not an Athena output; an Athena task produces results (the result file) and rows');
    }
  }
  return Object.hasOwn(types, 'rows');
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
