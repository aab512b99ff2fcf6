/**
 * The BigQuery backend, on the warehouse web-API helper: submit = jobs.insert with a job id derived
 * from the attempt's idempotency token (a 409 means the job is already there: it is read instead),
 * fetch = jobs.get in the job's location, status = the pure state/reason table, outputs = the
 * destination table as `bq://` plus typed rows read page by page, cancel = jobs.cancel.
 */
import { createHash } from 'node:crypto';
import { BigQuery, type BigQueryOptions } from '@google-cloud/bigquery';
import { type AttemptContext, BackendError, type JsonObject, type JsonValue, type PollPolicy, TflyteError } from '@tflyte/core';
import {
  collectRows,
  DEFAULT_MAX_ROWS,
  parseQueryTemplate,
  QueryInputError,
  QueryTemplateError,
  type RateLimit,
  resultOutputs,
  rowColumnNames,
  templateInputTypes,
  WAREHOUSE_POLL,
  type WarehousePollPolicy,
  type WebApiBackend,
  webApiBackend,
  withDeadline,
} from '@tflyte/warehouse';
import { type BigQueryConfig, bigqueryConfig } from '../bigquery-config.ts';
import type { StringParameterType } from '../query-parameters.ts';
import { bigqueryDialect, renderBigQuery } from '../render-query.ts';
import { backendErrorFromSdk, httpStatus } from './api-errors.ts';
import { type JobResource, jobStatus } from './job-status.ts';

/** What the executor stores for a running job: enough to find it again, in its location. */
export type BigQueryHandle = { readonly projectId: string; readonly location: string; readonly jobId: string };

export interface BigQueryPluginOptions {
  /**
   * Another endpoint, e.g. a local test server (`http://127.0.0.1:PORT`); default: the SDK's
   * (BIGQUERY_EMULATOR_HOST when set, else bigquery.googleapis.com).
   */
  readonly apiEndpoint?: string;
  /** Anything else for `new BigQuery(...)` (credentials, keyFilename, retryOptions, …); `apiEndpoint` wins. */
  readonly clientOptions?: BigQueryOptions;
  /** Deadline of every API call, in ms (default 60 s): the SDK's own `timeout` has no effect. */
  readonly callTimeoutMs?: number;
  /** Status polling (default 1 s, ×1.5, capped at 10 s). */
  readonly poll?: Partial<WarehousePollPolicy>;
  /** BigQuery jobs running at once through this executor (default 1000); `false` for no quota. */
  readonly quota?: number | false;
  readonly rateLimits?: { readonly read?: RateLimit | false; readonly write?: RateLimit | false };
}

/** The warehouse family's schedule: a status call after 10% of the time the query has run (1 s … 5 min). */
export const DEFAULT_BIGQUERY_POLL: WarehousePollPolicy = WAREHOUSE_POLL;
export const DEFAULT_CALL_TIMEOUT_MS = 60_000;
export const BIGQUERY_BACKEND_NAME = 'bigquery';
/** tabledata.list page size for `rows`. */
const PAGE_SIZE = 1000;

/** The plugin's options are invalid. */
export class BigQueryPluginOptionError extends TflyteError {
  readonly option: string;
  constructor(option: string, problem: string) {
    super('TFLYTE_CONFIG', `bigqueryPlugin(): option '${option}' ${problem}`);
    this.option = option;
  }
}

const KNOWN = new Set(['apiEndpoint', 'clientOptions', 'callTimeoutMs', 'poll', 'quota', 'rateLimits']);

function checkOptions(options: BigQueryPluginOptions): void {
  const fail = (option: string, problem: string): never => {
    throw new BigQueryPluginOptionError(option, problem);
  };
  if (typeof options !== 'object' || options === null) fail('(options)', 'must be an object');
  for (const key of Object.keys(options)) if (!KNOWN.has(key)) fail(key, `is not an option; valid options are: ${[...KNOWN].join(', ')}`);
  if (options.apiEndpoint !== undefined && (typeof options.apiEndpoint !== 'string' || !URL.canParse(options.apiEndpoint))) {
    fail('apiEndpoint', `must be a URL such as http://127.0.0.1:9050, got ${JSON.stringify(options.apiEndpoint)}`);
  }
  const timeout = options.callTimeoutMs;
  if (timeout !== undefined && !(typeof timeout === 'number' && Number.isFinite(timeout) && timeout > 0))
    fail('callTimeoutMs', 'must be a positive number of milliseconds');
  const poll = { ...DEFAULT_BIGQUERY_POLL, ...options.poll };
  if (!(poll.initialMs > 0) || !(poll.multiplier >= 1) || !(poll.maxMs >= poll.initialMs))
    fail('poll', 'needs initialMs > 0, multiplier >= 1 and maxMs >= initialMs');
}

