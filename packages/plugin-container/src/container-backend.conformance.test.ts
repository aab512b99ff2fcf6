// The backend conformance suite for the local container backend, in a real container runtime.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { toTaskTemplate } from '@tflyte/core';
import { describeBackendConformance } from '@tflyte/testing/conformance';
import { afterAll, beforeAll } from 'vitest';
import { containerBackend } from './container-backend.ts';
import { containerTask } from './container-task.ts';
import { ensureBusyboxImage, probeContainerRuntime, runtimeOf } from './runtime/index.ts';

const probe = await probeContainerRuntime();
let workDir: string;
let image: string;
beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'tflyte-container-conformance-'));
  if (probe.available) image = await ensureBusyboxImage(runtimeOf(probe));
});
afterAll(async () => {
  if (workDir !== undefined) await rm(workDir, { recursive: true, force: true });
});

export const sleepsUntilStopped = () => containerTask({ name: 'sleepsUntilStopped', image, command: ['sleep', '600'] });

describeBackendConformance({
  name: 'local container backend',
  skip: probe.available ? false : 'no container runtime (podman or docker) on this machine',
  backend: () => containerBackend({ workDir, stopTimeoutSeconds: 1 }),
  template: () => toTaskTemplate(sleepsUntilStopped(), { version: 'v1' }),
  // A container outlives the process that started it: a fresh process re-attaches to it by the handle.
  reattach: () => ({
    module: fileURLToPath(new URL('./container-backend.ts', import.meta.url)),
    export: 'containerBackend',
    args: [{ workDir }],
    expect: 'live',
  }),
});
