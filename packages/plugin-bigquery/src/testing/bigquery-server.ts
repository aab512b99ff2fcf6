/**
 * A local, wire-level BigQuery REST v2 endpoint for tests, on the emulator core: the unmodified
 * `@google-cloud/bigquery` talks to it (`apiEndpoint: server.endpoint`, or BIGQUERY_EMULATOR_HOST).
 * Query jobs run their SQL for real on DuckDB with the named parameters bound, move through
 * PENDING → RUNNING → DONE over time, write their destination table (a dataset is a DuckDB schema)
 * and fail with BigQuery's `errorResult` reasons. Faults come from the emulator's one fault model.
 */
import { quotedIdentifier } from '@duckdb/node-api';
import {
  DuckDbEngine,
  type EmulatorServer,
  type FaultOptions,
  type Job,
  JobMachine,
  type Reply,
  startEmulatorServer,
} from '@tflyte/testing/emulator';
import { bindType, duckType, duckValue, ParameterError, type WireParameter } from './parameters.ts';
import { isQueryStatement, parameterNames, toDuckDbSql } from './sql-translate.ts';
import { cell, type TableField, tableField } from './table-format.ts';

export const BIGQUERY_OPERATIONS = [
  'jobs.insert',
  'jobs.get',
  'jobs.cancel',
  'jobs.getQueryResults',
  'jobs.query',
  'tables.get',
  'tabledata.list',
] as const;
export type BigQueryOperation = (typeof BIGQUERY_OPERATIONS)[number];

export interface QueryJobSpec {
  readonly projectId: string;
  readonly jobId: string;
  readonly location: string;
  readonly query: string;
  readonly parameters: readonly WireParameter[];
  readonly destinationTable: { readonly projectId: string; readonly datasetId: string; readonly tableId: string } | undefined;
  readonly writeDisposition: string;
  readonly createDisposition: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly configuration: unknown;
}

export interface JobError {
  readonly reason: string;
  readonly message: string;
}

export type QueryJob = Job<QueryJobSpec, { readonly rows: number }, JobError>;

export interface BigQueryServerOptions {
  /** Time a job spends PENDING, in ms (default 5); `Infinity` holds it until `advance(id)`. */
  readonly queuedMs?: number;
  /** Time a job spends RUNNING before its SQL runs (default 10). */
  readonly runningMs?: number;
  /** Per-job timing or a forced `errorResult` (`{ fail: { reason: 'backendError', message } }`). */
  readonly plan?: (job: QueryJob) => { queuedMs?: number; runningMs?: number; fail?: JobError } | undefined;
  /** The location jobs without one run in (default `US`). */
  readonly defaultLocation?: string;
  readonly faults?: FaultOptions<BigQueryOperation>;
  /**
   * How a `throttle` fault answers: 429 (default), or 403 with reason `rateLimitExceeded`, BigQuery's
   * usual rate-limit answer, which the SDK does not retry.
   */
  readonly throttleStatus?: 429 | 403;
  /**
   * Answer a query identical to an earlier succeeded one (same SQL and parameters, no destination
   * table, useQueryCache not false) from the cache, as BigQuery does: the insert returns the job
   * already DONE, with the earlier job's result table and `cacheHit`. Default false.
   */
  readonly queryCache?: boolean;
}

export interface BigQueryTestServer extends EmulatorServer<BigQueryOperation> {
  /** Every query job, oldest first. */
  jobs(): readonly QueryJob[];
  /** Runs SQL directly on the server's DuckDB (`CREATE SCHEMA ds; CREATE TABLE ds.t …`). */
  sql(text: string): Promise<Record<string, unknown>[]>;
  /** Moves a waiting job on now; false when none was waiting. */
  advance(jobId: string): boolean;
  /** Jobs answered from the query cache (DONE at insert, nothing run), oldest first. */
  cacheHits(): readonly QueryJobSpec[];
}

