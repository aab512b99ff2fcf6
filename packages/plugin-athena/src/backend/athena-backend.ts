/**
 * The Athena backend: create = StartQueryExecution (idempotent through a ClientRequestToken derived
 * from the attempt), get = GetQueryExecution mapped by the state table (outputs read on success),
 * delete = StopQueryExecution. The handle is the query id and the region it runs in.
 */
import { createHash } from 'node:crypto';
import {
  type AthenaClient,
  GetQueryExecutionCommand,
  type QueryExecution,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import { create } from '@bufbuild/protobuf';
import type { Variable } from '@tflyte/idl/core/interface';
import type { LiteralMap } from '@tflyte/idl/core/literals';
import { LiteralTypeSchema } from '@tflyte/idl/core/types';
import {
  type AttemptContext,
  type Backend,
  BackendError,
  type FailureInfo,
  type LogLink,
  type TaskStatus,
  TflyteError,
  type TypeRecord,
  toLiteralMap,
  typeFromLiteralType,
} from '@tflyte/core';
import { TaskExecution_Phase } from '@tflyte/idl/core/execution';
import { type AthenaTemplateSettings, CONFIG_MAX_ROWS, DEFAULT_MAX_ROWS, readTemplate } from '../athena-template.ts';
import { renderQuery } from '../render-query.ts';
import { QueryTemplateError, parseQueryTemplate } from '../query-template.ts';
import { QueryInputError } from '../sql-literals.ts';
import type { ClientPool } from './client-pool.ts';
import { consoleUrl, queryState } from './query-state.ts';
import { RowShapeError, TooManyRowsError, readRows } from './result-rows.ts';
import { backendErrorFromSdk, isQueryNotFound } from './sdk-errors.ts';

/** What the executor stores for a running query. */
export type AthenaHandle = { readonly queryExecutionId: string; readonly region: string };

export interface PollPolicy {
  readonly initialMs: number;
  readonly multiplier: number;
  readonly maxMs: number;
}

/** Athena queries take seconds to minutes: 1 s, ×1.5, capped at 10 s (10 status calls in a query's first minute). */
export const DEFAULT_ATHENA_POLL: PollPolicy = { initialMs: 1000, multiplier: 1.5, maxMs: 10_000 };

export interface AthenaBackendOptions {
  readonly clients: ClientPool;
  /** Result location when the task sets none. */
  readonly outputLocation?: string;
  readonly poll?: PollPolicy;
}

export const ATHENA_BACKEND_NAME = 'athena';

export function athenaBackend(options: AthenaBackendOptions): Backend<AthenaHandle> {
  const { clients } = options;
  return {
    name: ATHENA_BACKEND_NAME,
    handleVersion: 1,
    poll: options.poll ?? DEFAULT_ATHENA_POLL,

    async create(ctx) {
      const settings = readSettings(ctx);
      const { query, parameters } = render(ctx, settings);
      const outputLocation = settings.outputLocation ?? options.outputLocation ?? s3Prefix(ctx.rawOutputPrefix);
      const { client, region } = await clients.defaultClient();
      let id: string | undefined;
      try {
        const out = await client.send(
          new StartQueryExecutionCommand({
            QueryString: query,
            ClientRequestToken: clientRequestToken(ctx.idempotencyToken),
            QueryExecutionContext: { Database: settings.database, ...(settings.catalog === '' ? {} : { Catalog: settings.catalog }) },
            ...(settings.workgroup === '' ? {} : { WorkGroup: settings.workgroup }),
            ...(outputLocation === undefined ? {} : { ResultConfiguration: { OutputLocation: outputLocation } }),
            ...(parameters.length === 0 ? {} : { ExecutionParameters: [...parameters] }),
          }),
        );
        id = out.QueryExecutionId;
      } catch (error) {
        throw backendErrorFromSdk(error, 'StartQueryExecution');
      }
      if (id === undefined || id === '') {
        throw new BackendError({ kind: 'system', retryable: true, reason: 'NoQueryExecutionId', message: 'Athena StartQueryExecution returned no QueryExecutionId' });
      }
      return { queryExecutionId: id, region };
    },

    async get(handle, ctx) {
      const client = await clients.forRegion(handle.region);
      let execution: QueryExecution;
      try {
        const out = await client.send(new GetQueryExecutionCommand({ QueryExecutionId: handle.queryExecutionId }), { abortSignal: ctx.signal });
        execution = out.QueryExecution ?? {};
      } catch (error) {
        throw backendErrorFromSdk(error, 'GetQueryExecution');
      }
      const logs: LogLink[] = [{ name: 'Athena Query Console', uri: consoleUrl(handle.region, handle.queryExecutionId) }];
      const state = queryState({ QueryExecutionId: handle.queryExecutionId, ...execution });
      if (state.phase !== TaskExecution_Phase.SUCCEEDED) return { ...state, logs };
      const outputs = await readOutputs(client, handle, execution, ctx.template.interface?.outputs?.variables ?? {}, readSettings(ctx).maxRows);
      if ('failure' in outputs) return { phase: TaskExecution_Phase.FAILED, message: outputs.failure.message, failure: outputs.failure, logs };
      return { phase: state.phase, message: state.message, logs, outputs };
    },

    async delete(handle) {
      const client = await clients.forRegion(handle.region);
      try {
        await client.send(new StopQueryExecutionCommand({ QueryExecutionId: handle.queryExecutionId }));
      } catch (error) {
        // Athena answers StopQueryExecution on a finished query with success; an unknown one is gone.
        if (isQueryNotFound(error)) return;
        throw backendErrorFromSdk(error, 'StopQueryExecution');
      }
    },
  };
}

/**
 * Athena takes 32–128 characters. The executor's token (the same for the same attempt after a restart)
 * is used as it is when it fits, else hashed: either way the same attempt sends the same token.
 */
export function clientRequestToken(idempotencyToken: string): string {
  return /^[\x21-\x7e]{32,128}$/.test(idempotencyToken) ? idempotencyToken : createHash('sha256').update(idempotencyToken).digest('hex');
}

function userError(reason: string, message: string, cause?: unknown): BackendError {
  return new BackendError({ kind: 'user', retryable: false, reason, message }, cause === undefined ? undefined : { cause });
}

function readSettings(ctx: AttemptContext): AthenaTemplateSettings {
  let settings: AthenaTemplateSettings;
  try {
    settings = readTemplate(ctx.template);
  } catch (error) {
    throw userError('InvalidTaskTemplate', `TaskTemplate.custom is not a flyteidl PrestoQuery: ${(error as Error).message}`, error);
  }
  if (settings.statement === '') throw userError('InvalidTaskTemplate', 'TaskTemplate.custom has no statement: the Athena query is empty');
  if (settings.database === '') throw userError('InvalidTaskTemplate', 'TaskTemplate.custom has no schema: an Athena query needs a database');
  if (settings.maxRows !== undefined && !(Number.isInteger(settings.maxRows) && settings.maxRows > 0)) {
    throw userError('InvalidTaskTemplate', `TaskTemplate.config ${CONFIG_MAX_ROWS} must be a positive integer`);
  }
  return settings;
}

function render(ctx: AttemptContext, settings: AthenaTemplateSettings): { query: string; parameters: readonly string[] } {
  try {
    return renderQuery(parseQueryTemplate(settings.statement), ctx.inputs);
  } catch (error) {
    if (error instanceof QueryTemplateError) throw userError('InvalidQuery', error.message, error);
    if (error instanceof QueryInputError) throw userError('InvalidQueryInput', error.message, error);
    throw error;
  }
}

/** The run's raw output prefix, when it is in S3, as a folder. */
function s3Prefix(prefix: string): string | undefined {
  if (!prefix.startsWith('s3://')) return undefined;
  return prefix.endsWith('/') ? prefix : `${prefix}/`;
}

/** The declared outputs of a succeeded query: `results` (its result file) and `rows`. */
async function readOutputs(
  client: AthenaClient,
  handle: AthenaHandle,
  execution: QueryExecution,
  variables: Readonly<Record<string, Variable>>,
  maxRows = DEFAULT_MAX_ROWS,
): Promise<LiteralMap | { readonly failure: FailureInfo }> {
  const fail = (code: string, message: string) => ({ failure: { kind: 'user', retryable: false, code, message } as const });
  const values: Record<string, unknown> = {};
  for (const name of Object.keys(variables)) {
    if (name === 'results') {
      const uri = execution.ResultConfiguration?.OutputLocation;
      if (uri === undefined || uri === '') {
        throw new BackendError({ kind: 'system', retryable: true, reason: 'NoOutputLocation', message: `Athena query ${handle.queryExecutionId} succeeded but reports no result location` });
      }
      values[name] = { uri };
    } else if (name === 'rows') {
      try {
        values[name] = await readRows(client, handle.queryExecutionId, { statementType: execution.StatementType, maxRows });
      } catch (error) {
        if (error instanceof TooManyRowsError) {
          return fail('TooManyRows', `Athena query ${handle.queryExecutionId} returned more than ${maxRows} rows; raise the task's maxRows or read the results dataset instead`);
        }
        if (error instanceof RowShapeError) return fail('InvalidRows', `Athena query ${handle.queryExecutionId}: ${error.message}`);
        throw backendErrorFromSdk(error, 'GetQueryResults');
      }
    } else {
      return fail('UnknownOutput', `output '${name}' is not produced by an Athena query; declare results and/or rows`);
    }
  }
  try {
    const types: TypeRecord = Object.fromEntries(
      Object.entries(variables).map(([name, v]) => [name, typeFromLiteralType(v.type ?? create(LiteralTypeSchema))]),
    );
    return toLiteralMap(types, values);
  } catch (error) {
    if (error instanceof TflyteError) return fail('InvalidOutputs', `Athena query ${handle.queryExecutionId}: ${error.message}`);
    throw error;
  }
}
