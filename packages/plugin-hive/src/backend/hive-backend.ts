/**
 * The Hive backend on the warehouse web-API helper: submit = OpenSession + an asynchronous
 * ExecuteStatement (runAsync), both handles persisted; fetch = GetOperationStatus; status = the
 * pure table in operation-state.ts; outputs = `rows` by paged FetchResults and `results` at the
 * raw output prefix (as Flyte's Hive plugin: the query writes there); cancel = CancelOperation,
 * CloseOperation, CloseSession; finalize closes the operation and session of a finished attempt.
 */

import { createRequire } from 'node:module';
import {
  type AttemptContext,
  BackendError,
  type Clock,
  classifyError,
  type JsonObject,
  type PollPolicy,
  type StatusCheckPolicy,
} from '@tflyte/core';
import {
  collectRows,
  parseQueryTemplate,
  renderQuery,
  resultOutputs,
  WAREHOUSE_POLL,
  type WarehousePollPolicy,
  type WebApiBackend,
  webApiBackend,
} from '@tflyte/warehouse';
import { DEFAULT_CLUSTER_LABEL, type HiveTaskConfig } from '../hive-config.ts';
import { hiveDialect } from '../hive-dialect.ts';
import { type OperationHandle, type SessionHandle, TCLI } from '../tcli.ts';
import { HiveConnection, type HiveServerConfig, HiveStatusError, HiveTransportError } from './connection.ts';
import { type OperationReport, operationStatus } from './operation-state.ts';
import { type ColumnDesc, columnNames, decodeRows } from './rows.ts';

const Int64 = createRequire(import.meta.url)('node-int64') as new (value: number) => unknown;

/** What the executor stores: the cluster, and the session and operation handles (base64). */
export type HiveHandle = {
  readonly cluster: string;
  readonly session: { readonly guid: string; readonly secret: string };
  readonly operation: { readonly guid: string; readonly secret: string; readonly hasResultSet: boolean };
};

export interface HiveBackendOptions {
  /** HiveServer2 per cluster label; tasks without a label use `default`. */
  readonly clusters: Readonly<Record<string, HiveServerConfig>>;
  readonly poll: WarehousePollPolicy;
  /** Rows per FetchResults call. */
  readonly fetchSize: number;
  readonly maxRows: number;
  readonly quota?: number | false;
  readonly statusChecks?: Partial<StatusCheckPolicy>;
  readonly submitRetries?: Partial<StatusCheckPolicy>;
}

export const HIVE_BACKEND_NAME = 'hive';
/** The warehouse family's schedule: a status call after 10% of the time the query has run (1 s … 5 min). */
export const DEFAULT_HIVE_POLL: WarehousePollPolicy = WAREHOUSE_POLL;

