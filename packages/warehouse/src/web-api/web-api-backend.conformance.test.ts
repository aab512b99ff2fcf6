// The backend conformance suite for webApiBackend on the warehouse schedule (it follows the job
// itself, with a watch), against a job service whose jobs run until cancelled.
import { fileURLToPath } from 'node:url';
import { testTaskTemplate } from '@tflyte/testing';
import { describeBackendConformance } from '@tflyte/testing/conformance';
import { type EmulatorServer, startEmulatorServer } from '@tflyte/testing/emulator';
import { afterAll, beforeAll } from 'vitest';
import { jobsBackend } from '../test-fixtures/jobs-backend.ts';

let server: EmulatorServer<'submit' | 'status' | 'cancel'>;
const jobs = new Map<string, 'RUNNING' | 'CANCELLED'>();
beforeAll(async () => {
  server = await startEmulatorServer<'submit' | 'status' | 'cancel'>({
    service: 'jobs',
    operations: ['submit', 'status', 'cancel'],
    identify: ({ method, url, raw }) => {
      if (method === 'POST' && url.pathname === '/jobs') return { op: 'submit', body: JSON.parse(raw.toString('utf8')) };
      const id = url.pathname.slice('/jobs/'.length);
      if (method === 'GET') return { op: 'status', body: id };
      if (method === 'DELETE') return { op: 'cancel', body: id };
      return { reply: { status: 404, body: { error: 'unknown route' } } };
    },
    handle: async (op, body) => {
      if (op === 'submit') {
        const { token } = body as { token: string };
        if (!jobs.has(token)) jobs.set(token, 'RUNNING');
        return { status: 200, body: { id: token, state: jobs.get(token) } };
      }
      const id = body as string;
      if (!jobs.has(id)) return { status: 404, body: { error: 'no such job' } };
      if (op === 'cancel') jobs.set(id, 'CANCELLED');
      return { status: 200, body: { id, state: jobs.get(id) } };
    },
    throttle: () => ({ status: 429, body: { error: 'slow down' } }),
    serverError: () => ({ status: 503, body: { error: 'unavailable' } }),
  });
});
afterAll(() => server?.close());

describeBackendConformance({
  name: 'webApiBackend on the warehouse schedule',
  backend: () => jobsBackend(server.endpoint),
  template: () => testTaskTemplate({ type: 'jobs' }),
  submittedJobs: () => jobs.size,
  reattach: () => ({
    module: fileURLToPath(new URL('../test-fixtures/jobs-backend.ts', import.meta.url)),
    export: 'jobsBackend',
    args: [server.endpoint],
  }),
});
