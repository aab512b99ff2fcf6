/**
 * `tflyte execute`: the container entrypoint, argument-compatible with pyflyte-execute. It reads
 * `inputs.pb` (a LiteralMap), runs the task named by the loader args, and writes `outputs.pb`, or
 * `error.pb` (an ErrorDocument with the failure's kind and origin) when the task fails, at file://,
 * s3:// or gs:// locations. File and directory outputs go under a remote raw output prefix.
 * A task that cannot be loaded is a permanent USER failure in error.pb, so propeller does not spend
 * retries on it; offloaded inputs are read from where propeller put them; with --checkpoint-path the
 * task body gets this attempt's checkpoint (and the previous attempt's, with --prev-checkpoint);
 * with `_F_L_MIN_SIZE_MB` (set by propeller when it offloads literals) large outputs are offloaded.
 */

import { createHash } from 'node:crypto';
import { isAbsolute } from 'node:path';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { timestampNow } from '@bufbuild/protobuf/wkt';
import {
  BackendError,
  classifyError,
  collectDecks,
  DECK_FILE_NAME,
  deckPage,
  errorDocumentFields,
  joinUri,
  type PutOptions,
  resolveOffloadedLiterals,
  storageCheckpoint,
  type Task,
  TflyteError,
  withCheckpoint,
} from '@tflyte/core';
import { ContainerErrorSchema, ErrorDocumentSchema } from '@tflyte/idl/core/errors';
import { type Literal, type LiteralMap, LiteralMapSchema, LiteralSchema } from '@tflyte/idl/core/literals';
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
  /** Where this attempt's checkpoint goes (`{{.checkpointOutputPrefix}}`); unrendered or empty means none. */
  readonly checkpointPath?: string | undefined;
  /** The previous attempt's checkpoint (`{{.prevCheckpointPrefix}}`); empty on a first attempt. */
  readonly prevCheckpoint?: string | undefined;
}

/** flytekit's name for a task module or object that does not load (FlyteEntrypointNotLoadable), as a USER failure. */
export const UNLOADABLE_CODE = 'USER:UnloadableCode';

export type ExecuteResult = { readonly ok: true } | { readonly ok: false; readonly error: unknown };

export async function execute(args: ExecuteArgs, cwd: string, env: NodeJS.ProcessEnv = process.env): Promise<ExecuteResult> {
  const storage = entrypointStorage();
  const [module, name] = loaderArgs(args.loaderArgs);
  checkOutputPrefix(args.outputPrefix);
  const root = args.additionalDistribution === undefined ? cwd : await fetchDistribution(args.additionalDistribution, args.destDir, cwd);
  const write = (name: string, bytes: Uint8Array, options?: PutOptions) => storage.put(joinUri(args.outputPrefix, name), bytes, options);
  let task: Task;
  try {
    task = await loadTask(module, name, root);
  } catch (error) {
    // The same image and arguments fail the same way on every retry: say so, as flytekit does.
    const message = `cannot load task '${name}' from module '${module}': ${error instanceof Error ? error.message : String(error)}`;
    const unloadable = new BackendError({ kind: 'user', retryable: false, code: UNLOADABLE_CODE, message }, { cause: error });
    await write('error.pb', toBinary(ErrorDocumentSchema, errorDocument(unloadable)));
    return { ok: false, error: unloadable };
  }
  try {
    const bytes = await storage.get(args.inputs);
    if (bytes === undefined) throw new TflyteError('TFLYTE_STORAGE', `inputs not found at ${args.inputs}`);
    const inputs = await resolveOffloadedLiterals(fromBinary(LiteralMapSchema, bytes), (uri) => storage.get(uri));
    if (!task.kind.execute) throw new TflyteError('TFLYTE_PLUGIN_NOT_FOUND', `task '${task.name}' has no in-container implementation`);
    const execute = task.kind.execute;
    const checkpointPath = givenPrefix(args.checkpointPath);
    const run = () => execute(inputs);
    const body =
      checkpointPath === undefined
        ? run
        : () => withCheckpoint(storageCheckpoint(storage, { checkpointPath, prevCheckpoint: givenPrefix(args.prevCheckpoint) }), run);
    const { result, decks } = await collectDecks(body);
    // Where flytekit's _output_deck puts it, for the Console (TaskMetadata.generatesDeck says to look).
    if (task.options.enableDeck) {
      // As flytekit uploads it: a signed link then shows the page instead of downloading it.
      await write(DECK_FILE_NAME, new TextEncoder().encode(deckPage(decks, task.name)), { contentType: 'text/html' });
    }
    if (!result.ok) throw result.error;
    const outputs = result.value;
    await uploadLocalBlobs(outputs, givenPrefix(args.rawOutputDataPrefix), storage);
    await write(
      'outputs.pb',
      toBinary(LiteralMapSchema, await offloadOutputs(outputs, task, args.outputPrefix, write, offloadLimits(env))),
    );
    return { ok: true };
  } catch (error) {
    await write('error.pb', toBinary(ErrorDocumentSchema, errorDocument(error)));
    return { ok: false, error };
  }
}