interface CachedJob {
  readonly spec: QueryJobSpec;
  /** The job whose result it reuses. */
  readonly source: QueryJob;
}

const ANON_DATASET = '_anonymous_results';

/** A BigQuery error response: `{ error: { code, message, errors: [{ reason, message }], status } }`. */
function apiError(code: number, reason: string, message: string, status: string): Reply {
  return { status: code, body: { error: { code, message, errors: [{ reason, message, domain: 'global' }], status } } };
}

export async function startBigQueryServer(options: BigQueryServerOptions = {}): Promise<BigQueryTestServer> {
  const engine = await DuckDbEngine.create('the BigQuery test server');
  const defaultLocation = options.defaultLocation ?? 'US';
  const machine = new JobMachine<QueryJobSpec, { readonly rows: number }, JobError>({
    server: 'BigQuery test server',
    ...(options.queuedMs === undefined ? {} : { queuedMs: options.queuedMs }),
    ...(options.runningMs === undefined ? {} : { runningMs: options.runningMs }),
    ...(options.plan === undefined ? {} : { plan: options.plan }),
    crashed: (error) => ({ reason: 'internalError', message: error instanceof Error ? error.message : String(error) }),
    work: (job, signal) => run(engine, job, signal),
  });
  // BigQuery job ids are the caller's: a job is found by `project:jobId`, its submission token.
  const key = (projectId: string, jobId: string): string => `${projectId}:${jobId}`;
  const find = (projectId: string, jobId: string): QueryJob | undefined => machine.byToken(key(projectId, jobId));
  const cached = new Map<string, CachedJob>();
  const cacheKey = (spec: QueryJobSpec): string => JSON.stringify([spec.projectId, spec.query, spec.parameters]);
  const cacheSource = (spec: QueryJobSpec): QueryJob | undefined => {
    if (
      options.queryCache !== true ||
      spec.destinationTable !== undefined ||
      (spec.configuration as { useQueryCache?: unknown }).useQueryCache === false
    )
      return undefined;
    const wanted = cacheKey(spec);
    return machine
      .list()
      .find((job) => job.state === 'SUCCEEDED' && job.spec.destinationTable === undefined && cacheKey(job.spec) === wanted);
  };
  const cachedResource = ({ spec, source }: CachedJob): object => ({
    kind: 'bigquery#job',
    id: `${spec.projectId}:${spec.location}.${spec.jobId}`,
    jobReference: { projectId: spec.projectId, jobId: spec.jobId, location: spec.location },
    configuration: {
      jobType: 'QUERY',
      labels: spec.labels,
      query: {
        ...(spec.configuration as object),
        destinationTable: { projectId: source.spec.projectId, datasetId: ANON_DATASET, tableId: anonTable(source.spec.jobId) },
      },
    },
    status: { state: 'DONE' },
    statistics: { creationTime: String(Date.now()), query: { cacheHit: true } },
  });

  const jobResource = (job: QueryJob): object => {
    const { spec } = job;
    const destination =
      spec.destinationTable ??
      (isQueryStatement(spec.query) ? { projectId: spec.projectId, datasetId: ANON_DATASET, tableId: anonTable(spec.jobId) } : undefined);
    const state = job.state === 'QUEUED' ? 'PENDING' : job.state === 'RUNNING' ? 'RUNNING' : 'DONE';
    const error =
      job.state === 'CANCELLED' ? { reason: 'stopped', message: 'Job execution was cancelled: User requested cancellation' } : job.failure;
    return {
      kind: 'bigquery#job',
      id: `${spec.projectId}:${spec.location}.${spec.jobId}`,
      jobReference: { projectId: spec.projectId, jobId: spec.jobId, location: spec.location },
      configuration: {
        jobType: 'QUERY',
        labels: spec.labels,
        query: { ...(spec.configuration as object), ...(destination === undefined ? {} : { destinationTable: destination }) },
      },
      status: { state, ...(error === undefined ? {} : { errorResult: error, errors: [error] }) },
      statistics: { creationTime: String(job.submittedAt.getTime()) },
    };
  };

  const server = await startEmulatorServer<BigQueryOperation>(
    {
      service: 'BigQuery',
      operations: BIGQUERY_OPERATIONS,
      identify(request) {
        const path = request.url.pathname.replace(/^\/bigquery\/v2/, '');
        const m = (re: RegExp) => re.exec(path);
        let body: unknown;
        try {
          body = request.raw.length === 0 ? undefined : JSON.parse(request.raw.toString('utf8'));
        } catch {
          return { reply: apiError(400, 'parseError', 'Parse Error', 'INVALID_ARGUMENT') };
        }
        const routes: [string, RegExp, BigQueryOperation][] = [
          ['POST', /^\/projects\/[^/]+\/jobs$/, 'jobs.insert'],
          ['GET', /^\/projects\/[^/]+\/jobs\/[^/]+$/, 'jobs.get'],
          ['POST', /^\/projects\/[^/]+\/jobs\/[^/]+\/cancel$/, 'jobs.cancel'],
          ['GET', /^\/projects\/[^/]+\/queries\/[^/]+$/, 'jobs.getQueryResults'],
          ['POST', /^\/projects\/[^/]+\/queries$/, 'jobs.query'],
          ['GET', /^\/projects\/[^/]+\/datasets\/[^/]+\/tables\/[^/]+$/, 'tables.get'],
          ['GET', /^\/projects\/[^/]+\/datasets\/[^/]+\/tables\/[^/]+\/data$/, 'tabledata.list'],
        ];
        for (const [method, re, op] of routes) if (request.method === method && m(re) !== null) return { op, body };
        return { reply: apiError(404, 'notFound', `Not found: ${request.method} ${request.url.pathname}`, 'NOT_FOUND') };
      },
      async handle(op, body, request) {
        const segments = request.url.pathname
          .replace(/^\/bigquery\/v2/, '')
          .split('/')
          .map(decodeURIComponent);
        const projectId = segments[2] as string;
        const q = request.url.searchParams;
        switch (op) {
          case 'jobs.insert': {
            const spec = insertSpec(projectId, body, defaultLocation);
            if ('reply' in spec) return spec.reply;
            const hit = cached.get(key(projectId, spec.jobId));
            if (hit !== undefined)
              return apiError(409, 'duplicate', `Already Exists: Job ${projectId}:${hit.spec.location}.${spec.jobId}`, 'ALREADY_EXISTS');
            const source = find(projectId, spec.jobId) === undefined ? cacheSource(spec) : undefined;
            if (source !== undefined) {
              const job = { spec, source };
              cached.set(key(projectId, spec.jobId), job);
              return { status: 200, body: cachedResource(job) };
            }
            const { job, created } = machine.submit(spec, key(projectId, spec.jobId));
            if (!created)
              return apiError(409, 'duplicate', `Already Exists: Job ${projectId}:${job.spec.location}.${spec.jobId}`, 'ALREADY_EXISTS');
            return { status: 200, body: jobResource(job) };
          }
          case 'jobs.get':
          case 'jobs.cancel': {
            const hit = cached.get(key(projectId, segments[4] as string));
            if (hit !== undefined)
              return {
                status: 200,
                body: op === 'jobs.get' ? cachedResource(hit) : { kind: 'bigquery#jobCancelResponse', job: cachedResource(hit) },
              };
            const job = find(projectId, segments[4] as string);
            const location = q.get('location');
            if (job === undefined || (location !== null && location.toUpperCase() !== job.spec.location.toUpperCase())) {
              return apiError(404, 'notFound', `Not found: Job ${projectId}:${location ?? defaultLocation}.${segments[4]}`, 'NOT_FOUND');
            }
            if (op === 'jobs.get') return { status: 200, body: jobResource(job) };
            machine.stop(job.id);
            return { status: 200, body: { kind: 'bigquery#jobCancelResponse', job: jobResource(job) } };
          }
          case 'jobs.getQueryResults': {
            const job = find(projectId, segments[4] as string);
            if (job === undefined) return apiError(404, 'notFound', `Not found: Job ${projectId}:${segments[4]}`, 'NOT_FOUND');
            const done = job.state === 'SUCCEEDED' || job.state === 'FAILED' || job.state === 'CANCELLED';
            if (!done)
              return {
                status: 200,
                body: {
                  kind: 'bigquery#getQueryResultsResponse',
                  jobReference: { projectId, jobId: job.spec.jobId, location: job.spec.location },
                  jobComplete: false,
                },
              };
            if (job.failure !== undefined) return apiError(400, job.failure.reason, job.failure.message, 'INVALID_ARGUMENT');
            // As BigQuery: a cancelled job's results are an empty, complete answer.
            const table =
              job.state === 'SUCCEEDED'
                ? (job.spec.destinationTable ??
                  (isQueryStatement(job.spec.query) ? { datasetId: ANON_DATASET, tableId: anonTable(job.spec.jobId) } : undefined))
                : undefined;
            const page =
              table === undefined
                ? { schema: { fields: [] }, rows: [], totalRows: '0' }
                : await readTable(engine, table.datasetId, table.tableId, q);
            if ('reply' in page) return page.reply;
            return {
              status: 200,
              body: {
                kind: 'bigquery#getQueryResultsResponse',
                jobReference: { projectId, jobId: job.spec.jobId, location: job.spec.location },
                jobComplete: true,
                ...page,
              },
            };
          }
          case 'jobs.query':
            return apiError(
              400,
              'invalid',
              'jobs.query is not supported by this test server; use jobs.insert (createQueryJob)',
              'INVALID_ARGUMENT',
            );
          case 'tables.get':
          case 'tabledata.list': {
            const page = await readTable(engine, segments[4] as string, segments[6] as string, q);
            if ('reply' in page) return page.reply;
            if (op === 'tabledata.list')
              return {
                status: 200,
                body: {
                  kind: 'bigquery#tableDataList',
                  totalRows: page.totalRows,
                  rows: page.rows,
                  ...(page.pageToken === undefined ? {} : { pageToken: page.pageToken }),
                },
              };
            return {
              status: 200,
              body: {
                kind: 'bigquery#table',
                tableReference: { projectId, datasetId: segments[4], tableId: segments[6] },
                schema: page.schema,
                numRows: page.totalRows,
                type: 'TABLE',
              },
            };
          }
        }
      },
      throttle: () =>
        options.throttleStatus === 403
          ? apiError(
              403,
              'rateLimitExceeded',
              'Exceeded rate limits: too many api requests per user per method for this user_method',
              'PERMISSION_DENIED',
            )
          : apiError(
              429,
              'rateLimitExceeded',
              'Exceeded rate limits: too many api requests per user per method for this user_method',
              'RESOURCE_EXHAUSTED',
            ),
      serverError: (_op, error) =>
        apiError(
          500,
          'backendError',
          error instanceof Error ? `Backend error: ${error.message}` : 'Backend error. Job aborted.',
          'INTERNAL',
        ),
    },
    options.faults,
  );

  return Object.assign(Object.create(null) as object, {
    get endpoint() {
      return server.endpoint;
    },
    faults: server.faults,
    log: server.log,
    get calls() {
      return server.calls;
    },
    jobs: () => machine.list(),
    cacheHits: () => [...cached.values()].map((c) => c.spec),
    sql: (text: string) => engine.sql(text),
    advance: (jobId: string) => {
      const job = machine.list().find((j) => j.spec.jobId === jobId);
      return job === undefined ? false : machine.advance(job.id);
    },
    close: async () => {
      machine.close();
      await server.close();
      await engine.close();
    },
  }) as BigQueryTestServer;
}

