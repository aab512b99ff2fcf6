/**
 * The Snowflake backend on the warehouse web-API helper:
 * - submit = an asynchronous execution with a request id derived from the idempotency token, so a
 *   retried submit in the same session answers with the query it started (the handle is the query id).
 *   Snowflake keeps request ids per session only, so each query is also tagged with the token
 *   (QUERY_TAG) and submit first looks the tag up in the query history: a process that died after
 *   submitting finds its query from a new session instead of running the statement again;
 * - fetch = the query's status by id, and for a failed query its error code and SQL state, read from
 *   its result (the status call reports code -1);
 * - status = the pure table in query-state.ts; outputs = `results` as flytekit's connector writes it
 *   and optionally `rows`, fetched by query id; cancel = SYSTEM$CANCEL_QUERY.
 */
import { createHash } from 'node:crypto';
import { BackendError, type JsonObject, type PollPolicy } from '@tflyte/core';
import {
  collectRows,
  jsonRow,
  parseQueryTemplate,
  type RateLimit,
  renderQuery,
  resultOutputs,
  rowColumnNames,
  WAREHOUSE_POLL,
  type WarehousePollPolicy,
  type WebApiBackend,
  webApiBackend,
} from '@tflyte/warehouse';
import type snowflake from 'snowflake-sdk';
import { snowflakeBinds, snowflakeDialect } from '../snowflake-dialect.ts';
import { DEFAULT_MAX_ROWS_FALLBACK, readTemplate, type SnowflakeConfig } from '../snowflake-template.ts';
import { type ConnectionPool, type ConnectionSettings, connectionPool } from './connections.ts';
import { type QueryError, type QueryResource, queryStatus, snowsightUrl } from './query-state.ts';
import { classifySnowflakeError, isSessionGone } from './sdk-errors.ts';

export type SnowflakeHandle = { readonly queryId: string; readonly account: string };

export interface SnowflakeBackendOptions extends ConnectionSettings {
  /** Status polling; default 1 s, ×1.5, capped at 15 s. */
  readonly poll?: WarehousePollPolicy;
  /** Queries running at once across all runs of the executor; default 1000, `false` for none. */
  readonly quota?: number | false;
  readonly rateLimits?: { readonly read?: RateLimit | false; readonly write?: RateLimit | false };
}

export const SNOWFLAKE_BACKEND_NAME = 'snowflake';
/** The warehouse family's schedule: a status call after 10% of the time the query has run (1 s … 5 min). */
export const DEFAULT_SNOWFLAKE_POLL: WarehousePollPolicy = WAREHOUSE_POLL;

const QUERY_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The QUERY_TAG of the query submitted for an idempotency token. */
export function queryTagOf(idempotencyToken: string): string {
  return `tflyte:${requestIdOf(idempotencyToken)}`;
}

// The account's recent queries by this user (7 days, up to RESULT_LIMIT), read from any session.
const FIND_TAGGED =
  'SELECT QUERY_ID FROM TABLE(INFORMATION_SCHEMA.QUERY_HISTORY(RESULT_LIMIT => 10000)) WHERE QUERY_TAG = ? ORDER BY START_TIME LIMIT 1';