/** Propeller leaves a placeholder unrendered (or empty) when it has no value for it, as flytekit assumes. */
interface OffloadLimits {
  readonly minBytes: number;
  readonly maxBytes: number;
}

/** flytekit's reading of the offloading env propeller sets: sizes in MB, no minimum meaning no offloading, 1000 MB at most. */
function offloadLimits(env: NodeJS.ProcessEnv): OffloadLimits | undefined {
  const mb = (name: string, fallback: number): number => {
    const text = env[name];
    if (text === undefined || text === '') return fallback;
    const n = Number(text);
    if (!Number.isInteger(n)) throw new UsageError(`execute: ${name} must be a whole number of megabytes, got '${text}'`);
    return n;
  };
  const min = mb('_F_L_MIN_SIZE_MB', -1);
  return min < 0 ? undefined : { minBytes: min * 1024 * 1024, maxBytes: mb('_F_L_MAX_SIZE_MB', 1000) * 1024 * 1024 };
}

/**
 * As flytekit's entrypoint offloads: an output whose literal is at least the minimum size goes to
 * `<output prefix>/<name>_offloaded_metadata.pb`, and outputs.pb holds `Literal{offloaded_metadata{uri,
 * size_bytes, inferred_type}, hash}` in its place (the hash the literal's own, else a sha256 of its bytes),
 * so propeller and downstream tasks read it from there. One above the maximum fails the task.
 */
async function offloadOutputs(
  outputs: LiteralMap,
  task: Task,
  outputPrefix: string,
  write: (name: string, bytes: Uint8Array) => Promise<void>,
  limits: OffloadLimits | undefined,
): Promise<LiteralMap> {
  if (limits === undefined) return outputs;
  const literals: Record<string, Literal> = {};
  for (const [name, literal] of Object.entries(outputs.literals)) {
    const bytes = toBinary(LiteralSchema, literal);
    if (bytes.length >= limits.maxBytes) {
      throw new BackendError({
        kind: 'user',
        retryable: false,
        code: 'USER:OutputTooLarge',
        message: `output '${name}' is ${bytes.length} bytes, more than the ${limits.maxBytes} bytes Flyte offloads at most (_F_L_MAX_SIZE_MB)`,
      });
    }
    if (bytes.length < limits.minBytes) {
      Object.defineProperty(literals, name, { value: literal, enumerable: true });
      continue;
    }
    const file = `${name}_offloaded_metadata.pb`;
    await write(file, bytes);
    const offloaded = create(LiteralSchema, {
      value: {
        case: 'offloadedMetadata',
        value: { uri: joinUri(outputPrefix, file), sizeBytes: BigInt(bytes.length), inferredType: task.outputs.types[name]?.literalType() },
      },
      hash: literal.hash || createHash('sha256').update(bytes).digest('hex'),
    });
    Object.defineProperty(literals, name, { value: offloaded, enumerable: true });
  }
  return create(LiteralMapSchema, { literals });
}

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
  if (file === undefined)
    throw new UsageError(`module '${module}' not found under ${cwd} (looked for ${module.replaceAll('.', '/')}.ts and similar)`);
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
