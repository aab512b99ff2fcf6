/**
 * The Athena backend, on the web-API helper of @tflyte/warehouse: submit = StartQueryExecution
 * (idempotent through a ClientRequestToken derived from the attempt), fetch = GetQueryExecution,
 * status = the state table of query-state.ts (pure), outputs = the result location and rows,
 * cancel = StopQueryExecution. Quota and rate limits are the helper's. The job handle is the query
 * id and the region it runs in.
 */
import { createHash } from 'node:crypto';
import {
  type AthenaClient,
  GetQueryExecutionCommand,
  type QueryExecution,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import { type AttemptContext, BackendError, type LogLink, type PollPolicy } from '@tflyte/core';
import type { TaskTemplate } from '@tflyte/idl/core/tasks';
import {
  DEFAULT_MAX_ROWS,
  parseQueryTemplate,
  QueryInputError,
  QueryTemplateError,
  type RateLimit,
  renderQuery,
  resultOutputs,
  WAREHOUSE_POLL,
  type WarehousePollPolicy,
  type WebApiBackend,
  type WebApiCall,
  webApiBackend,
} from '@tflyte/warehouse';
import { athenaDialect } from '../athena-dialect.ts';
import { type AthenaQueryConfig, CONFIG_MAX_ROWS } from '../athena-template.ts';
import type { ClientPool } from './client-pool.ts';
import { consoleUrl, queryState } from './query-state.ts';
import { readRows } from './result-rows.ts';
import { backendErrorFromSdk, isQueryNotFound } from './sdk-errors.ts';

/** The job of one attempt: what the executor stores for a running query. */
export type AthenaHandle = { readonly queryExecutionId: string; readonly region: string };

export type { PollPolicy };

/** The warehouse family's schedule: a status call after 10% of the time the query has run (1 s … 5 min). */
export const DEFAULT_ATHENA_POLL: WarehousePollPolicy = WAREHOUSE_POLL;

export interface AthenaBackendOptions {
  readonly clients: ClientPool;
  /** Result location when the task sets none. */
  readonly outputLocation?: string;
  readonly poll?: WarehousePollPolicy;
  readonly quota?: number | false;
  readonly rateLimits?: { readonly read?: RateLimit | false; readonly write?: RateLimit | false };
  /** The plugin's reader of TaskTemplate.custom (athena.configOf). */
  readonly configOf: (template: TaskTemplate) => AthenaQueryConfig;
}

export const ATHENA_BACKEND_NAME = 'athena';

const ACTION: Readonly<Record<WebApiCall, string>> = {
  submit: 'StartQueryExecution',
  fetch: 'GetQueryExecution',
  outputs: 'GetQueryResults',
  cancel: 'StopQueryExecution',
};

interface FetchedQuery {
  readonly execution: QueryExecution;
  readonly client: AthenaClient;
}

export function athenaBackend(options: AthenaBackendOptions): WebApiBackend<AthenaHandle> {
  const { clients } = options;
  const settingsOf = (ctx: AttemptContext): AthenaQueryConfig => readSettings(ctx, options.configOf);
  return webApiBackend<AthenaHandle, FetchedQuery>({
    name: ATHENA_BACKEND_NAME,
    // 2: the job handle is wrapped by the web-API helper ({ job } or a quota wait).
    handleVersion: 2,
    poll: options.poll ?? DEFAULT_ATHENA_POLL,
    ...(options.quota === undefined ? {} : { quota: options.quota }),
    ...(options.rateLimits === undefined ? {} : { rateLimits: options.rateLimits }),
    classify: (error, call) => backendErrorFromSdk(error, ACTION[call]),

    async submit(ctx) {
      const settings = settingsOf(ctx);
      const { query, parameters } = render(ctx, settings);
      const outputLocation = settings.outputLocation ?? options.outputLocation ?? s3Prefix(ctx.rawOutputPrefix);
      const { client, region } = await clients.defaultClient();
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
      const id = out.QueryExecutionId;
      if (id === undefined || id === '') {
        throw new BackendError({
          kind: 'system',
          retryable: true,
          code: 'NoQueryExecutionId',
          message: 'Athena StartQueryExecution returned no QueryExecutionId',
        });
      }
      return { queryExecutionId: id, region };
    },

    async fetch(handle, ctx) {
      const client = await clients.forRegion(handle.region);
      const out = await client.send(new GetQueryExecutionCommand({ QueryExecutionId: handle.queryExecutionId }), {
        abortSignal: ctx.signal,
      });
      return { execution: out.QueryExecution ?? {}, client };
    },

    status({ execution }, { handle }) {
      const logs: LogLink[] = [{ name: 'Athena Query Console', uri: consoleUrl(handle.region, handle.queryExecutionId) }];
      return { ...queryState({ QueryExecutionId: handle.queryExecutionId, ...execution }), logs };
    },

    outputs({ execution, client }, ctx) {
      const id = ctx.handle.queryExecutionId;
      return resultOutputs(ctx, {
        job: `Athena query ${id}`,
        resultsUri: () => execution.ResultConfiguration?.OutputLocation,
        rows: (maxRows) => readRows(client, id, { statementType: execution.StatementType, maxRows }),
        maxRows: settingsOf(ctx).maxRows ?? DEFAULT_MAX_ROWS,
      });
    },

    async cancel(handle) {
      const client = await clients.forRegion(handle.region);
      try {
        await client.send(new StopQueryExecutionCommand({ QueryExecutionId: handle.queryExecutionId }));
      } catch (error) {
        // Athena answers StopQueryExecution on a finished query with success; an unknown one is gone.
        if (isQueryNotFound(error)) return;
        throw error;
      }
    },
  });
}

/**
 * Athena takes 32–128 characters. The executor's token (the same for the same attempt after a restart)
 * is used as it is when it fits, else hashed: either way the same attempt sends the same token.
 */
export function clientRequestToken(idempotencyToken: string): string {
  return /^[\x21-\x7e]{32,128}$/.test(idempotencyToken) ? idempotencyToken : createHash('sha256').update(idempotencyToken).digest('hex');
}

function userError(code: string, message: string, cause?: unknown): BackendError {
  return new BackendError({ kind: 'user', retryable: false, code, message }, cause === undefined ? undefined : { cause });
}

function readSettings(ctx: AttemptContext, configOf: (template: TaskTemplate) => AthenaQueryConfig): AthenaQueryConfig {
  let settings: AthenaQueryConfig;
  try {
    settings = configOf(ctx.template);
  } catch (error) {
    throw userError('InvalidTaskTemplate', `TaskTemplate.custom is not a flyteidl PrestoQuery: ${(error as Error).message}`, error);
  }
  if (settings.statement === '') throw userError('InvalidTaskTemplate', 'TaskTemplate.custom has no statement: the Athena query is empty');
  if (settings.database === '')
    throw userError('InvalidTaskTemplate', 'TaskTemplate.custom has no schema: an Athena query needs a database');
  if (settings.maxRows !== undefined && !(Number.isInteger(settings.maxRows) && settings.maxRows > 0)) {
    throw userError('InvalidTaskTemplate', `TaskTemplate.config ${CONFIG_MAX_ROWS} must be a positive integer`);
  }
  return settings;
}

function render(ctx: AttemptContext, settings: AthenaQueryConfig): { query: string; parameters: readonly string[] } {
  try {
    const { query, parameters } = renderQuery(parseQueryTemplate(settings.statement), ctx.inputs, athenaDialect);
    return { query, parameters: parameters.map((p) => athenaDialect.literal(p.name, p.value)) };
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
