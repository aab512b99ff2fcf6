/**
 * `tflyte execute`: the container entrypoint, argument-compatible with pyflyte-execute. It reads
 * `inputs.pb` (a LiteralMap), runs the task named by the loader args, and writes `outputs.pb`, or
 * `error.pb` (an ErrorDocument with the failure's kind and origin) when the task fails, at file://,
 * s3:// or gs:// locations. File and directory outputs go under a remote raw output prefix.
 */
import { isAbsolute } from 'node:path';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { timestampNow } from '@bufbuild/protobuf/wkt';
import { DECK_FILE_NAME, type Task, TflyteError, classifyError, collectDecks, deckPage, errorDocumentFields, joinUri } from '@tflyte/core';
import { ContainerErrorSchema, ErrorDocumentSchema } from '@tflyte/idl/core/errors';
import { LiteralMapSchema } from '@tflyte/idl/core/literals';
import { findEntity, loadModule } from '../load-entity.ts';
import { entrypointStorage } from '../object-stores.ts';
import { moduleFile } from '../resolve-module.ts';
import { uploadLocalBlobs } from '../upload-blobs.ts';
import { UsageError } from '../usage-error.ts';
import { fetchDistribution } from './fast-execute.ts';

export interface ExecuteArgs {
  readonly inputs: string;
  readonly outputPrefix: string;
  /** Where file and directory outputs go when it is remote; unrendered or empty means none. */
  readonly rawOutputDataPrefix?: string | undefined;
  /** After `--`: `task-module <m> task-name <n>`. */
  readonly loaderArgs: readonly string[];
  /** Fast registration's code bundle, fetched and unpacked into `destDir` before the task loads. */
  readonly additionalDistribution?: string | undefined;
  readonly destDir?: string | undefined;
}

export type ExecuteResult = { readonly ok: true } | { readonly ok: false; readonly error: unknown };

export async function execute(args: ExecuteArgs, cwd: string): Promise<ExecuteResult> {
  const storage = entrypointStorage();
  const [module, name] = loaderArgs(args.loaderArgs);
  checkOutputPrefix(args.outputPrefix);
  const root = args.additionalDistribution === undefined ? cwd : await fetchDistribution(args.additionalDistribution, args.destDir, cwd);
  const task = await loadTask(module, name, root);
  const write = (name: string, bytes: Uint8Array) => storage.put(joinUri(args.outputPrefix, name), bytes);
  try {
    const bytes = await storage.get(args.inputs);
    if (bytes === undefined) throw new TflyteError('TFLYTE_STORAGE', `inputs not found at ${args.inputs}`);
    const inputs = fromBinary(LiteralMapSchema, bytes);
    if (!task.kind.execute) throw new TflyteError('TFLYTE_PLUGIN_NOT_FOUND', `task '${task.name}' has no in-container implementation`);
    const execute = task.kind.execute;
    const { result, decks } = await collectDecks(() => execute(inputs));
    // Where flytekit's _output_deck puts it, for the Console (TaskMetadata.generatesDeck says to look).
    if (task.options.enableDeck) await write(DECK_FILE_NAME, new TextEncoder().encode(deckPage(decks, task.name)));
    if (!result.ok) throw result.error;
    const outputs = result.value;
    await uploadLocalBlobs(outputs, givenPrefix(args.rawOutputDataPrefix), storage);
    await write('outputs.pb', toBinary(LiteralMapSchema, outputs));
    return { ok: true };
  } catch (error) {
    await write('error.pb', toBinary(ErrorDocumentSchema, errorDocument(error)));
    return { ok: false, error };
  }
}

/** Propeller leaves a placeholder unrendered (or empty) when it has no value for it, as flytekit assumes. */
function givenPrefix(value: string | undefined): string | undefined {
  return value === undefined || value === '' || /^\{\{.*\}\}$/.test(value) ? undefined : value;
}

function loaderArgs(args: readonly string[]): [module: string, name: string] {
  const [k1, module, k2, name] = args;
  if (k1 !== 'task-module' || k2 !== 'task-name' || !module || !name) {
    throw new UsageError(`expected loader args 'task-module <module> task-name <name>' after --, got '${args.join(' ')}'`);
  }
  return [module, name];
}

/**
 * outputs.pb and error.pb go under this prefix. An empty one would put them at `/outputs.pb`, and a
 * relative one under whatever directory the container happens to start in: both are refused, as is
 * a `..` segment, which would climb out of the prefix propeller reads back.
 */
function checkOutputPrefix(prefix: string): void {
  const fix = 'give an absolute path or a URI such as s3://bucket/metadata/run/n0/0 (propeller renders it from {{.outputPrefix}})';
  if (prefix.trim() === '') throw new UsageError(`execute: --output-prefix is empty; ${fix}`);
  const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.exec(prefix);
  if (scheme === null && !isAbsolute(prefix)) throw new UsageError(`execute: --output-prefix '${prefix}' is a relative path; ${fix}`);
  const path = scheme === null ? prefix : prefix.slice(scheme[0].length);
  if (path.split('/').includes('..')) throw new UsageError(`execute: --output-prefix '${prefix}' has a '..' segment; ${fix}`);
}

async function loadTask(module: string, name: string, cwd: string): Promise<Task> {
  const file = moduleFile(module, cwd);
  if (file === undefined) throw new UsageError(`module '${module}' not found under ${cwd} (looked for ${module.replaceAll('.', '/')}.ts and similar)`);
  return findEntity(await loadModule(file, cwd), file, name);
}

/**
 * The failure as error.pb, classified by core's one classifier exactly as a local run classifies it:
 * the task body is the origin, so only storage failures (inputs.pb missing, an object store
 * failing) come out as SYSTEM. The stack goes in the message, as flytekit puts its traceback there.
 */
function errorDocument(error: unknown) {
  const failure = classifyError(error, 'user');
  return create(ErrorDocumentSchema, {
    error: create(ContainerErrorSchema, {
      ...errorDocumentFields(failure),
      message: error instanceof Error && error.stack !== undefined ? error.stack : failure.message,
      timestamp: timestampNow(),
    }),
  });
}