function anonTable(jobId: string): string {
  return `anon_${jobId.replace(/[^A-Za-z0-9_]/g, '_')}`;
}

function insertSpec(projectId: string, body: unknown, defaultLocation: string): QueryJobSpec | { readonly reply: Reply } {
  const invalid = (message: string) => ({ reply: apiError(400, 'invalid', message, 'INVALID_ARGUMENT') });
  const job = (body ?? {}) as {
    jobReference?: { jobId?: string; location?: string };
    configuration?: { query?: Record<string, unknown>; labels?: Record<string, string> };
  };
  const query = job.configuration?.query;
  if (query === undefined || typeof query.query !== 'string' || query.query === '')
    return invalid('Job configuration must contain a query with a query string');
  if (query.useLegacySql !== false) return invalid('This test server runs standard SQL only: set useLegacySql: false');
  const jobId = job.jobReference?.jobId;
  if (typeof jobId !== 'string' || !/^[A-Za-z0-9_-]{1,1024}$/.test(jobId)) return invalid(`Invalid job ID "${String(jobId)}"`);
  const { query: text, queryParameters, destinationTable, ...rest } = query;
  const destination = destinationTable as QueryJobSpec['destinationTable'];
  return {
    projectId,
    jobId,
    location: job.jobReference?.location ?? defaultLocation,
    query: text,
    parameters: (queryParameters as WireParameter[] | undefined) ?? [],
    destinationTable: destination,
    writeDisposition: typeof rest.writeDisposition === 'string' ? rest.writeDisposition : 'WRITE_EMPTY',
    createDisposition: typeof rest.createDisposition === 'string' ? rest.createDisposition : 'CREATE_IF_NEEDED',
    labels: job.configuration?.labels ?? {},
    configuration: { ...rest, query: text, ...(queryParameters === undefined ? {} : { queryParameters }) },
  };
}

