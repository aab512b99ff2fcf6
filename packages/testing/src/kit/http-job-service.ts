/**
 * The kit's job model behind HTTP on 127.0.0.1 (an emulator server, so the shared fault model and
 * call log apply), and an AsyncBackend that talks to it. Its jobs live outside the executor's
 * process, so a test can kill the executor mid-run, start another one on the same state directory,
 * and check that it re-attaches instead of submitting again.
 *
 * Wire protocol: POST /jobs {token, name, attempt, interruptible} → {jobId, created};
 * GET /jobs/:id → a status; DELETE /jobs/:id → 204. A scripted `throws` answers 500.
 */
import { fromBinary, toBinary } from '@bufbuild/protobuf';
import {
  type AsyncBackend,
  BackendError,
  type FailureInfo,
  failed,
  type LogLink,
  type PollPolicy,
  type StatusCheckPolicy,
  succeeded,
  type TaskStatus,
} from '@tflyte/core';
import type { TaskExecution_Phase } from '@tflyte/idl/core/execution';
import { type LiteralMap, LiteralMapSchema } from '@tflyte/idl/core/literals';
import { type EmulatorServer, type Reply, startEmulatorServer } from '../emulator/emulator-server.ts';
import type { FaultOptions } from '../emulator/fault-model.ts';
import { createJobModel, type InMemoryJob, type JobModel, type JobRequest, type ScriptSource } from './job-model.ts';

export const JOB_SERVICE_OPERATIONS = ['CreateJob', 'GetJob', 'DeleteJob'] as const;
export type JobServiceOperation = (typeof JOB_SERVICE_OPERATIONS)[number];

/** A job of the service: the kit's one job model. */
export type HttpJob = InMemoryJob;

export interface HttpJobServiceStats {
  /** POST /jobs requests that reached the service, including idempotent repeats. */
  readonly creates: number;
  /** Jobs actually started (distinct idempotency tokens). */
  readonly submissions: number;
  readonly gets: number;
  readonly deletes: number;
}

export interface HttpJobServiceOptions {
  /** Default: QUEUED on the first status read, then RUNNING until `complete` or `fail`. */
  readonly script?: ScriptSource<JobRequest>;
  readonly faults?: FaultOptions<JobServiceOperation>;
}

export interface HttpJobService {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** Counted on the server side, from its call log. */
  readonly stats: HttpJobServiceStats;
  readonly server: EmulatorServer<JobServiceOperation>;
  jobs(): readonly HttpJob[];
  /** Marks jobs SUCCEEDED with these outputs (all live jobs when `jobId` is omitted). */
  complete(outputs: (job: HttpJob) => LiteralMap, jobId?: string): void;
  /** Marks a job FAILED (or RETRYABLE_FAILED when the failure is retryable). */
  fail(jobId: string, failure: FailureInfo): void;
  close(): Promise<void>;
}

interface WireStatus {
  readonly phase: number;
  readonly message?: string;
  readonly logs?: readonly LogLink[];
  readonly failure?: FailureInfo;
  /** Base64 of a binary LiteralMap. */
  readonly outputs?: string;
}

const toWire = (status: TaskStatus): WireStatus => ({
  phase: status.phase,
  ...(status.message !== undefined && { message: status.message }),
  ...(status.logs !== undefined && { logs: status.logs }),
  ...(status.failure !== undefined && { failure: status.failure }),
  ...(status.outputs !== undefined && { outputs: Buffer.from(toBinary(LiteralMapSchema, status.outputs)).toString('base64') }),
});

const fromWire = (wire: WireStatus): TaskStatus => ({
  phase: wire.phase as TaskExecution_Phase,
  ...(wire.message !== undefined && { message: wire.message }),
  ...(wire.logs !== undefined && { logs: wire.logs }),
  ...(wire.failure !== undefined && { failure: wire.failure }),
  ...(wire.outputs !== undefined && { outputs: fromBinary(LiteralMapSchema, Buffer.from(wire.outputs, 'base64')) }),
});