/** A UUID (the shape Snowflake takes) that is the same for the same idempotency token. */
export function requestIdOf(idempotencyToken: string): string {
  const h = createHash('sha256').update(idempotencyToken).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((Number.parseInt(h.slice(16, 18), 16) & 0x3f) | 0x80).toString(16)}${h.slice(18, 20)}-${h.slice(20, 32)}`;
}

export function snowflakeBackend(
  options: SnowflakeBackendOptions = {},
): WebApiBackend<SnowflakeHandle> & { readonly connections: ConnectionPool } {
  const env = process.env;
  const settings: ConnectionSettings = {
    ...options,
    ...(options.accessUrl === undefined && env.TFLYTE_SNOWFLAKE_ACCESS_URL ? { accessUrl: env.TFLYTE_SNOWFLAKE_ACCESS_URL } : {}),
    ...(options.user === undefined && env.SNOWFLAKE_USER ? { user: env.SNOWFLAKE_USER } : {}),
    ...(options.privateKey === undefined &&
    options.privateKeyPath === undefined &&
    options.privateKeySecret === undefined &&
    env.SNOWFLAKE_PRIVATE_KEY_PATH
      ? { privateKeyPath: env.SNOWFLAKE_PRIVATE_KEY_PATH }
      : {}),
    ...(options.password === undefined && env.SNOWFLAKE_PASSWORD ? { password: env.SNOWFLAKE_PASSWORD } : {}),
    ...(options.token === undefined && env.SNOWFLAKE_TOKEN ? { token: env.SNOWFLAKE_TOKEN } : {}),
  };
  const connections = connectionPool(settings);
  const configOf = (template: Parameters<typeof readTemplate>[0]): SnowflakeConfig => {
    const { config } = readTemplate(template);
    return config.user === '' && settings.user !== undefined ? { ...config, user: settings.user } : config;
  };
  /** One call on the task's connection; a session the SDK cannot renew (status calls) is opened again once. */
  const withConnection = async <T>(config: SnowflakeConfig, work: (c: snowflake.Connection) => Promise<T>): Promise<T> => {
    try {
      return await work(await connections.connection(config));
    } catch (error) {
      if (!isSessionGone(error)) throw error;
      connections.discard(config);
      return work(await connections.connection(config));
    }
  };

  const backend = webApiBackend<SnowflakeHandle, QueryResource>({
    name: SNOWFLAKE_BACKEND_NAME,
    handleVersion: 1,
    poll: options.poll ?? DEFAULT_SNOWFLAKE_POLL,
    ...(options.quota === undefined ? {} : { quota: options.quota }),
    ...(options.rateLimits === undefined ? {} : { rateLimits: options.rateLimits }),

    async submit(ctx) {
      const { statement } = readTemplate(ctx.template);
      const config = configOf(ctx.template);
      const { query, parameters } = render(statement, ctx.inputs);
      const tag = queryTagOf(ctx.idempotencyToken);
      const queryId = await withConnection(config, async (c) => {
        const [found] = await rowsOf(c, FIND_TAGGED, [tag]);
        const earlier = found?.['QUERY_ID'];
        if (typeof earlier === 'string') return earlier;
        return new Promise<string>((resolve, reject) =>
          c.execute({
            sqlText: query,
            binds: snowflakeBinds(parameters),
            asyncExec: true,
            requestId: requestIdOf(ctx.idempotencyToken),
            parameters: { QUERY_TAG: tag },
            complete: (error, stmt) => (error ? reject(error) : resolve(stmt.getQueryId())),
          }),
        );
      });
      return { queryId, account: config.account };
    },

    async fetch(handle, ctx) {
      const config = configOf(ctx.template);
      const status = await withConnection(config, (c) => c.getQueryStatus(handle.queryId));
      if (status !== 'FAILED_WITH_ERROR') return { queryId: handle.queryId, status };
      return { queryId: handle.queryId, status, error: await withConnection(config, (c) => queryError(c, handle.queryId)) };
    },

    status(resource, ctx) {
      return queryStatus(resource, [{ name: 'Snowflake Query', uri: snowsightUrl(ctx.handle.account, ctx.handle.queryId) }]);
    },

    async outputs(_resource, ctx) {
      const config = configOf(ctx.template);
      const { queryId } = ctx.handle;
      return resultOutputs(ctx, {
        job: `Snowflake query ${queryId}`,
        resultsUri: () => `snowflake://${config.user}:${config.account}/${config.warehouse}/${config.database}/${config.schema}/${queryId}`,
        rows: (maxRows) => withConnection(config, (c) => readRows(c, queryId, maxRows)),
        maxRows: config.maxRows ?? DEFAULT_MAX_ROWS_FALLBACK,
      });
    },

    async cancel(handle, ctx) {
      // A query id is a UUID; checked, it can be written into the statement.
      if (!QUERY_ID.test(handle.queryId)) return;
      await withConnection(
        configOf(ctx.template),
        (c) =>
          new Promise<void>((resolve, reject) =>
            c.execute({
              sqlText: `SELECT SYSTEM$CANCEL_QUERY('${handle.queryId}')`,
              complete: (error) => (error ? reject(error) : resolve()),
            }),
          ),
      );
    },

    classify: classifySnowflakeError,
  });
  return Object.assign(backend, { connections });
}

function render(statement: string, inputs: Parameters<typeof renderQuery>[1]): ReturnType<typeof renderQuery> {
  try {
    return renderQuery(parseQueryTemplate(statement), inputs, snowflakeDialect);
  } catch (error) {
    throw new BackendError({ kind: 'user', retryable: false, code: 'InvalidQuery', message: (error as Error).message }, { cause: error });
  }
}

function rowsOf(c: snowflake.Connection, sqlText: string, binds: snowflake.Binds): Promise<Record<string, unknown>[]> {
  return new Promise((resolve, reject) =>
    c.execute({
      sqlText,
      binds,
      complete: (error, _stmt, rows) => (error ? reject(error) : resolve((rows ?? []) as Record<string, unknown>[])),
    }),
  );
}

/** The error code and SQL state of a failed query: fetching its result raises them. */
function queryError(c: snowflake.Connection, queryId: string): Promise<QueryError> {
  return new Promise((resolve, reject) =>
    c.fetchResult({
      queryId,
      complete: (error) => {
        if (error === undefined) return reject(new Error(`Snowflake query ${queryId} is FAILED_WITH_ERROR but its result has no error`));
        const e = error as snowflake.SnowflakeError & { sqlState?: string };
        // Transport errors are not the query's: fail the status check instead.
        if (e.code === undefined || !/^\d{6}$/.test(String(e.code))) return reject(error);
        resolve({ code: String(e.code), sqlState: e.sqlState ?? '', message: e.message });
      },
    }),
  );
}

function readRows(c: snowflake.Connection, queryId: string, maxRows: number): Promise<JsonObject[]> {
  const statement = c.fetchResult({ queryId, streamResult: true, rowMode: 'array' });
  async function* pages(): AsyncIterable<readonly JsonObject[]> {
    const stream = statement.streamRows();
    let names: readonly string[] | undefined;
    for await (const row of stream as AsyncIterable<unknown[]>) {
      names ??= rowColumnNames((statement.getColumns() ?? []).map((col) => col.getName()));
      yield [jsonRow(names, row.map(toJson))];
    }
  }
  return collectRows(pages(), maxRows);
}

function toJson(value: unknown): JsonObject[keyof JsonObject] {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'object') return JSON.parse(JSON.stringify(value)) as JsonObject;
  return value as string | number | boolean;
}
