/**
 * Reads a finished container's outputs back from the host directory mounted at `outputDataDir`,
 * as Flyte's copilot uploader does (flytecopilot data/upload.go): an `_ERROR` file fails the task
 * with its text; each primitive output is a file of at most 1 KiB parsed with Go's parsers into a
 * literal of full precision (int64, nanosecond times); each file or directory output is copied to
 * the raw output prefix. Every output is type-checked.
 */
import { copyFile, lstat, mkdir, readdir, readFile, readlink, symlink } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { create, type MessageInitShape } from '@bufbuild/protobuf';
import type { Variable } from '@tflyte/idl/core/interface';
import { type Literal, type LiteralMap, LiteralMapSchema, LiteralSchema, type PrimitiveSchema } from '@tflyte/idl/core/literals';
import { type BlobType, BlobType_BlobDimensionality, SimpleType } from '@tflyte/idl/core/types';
import type { FailureInfo } from '../errors.ts';
import { toLocalPath } from '../storage/file-store.ts';
import { joinUri, type Storage, uriScheme } from '../storage/object-store.ts';
import { describeLiteralType } from '../types/from-literal-type.ts';
import { setOwn } from '../types/own-key.ts';
import { unsafeEntryName } from './entry-name.ts';
import { type Parsed, parseGoBool, parseGoDatetime, parseGoDuration, parseGoFloat, parseGoInt } from './go-parse.ts';

export interface OutputLayout {
  /** Host directory that was mounted at `outputPath`. */
  readonly hostDir: string;
  readonly outputPath: string;
  /** Where file and directory outputs are copied to; directories need a local (file://) prefix. */
  readonly rawOutputPrefix: string;
}

export type OutputsResult = { readonly ok: true; readonly outputs: LiteralMap } | { readonly ok: false; readonly failure: FailureInfo };

/** copilot's limit for a primitive output file. */
const MAX_PRIMITIVE_BYTES = 1024;
const MAX_ERROR_BYTES = 1024 * 1024;
const ERROR_FILE = '_ERROR';

/** copilot reports every output problem under this code, as a recoverable user error. */
const failed = (message: string): OutputsResult => ({
  ok: false,
  failure: { kind: 'user', retryable: true, code: 'OutputUploadFailed', message },
});

/** `storage` receives file outputs under a remote raw output prefix; without it the prefix must be local. */
export async function readOutputs(
  layout: OutputLayout,
  variables: Readonly<Record<string, Variable>>,
  storage?: Storage,
): Promise<OutputsResult> {
  const errorFile = join(layout.hostDir, ERROR_FILE);
  const errorInfo = await lstat(errorFile).catch(() => undefined);
  if (errorInfo !== undefined) {
    if (!errorInfo.isFile() || errorInfo.size > MAX_ERROR_BYTES)
      return failed(`${layout.outputPath}/${ERROR_FILE} must be a file of at most 1 MiB`);
    return failed(`User Error: ${await readFile(errorFile, 'utf8')}`);
  }
  for (const name of Object.keys(variables)) {
    const unsafe = unsafeEntryName(name);
    if (unsafe !== undefined) {
      return {
        ok: false,
        failure: { kind: 'user', retryable: false, code: 'InvalidOutputName', message: `output ${unsafe}: rename the output` },
      };
    }
  }
  const literals: Record<string, Literal> = {};
  for (const [name, variable] of Object.entries(variables)) {
    const result = await readOutput(layout, name, variable, storage);
    if (typeof result === 'string') return failed(`output '${name}' ${result}`);
    setOwn(literals, name, result);
  }
  return { ok: true, outputs: create(LiteralMapSchema, { literals }) };
}