/** Starts the service on an ephemeral port. */
export async function createHttpJobService(options: HttpJobServiceOptions = {}): Promise<HttpJobService> {
  const model: JobModel<JobRequest> = createJobModel<JobRequest>({ script: options.script ?? [{ phase: 'QUEUED' }, { phase: 'RUNNING' }] });
  let submissions = 0;
  const json = (status: number, body?: object): Reply => ({ status, ...(body !== undefined && { body }) });

  const server = await startEmulatorServer<JobServiceOperation>(
    {
      service: 'test job service',
      operations: JOB_SERVICE_OPERATIONS,
      identify(request) {
        const id = /^\/jobs\/([^/]+)$/.exec(request.url.pathname)?.[1];
        const body = request.raw.length === 0 ? undefined : (JSON.parse(request.raw.toString('utf8')) as unknown);
        if (request.method === 'POST' && request.url.pathname === '/jobs') return { op: 'CreateJob', body };
        if (id !== undefined && request.method === 'GET') return { op: 'GetJob', body: { id } };
        if (id !== undefined && request.method === 'DELETE') return { op: 'DeleteJob', body: { id } };
        return { reply: json(404, { error: `no operation ${request.method} ${request.url.pathname}` }) };
      },
      async handle(op, body) {
        switch (op) {
          case 'CreateJob': {
            const b = body as Record<string, unknown>;
            const submitted = model.submit({
              idempotencyToken: String(b['token']),
              generatedName: String(b['name']),
              attempt: Number(b['attempt']),
              interruptible: b['interruptible'] === true,
            });
            if (submitted.created) submissions += 1;
            return json(200, { jobId: submitted.id, created: submitted.created });
          }
          case 'GetJob': {
            const { id } = body as { id: string };
            return model.has(id) ? json(200, toWire(model.check(id))) : json(404, { error: `no job ${id}` });
          }
          case 'DeleteJob':
            model.remove((body as { id: string }).id);
            return json(204);
        }
      },
      throttle: () => json(429, { error: 'slow down' }),
      serverError: (_op, error) => json(500, { error: error === undefined ? 'internal error' : String(error) }),
    },
    options.faults,
  );
  const reached = (op: JobServiceOperation) => server.log.of(op, (c) => c.fault !== 'connection-reset').length;

  return {
    url: server.endpoint,
    server,
    get stats() {
      return { creates: reached('CreateJob'), submissions, gets: reached('GetJob'), deletes: reached('DeleteJob') };
    },
    jobs: () => model.jobs,
    complete(outputs, jobId) {
      for (const job of model.jobs.filter((j) => (jobId === undefined ? j.live : j.id === jobId)))
        model.settle(job.id, succeeded(outputs(job)));
    },
    fail(jobId, failure) {
      model.settle(jobId, failed(failure));
    },
    close: () => server.close(),
  };
}

export interface HttpJobBackendOptions {
  /** Default `http-job`. */
  readonly name?: string;
  readonly poll?: PollPolicy;
  readonly statusChecks?: Partial<StatusCheckPolicy>;
}

export type HttpJobHandle = { readonly jobId: string };

/** An AsyncBackend for a job service created by createHttpJobService (possibly in another process). */
export function httpJobBackend(url: string, options: HttpJobBackendOptions = {}): AsyncBackend<HttpJobHandle> {
  // A failed request throws: the executor retries status checks under its policy.
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
    ...(options.statusChecks !== undefined && { statusChecks: options.statusChecks }),
    async create(ctx) {
      const res = await call('POST', '/jobs', {
        token: ctx.idempotencyToken,
        name: ctx.generatedName,
        attempt: ctx.attempt,
        interruptible: ctx.interruptible,
      });
      const { jobId } = (await res.json()) as { jobId: string };
      return { jobId };
    },
    async get(handle) {
      const res = await call('GET', `/jobs/${handle.jobId}`);
      if (res.status === 404) {
        throw new BackendError({
          kind: 'system',
          retryable: false,
          code: 'JobNotFound',
          message: `job ${handle.jobId} no longer exists in the job service`,
        });
      }
      return fromWire((await res.json()) as WireStatus);
    },
    async delete(handle) {
      await call('DELETE', `/jobs/${handle.jobId}`);
    },
  };
}