/** Runs a job's SQL: a query writes its destination table; DDL and DML just run. */
async function run(
  engine: DuckDbEngine,
  job: QueryJob,
  signal: AbortSignal,
): Promise<{ ok: true; result: { rows: number } } | { ok: false; failure: JobError }> {
  const { spec } = job;
  let sql = toDuckDbSql(spec.query);
  const values: Record<string, import('@duckdb/node-api').DuckDBValue> = {};
  const types: Record<string, import('@duckdb/node-api').DuckDBType | undefined> = {};
  try {
    const used = parameterNames(spec.query);
    for (const p of spec.parameters) {
      const name = p.name ?? '';
      if (!used.has(name)) continue;
      values[name] = duckValue(p.parameterType, p.parameterValue);
      const bind = bindType(p.parameterType);
      types[name] = bind;
      // Text-typed scalars (NUMERIC, DATE, TIMESTAMP, …) are cast by DuckDB from their text.
      if (bind === undefined)
        sql = sql.replace(new RegExp(`\\$${name}\\b`, 'g'), `CAST($${name} AS ${duckType(p.parameterType).toString()})`);
    }
    for (const name of used)
      if (!Object.hasOwn(values, name))
        return { ok: false, failure: { reason: 'invalidQuery', message: `Query parameter '${name}' not found at [1:1]` } };
  } catch (error) {
    if (error instanceof ParameterError) return { ok: false, failure: { reason: 'invalidQuery', message: error.message } };
    throw error;
  }
  const query = isQueryStatement(spec.query);
  const destination =
    spec.destinationTable ?? (query ? { projectId: spec.projectId, datasetId: ANON_DATASET, tableId: anonTable(spec.jobId) } : undefined);
  try {
    if (destination !== undefined) await engine.ensureSchema(destination.datasetId);
    return await engine.withConnection(async (c) => {
      const target = destination === undefined ? '' : `${quotedIdentifier(destination.datasetId)}.${quotedIdentifier(destination.tableId)}`;
      let statement = sql;
      if (destination !== undefined) {
        const exists = (
          await c.runAndReadAll(
            `SELECT count(*) FROM information_schema.tables WHERE table_schema = '${destination.datasetId.replaceAll("'", "''")}' AND table_name = '${destination.tableId.replaceAll("'", "''")}'`,
          )
        ).getRows()[0]?.[0];
        const present = Number(exists) > 0;
        if (!present && spec.createDisposition === 'CREATE_NEVER')
          return {
            ok: false,
            failure: { reason: 'notFound', message: `Not found: Table ${spec.projectId}:${destination.datasetId}.${destination.tableId}` },
          };
        if (present && spec.writeDisposition === 'WRITE_EMPTY' && spec.destinationTable !== undefined) {
          const count = (await c.runAndReadAll(`SELECT count(*) FROM ${target}`)).getRows()[0]?.[0];
          if (Number(count) > 0)
            return {
              ok: false,
              failure: {
                reason: 'duplicate',
                message: `Already Exists: Table ${spec.projectId}:${destination.datasetId}.${destination.tableId}`,
              },
            };
        }
        statement =
          present && spec.writeDisposition === 'WRITE_APPEND'
            ? `INSERT INTO ${target} ${sql}`
            : `CREATE OR REPLACE TABLE ${target} AS ${sql}`;
      }
      if (signal.aborted) return { ok: false, failure: { reason: 'stopped', message: 'Job execution was cancelled' } };
      const prepared = await c.prepare(statement);
      if (Object.keys(values).length > 0) prepared.bind(values, types);
      const result = await prepared.runAndReadAll();
      return { ok: true, result: { rows: result.rowsChanged } };
    }, signal);
  } catch (error) {
    return { ok: false, failure: duckFailure(error) };
  }
}