/**
 * BigQuery job ids are letters, digits, `_` and `-`, at most 1024 characters. The executor's token
 * is the same for the same attempt after a restart; it is used as it is when it fits, else hashed,
 * so a resubmission always asks for the same job.
 */
export function jobIdFor(idempotencyToken: string): string {
  const id = `tflyte_${idempotencyToken}`;
  return /^[A-Za-z0-9_-]{1,1024}$/.test(id) ? id : `tflyte_${createHash('sha256').update(idempotencyToken).digest('hex')}`;
}

interface TaskSettings extends BigQueryConfig {
  readonly statement: string;
  readonly maxRows: number;
  readonly parameterTypes: Readonly<Record<string, StringParameterType>>;
}

function userError(code: string, message: string, cause?: unknown): BackendError {
  return new BackendError({ kind: 'user', retryable: false, code, message }, cause === undefined ? undefined : { cause });
}

/** The task's settings from its TaskTemplate (custom and the sql target). */
function readSettings(ctx: AttemptContext): TaskSettings {
  const template = ctx.template;
  let config: BigQueryConfig;
  try {
    config = bigqueryConfig.decode(
      { custom: template.custom as JsonObject | undefined, config: template.config },
      template.taskTypeVersion,
    );
  } catch (error) {
    throw userError('InvalidTaskTemplate', (error as Error).message, error);
  }
  const statement = template.target.case === 'sql' ? template.target.value.statement : '';
  if (statement === '') throw userError('InvalidTaskTemplate', 'TaskTemplate has no sql target statement: the BigQuery query is empty');
  return { ...config, statement, maxRows: config.maxRows ?? DEFAULT_MAX_ROWS, parameterTypes: config.parameterTypes ?? {} };
}

/** A value as the SDK parsed it (BigQueryTimestamp, Big, Buffer, BigQueryInt, …) as JSON. */
function jsonValue(value: unknown): JsonValue {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (Buffer.isBuffer(value)) return value.toString('base64');
  if (Array.isArray(value)) return value.map(jsonValue);
  if (typeof value === 'object') {
    const ctor = (value as { constructor?: { name?: string } }).constructor?.name;
    if (ctor === 'BigQueryInt') {
      const text = String((value as { value: unknown }).value);
      return Number.isSafeInteger(Number(text)) ? Number(text) : text;
    }
    if (ctor !== undefined && ctor !== 'Object' && 'value' in value) return String((value as { value: unknown }).value);
    if (ctor === 'Big') return String(value);
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, jsonValue(v)]));
  }
  return String(value);
}