export function hiveBackend(options: HiveBackendOptions, configOf: (ctx: AttemptContext) => HiveTaskConfig): WebApiBackend<HiveHandle> {
  const connections = new Map<string, HiveConnection>();
  const connection = (label: string): HiveConnection => {
    let c = connections.get(label);
    if (c === undefined) {
      const config = options.clusters[label];
      if (config === undefined) {
        throw new BackendError({
          kind: 'user',
          retryable: false,
          code: 'UnknownClusterLabel',
          message: `the task's cluster label '${label}' names no HiveServer2; hivePlugin() knows: ${Object.keys(options.clusters).join(', ')}`,
        });
      }
      c = new HiveConnection(config);
      connections.set(label, c);
    }
    return c;
  };
  // A create that runs again in this process (the executor retried it) gets the statement it already started.
  const submitted = new Map<string, Promise<HiveHandle>>();

  const submit = async (ctx: AttemptContext): Promise<HiveHandle> => {
    const config = configOf(ctx);
    const job = config.job;
    const template = job.query?.query ?? '';
    if (template === '')
      throw new BackendError({
        kind: 'user',
        retryable: false,
        code: 'InvalidTaskTemplate',
        message: 'TaskTemplate.custom has no query.query: the Hive query is empty',
      });
    const statement = render(template, ctx);
    const label = job.clusterLabel || DEFAULT_CLUSTER_LABEL;
    const hive = connection(label);
    const opened = await hive.call(
      'openSession',
      {
        client_protocol: TCLI.TProtocolVersion.HIVE_CLI_SERVICE_PROTOCOL_V10!,
        ...(hive.config.database === undefined ? {} : { configuration: { 'use:database': hive.config.database } }),
      },
      ctx.clock,
    );
    const sessionHandle = opened.sessionHandle as SessionHandle;
    const timeoutSec = job.query?.timeoutSec ?? 0;
    try {
      const executed = await hive.call(
        'executeStatement',
        {
          sessionHandle,
          statement,
          runAsync: true,
          // hive.query.tag lets an operator find (and kill) every query of one attempt.
          confOverlay: { 'hive.query.tag': ctx.idempotencyToken, ...tagsOverlay(job.tags ?? []) } as never,
          queryTimeout: new Int64(timeoutSec) as never,
        },
        ctx.clock,
      );
      const op = executed.operationHandle as OperationHandle;
      return {
        cluster: label,
        session: encode(sessionHandle.sessionId),
        operation: { ...encode(op.operationId), hasResultSet: op.hasResultSet },
      };
    } catch (error) {
      // A statement Hive refused at once (a syntax error with runAsync off on old servers) leaves the session open.
      void hive.call('closeSession', { sessionHandle }, ctx.clock).catch(() => undefined);
      throw error;
    }
  };

  const closeAll = async (handle: HiveHandle, clock: Clock, cancel: boolean): Promise<void> => {
    const hive = connection(handle.cluster);
    const operationHandle = decodeOperation(handle);
    const ignoreGone = (error: unknown) => {
      if (!(error instanceof HiveStatusError && error.invalidHandle)) throw error;
    };
    if (cancel) await hive.call('cancelOperation', { operationHandle }, clock).catch(ignoreGone);
    await hive.call('closeOperation', { operationHandle }, clock).catch(ignoreGone);
    await hive.call('closeSession', { sessionHandle: decodeSession(handle) }, clock).catch(ignoreGone);
  };

  return webApiBackend<HiveHandle, OperationReport>({
    name: HIVE_BACKEND_NAME,
    handleVersion: 1,
    poll: options.poll,
    ...(options.quota === undefined ? {} : { quota: options.quota }),
    ...(options.statusChecks === undefined ? {} : { statusChecks: options.statusChecks }),
    ...(options.submitRetries === undefined ? {} : { submitRetries: options.submitRetries }),
    submit(ctx) {
      const existing = submitted.get(ctx.idempotencyToken);
      if (existing !== undefined) return existing;
      const started = submit(ctx);
      submitted.set(ctx.idempotencyToken, started);
      started.catch(() => submitted.delete(ctx.idempotencyToken));
      return started;
    },
    async fetch(handle, ctx) {
      try {
        const hive = connection(handle.cluster);
        const operationHandle = decodeOperation(handle);
        const response = await hive.call('getOperationStatus', { operationHandle, getProgressUpdate: false } as never, ctx.clock);
        const report = {
          kind: 'status' as const,
          state: response.operationState,
          sqlState: response.sqlState,
          errorCode: response.errorCode,
          errorMessage: response.errorMessage,
        };
        // A failed query's own log says more than its error message (beeline prints it too).
        if (response.operationState !== TCLI.TOperationState.ERROR_STATE) return report;
        const log = await queryLog(hive, operationHandle, ctx.clock);
        return log.length === 0 ? report : { ...report, log };
      } catch (error) {
        if (error instanceof HiveStatusError && error.invalidHandle) return { kind: 'lost', message: error.message };
        throw error;
      }
    },
    status: (report, ctx) => operationStatus(report, ctx.handle.operation.guid),
    async outputs(_report, ctx) {
      const hive = connection(ctx.handle.cluster);
      const operationHandle = decodeOperation(ctx.handle);
      return resultOutputs(ctx, {
        job: `Hive operation ${ctx.handle.operation.guid}`,
        resultsUri: () => ctx.rawOutputPrefix,
        maxRows: options.maxRows,
        rows: async (bound) => {
          if (!ctx.handle.operation.hasResultSet) return [];
          const metadata = await hive.call('getResultSetMetadata', { operationHandle }, ctx.clock);
          const schema = ((metadata.schema as { columns?: ColumnDesc[] } | undefined)?.columns ?? []) as ColumnDesc[];
          const names = columnNames(schema);
          return collectRows(pages(hive, operationHandle, schema, names, options.fetchSize, ctx.clock), bound);
        },
      });
    },
    cancel: (handle, ctx) => closeAll(handle, ctx.clock, true),
    // A finished attempt's operation and session are released on the server.
    finalize: (handle, ctx) => closeAll(handle, ctx.clock, false),
    classify(error, call) {
      if (error instanceof BackendError) return error;
      if (error instanceof HiveTransportError) {
        return new BackendError({ kind: 'system', retryable: true, code: 'HiveTransportError', message: error.message }, { cause: error });
      }
      if (error instanceof HiveStatusError) {
        const sqlState = error.status.sqlState ?? '';
        const user = call === 'submit' && ['42', '22', '21', '23', '0A'].includes(sqlState.slice(0, 2));
        return new BackendError(
          {
            kind: user ? 'user' : 'system',
            retryable: !user,
            code: sqlState === '' ? 'HiveStatusError' : `SQLSTATE_${sqlState}`,
            message: error.message,
          },
          { cause: error },
        );
      }
      const failure = classifyError(error, 'system');
      return new BackendError(failure, { cause: error });
    },
  });
}

