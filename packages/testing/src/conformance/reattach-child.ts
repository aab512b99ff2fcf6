/**
 * The fresh process of the re-attach conformance test: builds the backend from its module as a
 * restarted executor would, reads the persisted handle and attempt, calls `get` once and prints the
 * status as one JSON line. Nothing else of the test process is shared with it.
 */
import { readFile } from 'node:fs/promises';
import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type AsyncBackend, isSyncBackend, type JsonValue } from '@tflyte/core';
import { fromWireContext, type WireContext } from './wire-context.ts';

interface Request {
  readonly module: string;
  readonly export: string;
  readonly args: readonly JsonValue[];
  readonly handle: JsonValue;
  readonly ctx: WireContext;
}

const request = JSON.parse(await readFile(process.argv[2]!, 'utf8')) as Request;
const url = isAbsolute(request.module) ? pathToFileURL(request.module).href : request.module;
const factory = (await import(url))[request.export] as (...args: readonly JsonValue[]) => unknown;
if (typeof factory !== 'function') throw new Error(`${request.module} has no exported function '${request.export}'`);
const backend = (await factory(...request.args)) as AsyncBackend;
if (isSyncBackend(backend))
  throw new Error(`${request.module}#${request.export} built a sync backend, which has no handle to re-attach to`);
const status = await backend.get(request.handle, fromWireContext(request.ctx));
process.stdout.write(`${JSON.stringify({ phase: status.phase, message: status.message ?? null, failure: status.failure ?? null })}\n`);
