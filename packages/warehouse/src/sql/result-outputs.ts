/**
 * The standard outputs of a query task: `results`, where the service left the result (a file, a
 * table) as a structured dataset, and `rows`, the result itself as JSON objects for small results,
 * bounded by `maxRows`. Checked when the task is defined; built by the backend once the job succeeded.
 */
import { create } from '@bufbuild/protobuf';
import {
  type AnyType,
  type AttemptContext,
  BackendError,
  type DefinedTask,
  type FlyteDatasetType,
  type FlyteListType,
  type FlyteType,
  InvalidOptionError,
  type JsonObject,
  TflyteError,
  type TypeRecord,
  toLiteralMap,
  typeFromLiteralType,
} from '@tflyte/core';
import type { LiteralMap } from '@tflyte/idl/core/literals';
import { LiteralTypeSchema } from '@tflyte/idl/core/types';

/** The outputs a query task may declare. */
export interface ResultOutputs {
  /** Where the result is, as a structured dataset (`s3://…/<id>.csv`, `bq://project:dataset.table`, …). */
  readonly results?: FlyteDatasetType;
  /** Every result row as a JSON object keyed by column name; declare as `t.list(t.struct())`. */
  readonly rows?: FlyteListType<FlyteType<JsonObject>>;
}

/** What a task without `outputs` returns: `{ results }`. */
export type DefaultResultOutputs = { readonly results: FlyteDatasetType };

/** Rows a `rows` output returns at most unless the task sets `maxRows`. */
export const DEFAULT_MAX_ROWS = 10_000;
/** The largest `maxRows` a task may set. */
export const MAX_MAX_ROWS = 1_000_000;

/**
 * Checks the task's outputs are only `results` (a dataset) and `rows` (list of struct), and its
 * `maxRows`; returns whether the task has a `rows` output and its row bound. `service` names the
 * service in messages (`Athena`).
 */
export function checkResultOutputs(
  task: DefinedTask,
  maxRows: unknown,
  service: string,
): { readonly rows: boolean; readonly maxRows: number } {
  const fail = (option: string, problem: string): never => {
    throw new InvalidOptionError(task.name, option, problem);
  };
  const { types, shape } = task.outputs;
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
      const a = /^[AEIOU]/i.test(service) ? 'an' : 'a';
      fail(`outputs.${key}`, `is not ${a} ${service} output; ${a} ${service} task produces results (where the result is) and rows`);
    }
  }
  const rows = Object.hasOwn(types, 'rows');
  if (maxRows !== undefined && !rows) fail('maxRows', 'only applies to a task with a `rows` output');
  const bound = maxRows ?? DEFAULT_MAX_ROWS;
  if (typeof bound !== 'number' || !Number.isInteger(bound) || bound < 1 || bound > MAX_MAX_ROWS) {
    fail('maxRows', `must be an integer from 1 to ${MAX_MAX_ROWS}, got ${String(maxRows)}`);
  }
  return { rows, maxRows: bound as number };
}

/** A result had more rows than the task's `maxRows`. */
export class TooManyRowsError extends TflyteError {
  readonly limit: number;
  constructor(limit: number) {
    super('TFLYTE_INVALID_OUTPUT', `the query returned more than ${limit} rows`);
    this.limit = limit;
  }
}

/** Result columns do not make a JSON object (duplicate names). */
export class RowShapeError extends TflyteError {
  constructor(message: string) {
    super('TFLYTE_INVALID_OUTPUT', message);
  }
}

/** Collects pages of rows, throwing TooManyRowsError as soon as there are more than `maxRows`. */
export async function collectRows(pages: AsyncIterable<readonly JsonObject[]>, maxRows: number): Promise<JsonObject[]> {
  const rows: JsonObject[] = [];
  for await (const page of pages) {
    for (const row of page) {
      if (rows.length === maxRows) throw new TooManyRowsError(maxRows);
      rows.push(row);
    }
  }
  return rows;
}

/** Names columns for JSON rows; throws RowShapeError on a duplicate. */
export function rowColumnNames(names: readonly string[]): readonly string[] {
  const duplicate = names.find((n, i) => names.indexOf(n) !== i);
  if (duplicate !== undefined) {
    throw new RowShapeError(`the result has two columns named '${duplicate}'; give them distinct aliases (AS …) to return rows`);
  }
  return names;
}

/** One JSON row from column names and values (defineProperty: a column may be called __proto__). */
export function jsonRow(names: readonly string[], values: readonly JsonObject[keyof JsonObject][]): JsonObject {
  const out: JsonObject = {};
  names.forEach((name, i) => {
    Object.defineProperty(out, name, { value: values[i] ?? null, enumerable: true, writable: true, configurable: true });
  });
  return out;
}

export interface ResultSource {
  /** The job, named in messages (`Athena query 1234`). */
  readonly job: string;
  /** The `results` dataset's URI; undefined when the service reports none (a retryable SYSTEM failure). */
  readonly resultsUri: () => string | undefined;
  /** Reads at most `maxRows` rows (collectRows does the bounding), only when a `rows` output is declared. */
  readonly rows: (maxRows: number) => Promise<JsonObject[]>;
  readonly maxRows: number;
}

/**
 * The declared outputs of a succeeded query. What the user must fix (too many rows, duplicate
 * columns, undeclared outputs) is a permanent USER BackendError; anything else `rows` throws is
 * passed on for the caller to classify.
 */
export async function resultOutputs(ctx: AttemptContext, source: ResultSource): Promise<LiteralMap> {
  const variables = ctx.template.interface?.outputs?.variables ?? {};
  const fail = (code: string, message: string, cause?: unknown): never => {
    throw new BackendError({ kind: 'user', retryable: false, code, message }, cause === undefined ? undefined : { cause });
  };
  const values: Record<string, unknown> = {};
  for (const name of Object.keys(variables)) {
    if (name === 'results') {
      const uri = source.resultsUri();
      if (uri === undefined || uri === '') {
        throw new BackendError({
          kind: 'system',
          retryable: true,
          code: 'NoOutputLocation',
          message: `${source.job} succeeded but reports no result location`,
        });
      }
      values[name] = { uri };
    } else if (name === 'rows') {
      try {
        values[name] = await source.rows(source.maxRows);
      } catch (error) {
        if (error instanceof TooManyRowsError) {
          fail(
            'TooManyRows',
            `${source.job} returned more than ${source.maxRows} rows; raise the task's maxRows or read the results dataset instead`,
            error,
          );
        }
        if (error instanceof RowShapeError) fail('InvalidRows', `${source.job}: ${error.message}`, error);
        throw error;
      }
    } else {
      fail('UnknownOutput', `output '${name}' is not produced by a query; declare results and/or rows`);
    }
  }
  try {
    const types: TypeRecord = Object.fromEntries(
      Object.entries(variables).map(([name, v]) => [name, typeFromLiteralType(v.type ?? create(LiteralTypeSchema))]),
    );
    return toLiteralMap(types, values);
  } catch (error) {
    if (error instanceof TflyteError && !(error instanceof BackendError))
      return fail('InvalidOutputs', `${source.job}: ${error.message}`, error);
    throw error;
  }
}
