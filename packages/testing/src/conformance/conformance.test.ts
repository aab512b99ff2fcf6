// The conformance suite run for the kit's own fakes and core's function backend; plugins run it for theirs.
import { fileURLToPath } from 'node:url';
import { functionBackend, t, task, toLiteralMap, toTaskTemplate } from '@tflyte/core';
import { afterAll, beforeAll } from 'vitest';
import { createHttpJobService, httpJobBackend, type HttpJobService } from '../kit/http-job-service.ts';
import { createInMemoryBackend, createInMemorySyncBackend } from '../kit/in-memory-backend.ts';
import { testLiteralMap, testTaskTemplate } from '../kit/task-template.ts';
import { describeBackendConformance } from './describe-backend-conformance.ts';

const runsUntilDeleted = testTaskTemplate({ outputs: { y: 'integer' } });

describeBackendConformance({
  name: 'in-memory backend (polled)',
  backend: () => createInMemoryBackend({ script: [{ phase: 'QUEUED' }, { phase: 'RUNNING' }] }),
  template: runsUntilDeleted,
  reattachSkipReason: 'its jobs live in the memory of the test process',
});

describeBackendConformance({
  name: 'in-memory backend (watched)',
  backend: () => createInMemoryBackend({ script: [{ phase: 'QUEUED' }, { phase: 'RUNNING' }], watch: true }),
  template: runsUntilDeleted,
  reattachSkipReason: 'its jobs live in the memory of the test process',
});

let service: HttpJobService;
beforeAll(async () => {
  service = await createHttpJobService();
});
afterAll(async () => {
  await service.close();
});

describeBackendConformance({
  name: 'HTTP job service backend',
  backend: () => httpJobBackend(service.url),
  template: runsUntilDeleted,
  submittedJobs: () => service.stats.submissions,
  reattach: () => ({ module: fileURLToPath(new URL('../kit/http-job-service.ts', import.meta.url)), export: 'httpJobBackend', args: [service.url] }),
});

describeBackendConformance({
  name: 'in-memory sync backend',
  backend: () => createInMemorySyncBackend({ script: [{ phase: 'RUNNING' }, { phase: 'SUCCEEDED', outputs: testLiteralMap({ y: 1n }) }] }),
  template: runsUntilDeleted,
});

export const conformanceSquare = task({ inputs: { x: t.int() }, outputs: t.int() }, function conformanceSquare({ x }) {
  return x * x;
});

describeBackendConformance({
  name: "core's function backend",
  backend: () => functionBackend(),
  template: toTaskTemplate(conformanceSquare, { image: 'img:1', version: 'v1' }),
  inputs: toLiteralMap(conformanceSquare.inputs, { x: 3 }),
});
