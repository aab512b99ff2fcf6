/**
 * A tiny job service on 127.0.0.1 and a Backend that talks to it over HTTP. Its jobs live outside
 * the executor's process, so a test can kill the executor mid-run, start another one on the same
 * state directory, and check that it re-attaches instead of submitting again.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LoopbackServer } from '../shared/loopback-server.ts';
import { fromBinary, toBinary } from '@bufbuild/protobuf';
import type { Backend, FailureInfo, TaskStatus } from '@tflyte/core';
import { TaskExecution_Phase } from '@tflyte/idl/core/execution';
import { LiteralMapSchema, type LiteralMap } from '@tflyte/idl/core/literals';

export interface HttpJob {
  readonly id: string;
  readonly token: string;
  readonly name: string;
  readonly attempt: number;
  phase: TaskExecution_Phase;
  outputs: LiteralMap | undefined;
  failure: FailureInfo | undefined;
  deleted: boolean;
}

export interface HttpJobServiceStats {
  /** POST /jobs requests, including idempotent repeats. */
  creates: number;
  /** Jobs actually started (distinct idempotency tokens). */
  submissions: number;
  gets: number;
  deletes: number;
}

export interface HttpJobService {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly stats: HttpJobServiceStats;
  jobs(): readonly HttpJob[];
  /** Marks jobs SUCCEEDED with these outputs (all live jobs when `jobId` is omitted). */
  complete(outputs: (job: HttpJob) => LiteralMap, jobId?: string): void;
  /** Marks a job FAILED (or RETRYABLE_FAILED when the failure is retryable). */
  fail(jobId: string, failure: FailureInfo): void;
  close(): Promise<void>;
}

interface JobView {
  phase: number;
  message?: string;
  outputs?: string;
  failure?: FailureInfo;
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  let body = '';
  for await (const chunk of req) body += String(chunk);
  return body === '' ? {} : (JSON.parse(body) as Record<string, unknown>);
}

function send(res: ServerResponse, status: number, body?: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(body === undefined ? '' : JSON.stringify(body));
}

/** Starts the service on an ephemeral port. New jobs report QUEUED, then RUNNING until completed or failed. */
export async function createHttpJobService(): Promise<HttpJobService> {
  const jobs: HttpJob[] = [];
  const stats: HttpJobServiceStats = { creates: 0, submissions: 0, gets: 0, deletes: 0 };
  const view = (job: HttpJob): JobView => ({
    phase: job.phase,
    ...(job.outputs !== undefined && { outputs: Buffer.from(toBinary(LiteralMapSchema, job.outputs)).toString('base64') }),
    ...(job.failure !== undefined && { failure: job.failure, message: job.failure.message }),
  });

  const live = (job: HttpJob): boolean => job.phase === TaskExecution_Phase.QUEUED || job.phase === TaskExecution_Phase.RUNNING;

  const server = new LoopbackServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const id = /^\/jobs\/([^/]+)$/.exec(url.pathname)?.[1];
      if (req.method === 'POST' && url.pathname === '/jobs') {
        stats.creates += 1;
        const body = await readJson(req);
        const token = String(body['token']);
        let job = jobs.find((j) => j.token === token);
        if (job === undefined) {
          stats.submissions += 1;
          job = {
            id: `job-${jobs.length + 1}`,
            token,
            name: String(body['name']),
            attempt: Number(body['attempt']),
            phase: TaskExecution_Phase.QUEUED,
            outputs: undefined,
            failure: undefined,
            deleted: false,
          };
          jobs.push(job);
        }
        return send(res, 200, { jobId: job.id });
      }
      const job = jobs.find((j) => j.id === id);
      if (job === undefined) return send(res, 404, { error: `no job ${id ?? url.pathname}` });
      if (req.method === 'GET') {
        stats.gets += 1;
        const reported = view(job);
        // A job is seen QUEUED exactly once, then runs.
        if (job.phase === TaskExecution_Phase.QUEUED) job.phase = TaskExecution_Phase.RUNNING;
        return send(res, 200, reported);
      }
      if (req.method === 'DELETE') {
        stats.deletes += 1;
        if (live(job)) job.phase = TaskExecution_Phase.ABORTED;
        job.deleted = true;
        return send(res, 204);
      }
      return send(res, 405, { error: 'method not allowed' });
    } catch (error) {
      send(res, 500, { error: String(error) });
    }
  });
  await server.listen();

  return {
    url: server.endpoint,
    stats,
    jobs: () => jobs,
    complete(outputs, jobId) {
      for (const job of jobs.filter((j) => (jobId === undefined ? live(j) : j.id === jobId))) {
        job.phase = TaskExecution_Phase.SUCCEEDED;
        job.outputs = outputs(job);
      }
    },
    fail(jobId, failure) {
      const job = jobs.find((j) => j.id === jobId);
      if (job === undefined) throw new Error(`no job ${jobId}`);
      job.phase = failure.retryable ? TaskExecution_Phase.RETRYABLE_FAILED : TaskExecution_Phase.FAILED;
      job.failure = failure;
    },
    close: () => server.close(),
  };
}

export interface HttpJobBackendOptions {
  /** Default `http-job`. */
  readonly name?: string;
  readonly poll?: Backend['poll'];
}

export type HttpJobHandle = { readonly jobId: string };

/** A Backend for a job service created by createHttpJobService (possibly in another process). */
export function httpJobBackend(url: string, options: HttpJobBackendOptions = {}): Backend<HttpJobHandle> {
  const call = async (method: string, path: string, body?: unknown): Promise<Response> => {
    const res = await fetch(`${url}${path}`, {
      method,
      ...(body !== undefined && { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    });
    if (!res.ok && res.status !== 404) throw new Error(`${method} ${path}: HTTP ${res.status}`);
    return res;
  };
  return {
    name: options.name ?? 'http-job',
    handleVersion: 1,
    ...(options.poll !== undefined && { poll: options.poll }),
    async create(ctx) {
      const res = await call('POST', '/jobs', { token: ctx.idempotencyToken, name: ctx.generatedName, attempt: ctx.attempt });
      const { jobId } = (await res.json()) as { jobId: string };
      return { jobId };
    },
    async get(handle) {
      const res = await call('GET', `/jobs/${handle.jobId}`);
      if (res.status === 404) throw new Error(`job ${handle.jobId} no longer exists`);
      const body = (await res.json()) as JobView;
      const status: TaskStatus = {
        phase: body.phase as TaskExecution_Phase,
        ...(body.message !== undefined && { message: body.message }),
        ...(body.failure !== undefined && { failure: body.failure }),
        ...(body.outputs !== undefined && { outputs: fromBinary(LiteralMapSchema, Buffer.from(body.outputs, 'base64')) }),
      };
      return status;
    },
    async delete(handle) {
      await call('DELETE', `/jobs/${handle.jobId}`);
    },
  };
}