/** A DuckDB error as a BigQuery errorResult. */
function duckFailure(error: unknown): JobError {
  const message = error instanceof Error ? error.message : String(error);
  if (/^Interrupt/i.test(message)) return { reason: 'stopped', message: 'Job execution was cancelled' };
  if (/^Catalog Error/i.test(message)) return { reason: 'notFound', message };
  if (/^(Parser|Binder|Conversion|Invalid Input|Constraint|Not implemented) Error/i.test(message))
    return { reason: 'invalidQuery', message };
  if (/^Out of Memory/i.test(message)) return { reason: 'resourcesExceeded', message };
  return { reason: 'internalError', message };
}

interface Page {
  readonly schema: { readonly fields: readonly TableField[] };
  readonly rows: readonly { readonly f: readonly { readonly v: unknown }[] }[];
  readonly totalRows: string;
  readonly pageToken?: string;
}

/** One page of a table (`maxResults`, `pageToken` = the next row's offset), in BigQuery's row format. */
async function readTable(
  engine: DuckDbEngine,
  datasetId: string,
  tableId: string,
  q: URLSearchParams,
): Promise<Page | { readonly reply: Reply }> {
  const max = Math.min(Number(q.get('maxResults') ?? 100_000) || 100_000, 100_000);
  const start = Number(q.get('pageToken') ?? q.get('startIndex') ?? 0) || 0;
  const target = `${quotedIdentifier(datasetId)}.${quotedIdentifier(tableId)}`;
  try {
    return await engine.admin(async (c) => {
      const total = Number((await c.runAndReadAll(`SELECT count(*) FROM ${target}`)).getRows()[0]?.[0] ?? 0);
      const reader = await c.runAndReadAll(`SELECT * FROM ${target} LIMIT ${max} OFFSET ${start}`);
      const fields = reader.columnTypes().map((type, i) => tableField(reader.columnName(i), type));
      const rows = reader.getRows().map((row) => ({ f: row.map((value, i) => cell(fields[i] as TableField, value)) }));
      const next = start + rows.length;
      return { schema: { fields }, rows, totalRows: String(total), ...(next < total ? { pageToken: String(next) } : {}) };
    });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (/Catalog Error/i.test(message))
      return { reply: apiError(404, 'notFound', `Not found: Table ${datasetId}.${tableId}`, 'NOT_FOUND') };
    throw error;
  }
}
