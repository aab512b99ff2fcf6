/**
 * A complete AttemptContext for calling a backend directly in a unit test (create / get / delete,
 * or do), without an executor: the attempt's identity, file locations under a temporary
 * directory, a fresh signal and a fake clock, each overridable.
 */
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { create } from '@bufbuild/protobuf';
import type { AttemptContext } from '@tflyte/core';
import { LiteralMapSchema } from '@tflyte/idl/core/literals';
import { createFakeClock } from './fake-clock.ts';
import { testTaskTemplate } from './task-template.ts';

export type TestAttemptOverrides = { -readonly [K in keyof AttemptContext]?: AttemptContext[K] };

export function testAttemptContext(overrides: TestAttemptOverrides = {}): AttemptContext {
  const id = overrides.idempotencyToken ?? `test-${randomBytes(6).toString('hex')}`;
  const attempt = overrides.attempt ?? 0;
  // Nothing is created here: a backend that writes files makes them below this directory itself.
  const dir = join(tmpdir(), 'tflyte-test-attempts', id, String(attempt));
  return {
    template: testTaskTemplate(),
    inputs: create(LiteralMapSchema),
    generatedName: `${id
      .toLowerCase()
      .replace(/[^a-z0-9-]/g, '-')
      .slice(0, 40)}-${attempt}`,
    idempotencyToken: id,
    attempt,
    inputsUri: pathToFileURL(join(dir, 'inputs.pb')).href,
    outputPrefix: pathToFileURL(dir).href,
    rawOutputPrefix: pathToFileURL(join(dir, 'raw')).href,
    interruptible: false,
    signal: new AbortController().signal,
    clock: createFakeClock({ now: 1_700_000_000_000 }),
    ...overrides,
  };
}
