/**
 * A webApiBackend over a plain HTTP job service (POST /jobs idempotent by token, GET /jobs/<id>,
 * DELETE /jobs/<id>), on the warehouse polling schedule. The conformance suite builds it in its own
 * process and again in a fresh one, to re-attach by handle.
 */
import { BackendError, failure, running, succeeded } from '@tflyte/core';
import { WAREHOUSE_POLL } from '../web-api/poll-schedule.ts';
import { type WebApiBackend, webApiBackend } from '../web-api/web-api-backend.ts';

export interface JobView {
  readonly id: string;
  readonly state: 'RUNNING' | 'SUCCEEDED' | 'CANCELLED';
}

async function call(url: string, init?: RequestInit): Promise<JobView> {
  const response = await fetch(url, init);
  if (response.status === 429 || response.status >= 500)
    throw new BackendError({
      kind: 'system',
      retryable: true,
      code: `HTTP_${response.status}`,
      message: `job service answered ${response.status}`,
    });
  if (response.status === 404) return { id: '', state: 'CANCELLED' };
  return (await response.json()) as JobView;
}

export function jobsBackend(endpoint: string): WebApiBackend<string> {
  return webApiBackend<string, JobView>({
    name: 'jobs',
    handleVersion: 1,
    poll: WAREHOUSE_POLL,
    submit: async (ctx) => (await call(`${endpoint}/jobs`, { method: 'POST', body: JSON.stringify({ token: ctx.idempotencyToken }) })).id,
    fetch: (id) => call(`${endpoint}/jobs/${id}`),
    status: (job) =>
      job.state === 'RUNNING'
        ? running()
        : job.state === 'SUCCEEDED'
          ? succeeded()
          : failure('system', true, 'JOB_CANCELLED', `job ${job.id} was cancelled`),
    cancel: async (id) => {
      await call(`${endpoint}/jobs/${id}`, { method: 'DELETE' });
    },
  });
}
