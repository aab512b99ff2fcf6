/**
 * The four Athena operations the server implements: request validation and response shapes as the
 * Athena API reference describes them.
 */
import { invalidRequest } from './api-errors.ts';
import type { Execution, Executions } from './executions.ts';
import { isTerminal } from './executions.ts';
import type { QueryEngine } from './query-engine.ts';

export const ATHENA_OPERATIONS = ['StartQueryExecution', 'GetQueryExecution', 'GetQueryResults', 'StopQueryExecution'] as const;
export type AthenaOperation = (typeof ATHENA_OPERATIONS)[number];

export interface WorkGroupConfig {
  /** Result location used when a request names none (or always, when enforced). */
  outputLocation?: string;
  /** The workgroup's OutputLocation overrides the one in the request, as with "Override client-side settings". */
  enforceWorkGroupConfiguration?: boolean;
}

export interface OperationContext {
  executions: Executions;
  engine: QueryEngine;
  workGroups: Readonly<Record<string, WorkGroupConfig>>;
}

type Input = Record<string, unknown>;
type Handler = (input: Input, ctx: OperationContext) => Promise<object>;

const MAX_RESULTS = 1000;

export const operations: Readonly<Record<AthenaOperation, Handler>> = {
  StartQueryExecution: startQueryExecution,
  GetQueryExecution: async (input, ctx) => ({ QueryExecution: describe(findExecution(input, ctx)) }),
  GetQueryResults: getQueryResults,
  StopQueryExecution: async (input, ctx) => {
    ctx.executions.stop(findExecution(input, ctx).queryExecutionId);
    return {};
  },
};

async function startQueryExecution(input: Input, ctx: OperationContext): Promise<object> {
  const query = string(input, 'QueryString', { required: true, min: 1, max: 262144 });
  const token = string(input, 'ClientRequestToken', { min: 32, max: 128 });
  const context = object(input, 'QueryExecutionContext');
  const database = string(context, 'Database', { min: 1, max: 255, path: 'queryExecutionContext.database' }) ?? 'default';
  const catalog = string(context, 'Catalog', { min: 1, max: 256, path: 'queryExecutionContext.catalog' }) ?? 'AwsDataCatalog';
  const workGroup = string(input, 'WorkGroup', { min: 1, max: 128 }) ?? 'primary';
  const config = ctx.workGroups[workGroup];
  if (config === undefined) throw invalidRequest(`WorkGroup ${workGroup} is not found.`);
  const requested = string(object(input, 'ResultConfiguration'), 'OutputLocation', { path: 'resultConfiguration.outputLocation' });
  const outputPrefix =
    config.enforceWorkGroupConfiguration === true && config.outputLocation !== undefined
      ? config.outputLocation
      : (requested ?? config.outputLocation);
  if (outputPrefix === undefined) {
    throw invalidRequest(
      'No output location provided. An output location is required either through the Workgroup result configuration setting or as an API input.',
    );
  }
  if (!/^s3:\/\/[^/]+/.test(outputPrefix))
    throw invalidRequest(`OutputLocation '${outputPrefix}' is not an S3 URI; use s3://bucket/prefix/`);
  const executionParameters = stringList(input, 'ExecutionParameters', { min: 1, max: 1024 });

  // Await before the token check, never between it and start(): two concurrent requests with the same
  // token must not both find it unused.
  if ((await ctx.engine.countStatements(query)) > 1) throw invalidRequest(`Only one sql statement is allowed. Got: ${query}`);

  const submission = { clientRequestToken: token, query, database, catalog, workGroup, outputPrefix, executionParameters };
  if (token !== undefined) {
    const previous = ctx.executions.byToken(token);
    if (previous !== undefined) {
      const differs = (['query', 'database', 'catalog', 'workGroup', 'outputPrefix'] as const).find((k) => previous[k] !== submission[k]);
      const paramsDiffer = previous.executionParameters.join('\u0000') !== executionParameters.join('\u0000');
      if (differs !== undefined || paramsDiffer) {
        throw invalidRequest(
          `ClientRequestToken ${token} was already used by query ${previous.queryExecutionId} with a different ${differs ?? 'executionParameters'}; use a new token for a different request`,
        );
      }
      return { QueryExecutionId: previous.queryExecutionId };
    }
  }
  return { QueryExecutionId: ctx.executions.start(submission).queryExecutionId };
}

async function getQueryResults(input: Input, ctx: OperationContext): Promise<object> {
  const execution = findExecution(input, ctx);
  const maxResults = integer(input, 'MaxResults', 1, MAX_RESULTS) ?? MAX_RESULTS;
  const nextToken = string(input, 'NextToken', { min: 1, max: 1024 });
  const { state } = execution;
  if (!isTerminal(state)) throw invalidRequest(`Query has not yet finished. Current state: ${state}`);
  if (state === 'FAILED') throw invalidRequest(execution.stateChangeReason ?? 'Query failed');
  if (state === 'CANCELLED') throw invalidRequest('Query was cancelled');
  const result = execution.result ?? { columns: [], rows: [] };

  // Athena sends the column names as the first row of the first page, and it counts against MaxResults.
  const header = result.columns.map((c) => ({ VarCharValue: c.Name }));
  const total = result.columns.length === 0 ? 0 : result.rows.length + 1;
  const offset = nextToken === undefined ? 0 : decodeToken(nextToken, execution.queryExecutionId, total);
  const end = Math.min(offset + maxResults, total);
  const rows = [];
  for (let i = offset; i < end; i++) {
    const data = i === 0 ? header : (result.rows[i - 1] ?? []).map((v) => (v === undefined ? {} : { VarCharValue: v }));
    rows.push({ Data: data });
  }
  return {
    ResultSet: { Rows: rows, ResultSetMetadata: { ColumnInfo: result.columns } },
    UpdateCount: result.updateCount ?? 0,
    ...(end < total ? { NextToken: encodeToken(execution.queryExecutionId, end) } : {}),
  };
}