/** The output's Literal, or a sentence saying what is wrong with it. */
async function readOutput(layout: OutputLayout, name: string, variable: Variable, storage: Storage | undefined): Promise<Literal | string> {
  if (variable.type === undefined) return 'has no type in the task interface';
  const type = variable.type.type;
  const display = describeLiteralType(variable.type);
  const hostPath = join(layout.hostDir, name);
  const path = `${layout.outputPath}/${name}`;
  // lstat: a symlink the container wrote could point at any file of the host.
  const info = await lstat(hostPath).catch(() => undefined);
  if (info === undefined) return `was not written: the container must create ${path} (${display})`;

  if (type.case === 'blob') {
    const isDirectory = type.value.dimensionality === BlobType_BlobDimensionality.MULTIPART;
    if (isDirectory ? !info.isDirectory() : !info.isFile()) return `must be a ${isDirectory ? 'directory' : 'regular file'} at ${path}`;
    if (isDirectory) {
      const leaving = await linkLeaving(hostPath);
      if (leaving !== undefined) return `must not hold a symbolic link that points outside it: ${path}/${leaving}`;
    }
    const uri = joinUri(layout.rawOutputPrefix, name);
    if (uriScheme(uri) === 'file') await copyLocal(hostPath, toLocalPath(uri), isDirectory);
    else if (!isDirectory && storage !== undefined) await storage.put(uri, new Uint8Array(await readFile(hostPath)));
    else
      return `cannot be kept: the raw output prefix ${layout.rawOutputPrefix} is not local, and ${isDirectory ? 'directory outputs' : 'outputs of a run without object storage'} are copied only to local paths`;
    return blobLiteral(uri, type.value);
  }
  if (type.case !== 'simple') return `is a ${display}, which a raw container cannot return (only primitives, files and directories)`;

  if (!info.isFile()) return `must be a file at ${path} holding the ${display} as text`;
  if (info.size > MAX_PRIMITIVE_BYTES) {
    return `is ${info.size} bytes; Flyte reads at most ${MAX_PRIMITIVE_BYTES} bytes for a ${display} output (declare it t.file() for more)`;
  }
  // Go's strings.Trim(s, " \n\t"): a trailing newline from `echo` is fine, a carriage return is not.
  const text = (await readFile(hostPath, 'utf8')).replace(/^[ \n\t]+|[ \n\t]+$/g, '');
  const parsed = parsePrimitive(type.value, display, text);
  if (!parsed.ok) return `could not be read from ${path}: expected ${parsed.expected}, got ${JSON.stringify(text.slice(0, 80))}`;
  return create(LiteralSchema, { value: { case: 'scalar', value: { value: { case: 'primitive', value: { value: parsed.value } } } } });
}

/**
 * The first symbolic link under `root` (relative to it) whose target lies outside `root`: an
 * absolute target, or a relative one that climbs out. Those would expose host files through the
 * output; links that stay inside are kept, as they are part of the directory's content.
 */
async function linkLeaving(root: string): Promise<string | undefined> {
  for (const entry of await readdir(root, { withFileTypes: true, recursive: true })) {
    if (!entry.isSymbolicLink()) continue;
    const link = join(entry.parentPath, entry.name);
    const target = await readlink(link);
    const landing = relative(root, resolve(dirname(link), target));
    if (isAbsolute(target) || landing === '..' || landing.startsWith(`..${sep}`) || isAbsolute(landing)) return relative(root, link);
  }
  return undefined;
}

/**
 * Copies entry by entry rather than with fs.cp, which rewrites a relative link into an absolute
 * path on the host. Links (already checked to stay inside) are recreated exactly as written.
 */
async function copyLocal(hostPath: string, destination: string, isDirectory: boolean): Promise<void> {
  await mkdir(dirname(destination), { recursive: true });
  if (!isDirectory) {
    await copyFile(hostPath, destination);
    return;
  }
  await mkdir(destination, { recursive: true });
  for (const entry of await readdir(hostPath, { withFileTypes: true, recursive: true })) {
    const source = join(entry.parentPath, entry.name);
    const target = join(destination, relative(hostPath, source));
    if (entry.isDirectory()) await mkdir(target, { recursive: true });
    else {
      await mkdir(dirname(target), { recursive: true });
      if (entry.isSymbolicLink()) await symlink(await readlink(source), target);
      else if (entry.isFile()) await copyFile(source, target);
    }
  }
}

function blobLiteral(uri: string, type: BlobType): Literal {
  return create(LiteralSchema, { value: { case: 'scalar', value: { value: { case: 'blob', value: { uri, metadata: { type } } } } } });
}

type PrimitiveInit = MessageInitShape<typeof PrimitiveSchema>['value'];

function parsePrimitive(type: SimpleType, display: string, text: string): Parsed<PrimitiveInit> {
  const as = <T>(parsed: Parsed<T>, wrap: (value: T) => PrimitiveInit): Parsed<PrimitiveInit> =>
    parsed.ok ? { ok: true, value: wrap(parsed.value) } : parsed;
  switch (type) {
    case SimpleType.INTEGER:
      return as(parseGoInt(text), (value) => ({ case: 'integer', value }));
    case SimpleType.FLOAT:
      return as(parseGoFloat(text), (value) => ({ case: 'floatValue', value }));
    case SimpleType.BOOLEAN:
      return as(parseGoBool(text), (value) => ({ case: 'boolean', value }));
    case SimpleType.DATETIME:
      return as(parseGoDatetime(text), (value) => ({ case: 'datetime', value }));
    case SimpleType.DURATION:
      return as(parseGoDuration(text), ({ seconds, nanos }) => ({ case: 'duration', value: { seconds: BigInt(seconds), nanos } }));
    case SimpleType.STRING:
      return { ok: true, value: { case: 'stringValue', value: text } };
    default:
      return { ok: false, expected: `a type a raw container can return (not ${display})` };
  }
}