/** The operation's log (FetchResults with fetchType 1), best effort: a server without logging gives none. */
async function queryLog(hive: HiveConnection, operationHandle: OperationHandle, clock: Clock): Promise<readonly string[]> {
  try {
    const response = await hive.call(
      'fetchResults',
      {
        operationHandle,
        orientation: TCLI.TFetchOrientation.FETCH_FIRST,
        maxRows: new Int64(MAX_LOG_LINES) as never,
        fetchType: 1,
      } as never,
      clock,
    );
    const column = (response.results as { columns?: { stringVal?: { values?: unknown[] } }[] } | undefined)?.columns?.[0];
    return (column?.stringVal?.values ?? []).map(String).filter((line) => line.trim() !== '');
  } catch {
    return [];
  }
}
const MAX_LOG_LINES = 1000;

async function* pages(
  hive: HiveConnection,
  operationHandle: OperationHandle,
  schema: readonly ColumnDesc[],
  names: readonly string[],
  fetchSize: number,
  clock: Clock,
): AsyncIterable<JsonObject[]> {
  let orientation = TCLI.TFetchOrientation.FETCH_FIRST;
  for (;;) {
    const response = await hive.call(
      'fetchResults',
      { operationHandle, orientation, maxRows: new Int64(fetchSize) as never, fetchType: 0 } as never,
      clock,
    );
    const rows = decodeRows(schema, names, (response.results ?? {}) as never);
    if (rows.length > 0) yield rows;
    // Stop on hasMoreRows=false or an empty page, whichever comes first: servers differ in which they send.
    if (!response.hasMoreRows || rows.length === 0) return;
    orientation = TCLI.TFetchOrientation.FETCH_NEXT;
  }
}

function render(template: string, ctx: AttemptContext): string {
  try {
    return renderQuery(parseQueryTemplate(template, hiveDialect), ctx.inputs, hiveDialect).query;
  } catch (error) {
    const failure = classifyError(error, 'user');
    throw new BackendError({ kind: 'user', retryable: false, code: 'InvalidQueryInput', message: failure.message }, { cause: error });
  }
}

function tagsOverlay(tags: readonly string[]): Record<string, string> {
  return tags.length === 0 ? {} : { 'tflyte.tags': tags.join(',') };
}

const encode = (id: { guid: Buffer; secret: Buffer }) => ({ guid: id.guid.toString('base64'), secret: id.secret.toString('base64') });
const identifier = (id: { guid: string; secret: string }) => ({
  guid: Buffer.from(id.guid, 'base64'),
  secret: Buffer.from(id.secret, 'base64'),
});
const decodeSession = (handle: HiveHandle): SessionHandle => ({ sessionId: identifier(handle.session) });
const decodeOperation = (handle: HiveHandle): OperationHandle => ({
  operationId: identifier(handle.operation),
  operationType: TCLI.TOperationType.EXECUTE_STATEMENT,
  hasResultSet: handle.operation.hasResultSet,
});