function describe(e: Execution): object {
  const now = Date.now();
  const submitted = e.submittedAt.getTime();
  const end = e.completedAt?.getTime() ?? now;
  const started = e.startedAt?.getTime();
  return {
    QueryExecutionId: e.queryExecutionId,
    Query: e.query,
    StatementType: e.statementType,
    ResultConfiguration: { OutputLocation: e.outputLocation },
    ResultReuseConfiguration: { ResultReuseByAgeConfiguration: { Enabled: false } },
    QueryExecutionContext: { Database: e.database, Catalog: e.catalog },
    Status: {
      State: e.state,
      SubmissionDateTime: submitted / 1000,
      ...(e.stateChangeReason === undefined ? {} : { StateChangeReason: e.stateChangeReason }),
      ...(e.completedAt === undefined ? {} : { CompletionDateTime: e.completedAt.getTime() / 1000 }),
      ...(e.athenaError === undefined ? {} : { AthenaError: e.athenaError }),
    },
    Statistics: {
      EngineExecutionTimeInMillis: started === undefined ? 0 : end - started,
      DataScannedInBytes: 0,
      TotalExecutionTimeInMillis: end - submitted,
      QueryQueueTimeInMillis: (started ?? end) - submitted,
      ServicePreProcessingTimeInMillis: 0,
      QueryPlanningTimeInMillis: 0,
      ServiceProcessingTimeInMillis: 0,
      ResultReuseInformation: { ReusedPreviousResult: false },
    },
    WorkGroup: e.workGroup,
    EngineVersion: { SelectedEngineVersion: 'AUTO', EffectiveEngineVersion: 'Athena engine version 3' },
    ...(e.executionParameters.length === 0 ? {} : { ExecutionParameters: e.executionParameters }),
  };
}

function findExecution(input: Input, ctx: OperationContext): Execution {
  const id = string(input, 'QueryExecutionId', { required: true, min: 1, max: 128 });
  const execution = ctx.executions.get(id);
  if (execution === undefined) throw invalidRequest(`QueryExecution ${id} was not found`);
  return execution;
}

function encodeToken(id: string, offset: number): string {
  return Buffer.from(JSON.stringify({ q: id, o: offset })).toString('base64url');
}

function decodeToken(token: string, id: string, total: number): number {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (typeof parsed === 'object' && parsed !== null && 'q' in parsed && 'o' in parsed) {
      const { q, o } = parsed;
      if (q === id && typeof o === 'number' && Number.isInteger(o) && o > 0 && o < total) return o;
    }
  } catch {
    // fall through to the error below
  }
  throw invalidRequest(`NextToken is not valid for query ${id}; pass the NextToken from the previous GetQueryResults response for it`);
}

// Validation messages follow AWS's "1 validation error detected" wording, naming the member.
function validation(path: string, value: unknown, constraint: string): never {
  throw invalidRequest(
    `1 validation error detected: Value ${JSON.stringify(value) ?? 'null'} at '${path}' failed to satisfy constraint: ${constraint}`,
  );
}

function lowerFirst(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}

function string(input: Input | undefined, name: string, opts: { required: true; min?: number; max?: number; path?: string }): string;
function string(
  input: Input | undefined,
  name: string,
  opts?: { required?: false; min?: number; max?: number; path?: string },
): string | undefined;
function string(
  input: Input | undefined,
  name: string,
  opts: { required?: boolean; min?: number; max?: number; path?: string } = {},
): string | undefined {
  const path = opts.path ?? lowerFirst(name);
  const value = input?.[name];
  if (value === undefined || value === null) {
    if (opts.required === true) validation(path, null, 'Member must not be null');
    return undefined;
  }
  if (typeof value !== 'string') validation(path, value, 'Member must be a string');
  if (opts.min !== undefined && value.length < opts.min)
    validation(path, value, `Member must have length greater than or equal to ${opts.min}`);
  if (opts.max !== undefined && value.length > opts.max)
    validation(path, value, `Member must have length less than or equal to ${opts.max}`);
  return value;
}

function stringList(input: Input, name: string, opts: { min: number; max: number }): string[] {
  const value = input[name];
  if (value === undefined || value === null) return [];
  const path = lowerFirst(name);
  if (!Array.isArray(value)) validation(path, value, 'Member must be a list of strings');
  return value.map((item: unknown, i) => string({ item }, 'item', { required: true, ...opts, path: `${path}.${i + 1}.member` }));
}

function integer(input: Input, name: string, min: number, max: number): number | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  const path = lowerFirst(name);
  if (typeof value !== 'number' || !Number.isInteger(value)) validation(path, value, 'Member must be an integer');
  if (value < min) validation(path, value, `Member must have value greater than or equal to ${min}`);
  if (value > max) validation(path, value, `Member must have value less than or equal to ${max}`);
  return value;
}

function object(input: Input | undefined, name: string): Input | undefined {
  const value = input?.[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) validation(lowerFirst(name), value, 'Member must be a structure');
  return value as Input;
}