export function bigqueryBackend(options: BigQueryPluginOptions = {}): WebApiBackend<BigQueryHandle> {
  checkOptions(options);
  const timeoutMs = options.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
  const clients = new Map<string, BigQuery>();
  const client = (projectId: string): BigQuery => {
    let c = clients.get(projectId);
    if (c === undefined) {
      c = new BigQuery({
        ...options.clientOptions,
        projectId,
        ...(options.apiEndpoint === undefined ? {} : { apiEndpoint: options.apiEndpoint }),
      });
      clients.set(projectId, c);
    }
    return c;
  };

  return webApiBackend<BigQueryHandle, JobResource>({
    name: BIGQUERY_BACKEND_NAME,
    handleVersion: 1,
    poll: { ...DEFAULT_BIGQUERY_POLL, ...options.poll },
    ...(options.quota === undefined ? {} : { quota: options.quota }),
    ...(options.rateLimits === undefined ? {} : { rateLimits: options.rateLimits }),

    async submit(ctx) {
      const settings = readSettings(ctx);
      let rendered: ReturnType<typeof renderBigQuery>;
      try {
        rendered = renderBigQuery(
          parseQueryTemplate(settings.statement, bigqueryDialect),
          ctx.inputs,
          templateInputTypes(ctx.template),
          settings.parameterTypes,
        );
      } catch (error) {
        if (error instanceof QueryTemplateError) throw userError('InvalidQuery', error.message, error);
        if (error instanceof QueryInputError) throw userError('InvalidQueryInput', error.message, error);
        throw error;
      }
      const jobId = jobIdFor(ctx.idempotencyToken);
      const bq = client(settings.projectId);
      const { labels, ...query } = settings.job;
      try {
        const [job] = await withDeadline(ctx.clock, timeoutMs, 'jobs.insert', () =>
          bq.createJob({
            jobId,
            ...(settings.location === '' ? {} : { location: settings.location }),
            configuration: {
              query: {
                ...query,
                query: rendered.query,
                useLegacySql: false,
                parameterMode: 'NAMED',
                queryParameters: [...rendered.parameters] as never,
              },
              ...(labels === undefined ? {} : { labels: { ...labels } }),
            },
          }),
        );
        const metadata = job.metadata as JobResource | undefined;
        return { projectId: settings.projectId, location: metadata?.jobReference?.location ?? job.location ?? settings.location, jobId };
      } catch (error) {
        // A caller-chosen job id that exists: a retried insert whose first response was lost, or a
        // resubmission after a crash. The job is ours; read where it runs.
        if (httpStatus(error) !== 409) throw error;
        const job = bq.job(jobId, settings.location === '' ? {} : { location: settings.location });
        const [metadata] = await withDeadline(ctx.clock, timeoutMs, 'jobs.get', () => job.getMetadata());
        return { projectId: settings.projectId, location: (metadata as JobResource).jobReference?.location ?? settings.location, jobId };
      }
    },

    async fetch(handle, ctx) {
      const job = client(handle.projectId).job(handle.jobId, handle.location === '' ? {} : { location: handle.location });
      const [metadata] = await withDeadline(ctx.clock, timeoutMs, 'jobs.get', () => job.getMetadata());
      return metadata as JobResource;
    },

    status: (resource, ctx) => jobStatus(resource, ctx.handle),

    async outputs(resource, ctx) {
      const destination = resource.configuration?.query?.destinationTable;
      const settings = readSettings(ctx);
      const table =
        destination?.projectId !== undefined && destination.datasetId !== undefined && destination.tableId !== undefined
          ? { projectId: destination.projectId, datasetId: destination.datasetId, tableId: destination.tableId }
          : undefined;
      return resultOutputs(ctx, {
        job: `BigQuery job ${ctx.handle.jobId}`,
        maxRows: settings.maxRows,
        resultsUri: () => (table === undefined ? undefined : `bq://${table.projectId}:${table.datasetId}.${table.tableId}`),
        rows: async (maxRows) => {
          if (table === undefined)
            throw new BackendError({
              kind: 'system',
              retryable: true,
              code: 'NoDestinationTable',
              message: `BigQuery job ${ctx.handle.jobId} reports no destination table`,
            });
          const source = client(ctx.handle.projectId).dataset(table.datasetId, { projectId: table.projectId }).table(table.tableId);
          async function* pages(): AsyncGenerator<JsonObject[]> {
            let pageToken: string | undefined;
            let read = 0;
            do {
              // One row past the bound is enough to know the result is too large.
              const size = Math.min(PAGE_SIZE, maxRows + 1 - read);
              const [rows, next] = await withDeadline(ctx.clock, timeoutMs, 'tabledata.list', () =>
                source.getRows({
                  autoPaginate: false,
                  maxResults: size,
                  wrapIntegers: true,
                  ...(pageToken === undefined ? {} : { pageToken }),
                }),
              );
              read += rows.length;
              yield rows.map((row) => {
                const record = row as Record<string, unknown>;
                const names = rowColumnNames(Object.keys(record));
                return Object.fromEntries(names.map((n) => [n, jsonValue(record[n])])) as JsonObject;
              });
              pageToken = (next as { pageToken?: string } | null | undefined)?.pageToken;
            } while (pageToken !== undefined && read <= maxRows);
          }
          return collectRows(pages(), maxRows);
        },
      });
    },

    async cancel(handle, ctx) {
      const job = client(handle.projectId).job(handle.jobId, handle.location === '' ? {} : { location: handle.location });
      try {
        await withDeadline(ctx.clock, timeoutMs, 'jobs.cancel', () => job.cancel());
      } catch (error) {
        // A job BigQuery does not know is gone; cancelling a finished job already succeeds.
        if (httpStatus(error) === 404) return;
        throw error;
      }
    },

    classify: (error, call) =>
      backendErrorFromSdk(error, { submit: 'jobs.insert', fetch: 'jobs.get', outputs: 'tabledata.list', cancel: 'jobs.cancel' }[call]),
  });
}
