/**
 * Reads a finished container's outputs back from the host directory mounted at `outputDataDir`,
 * as Flyte's copilot uploader does (flytecopilot data/upload.go): an `_ERROR` file fails the task
 * with its text; each primitive output is a file of at most 1 KiB parsed with Go's parsers; each
 * file or directory output is copied to the raw output prefix. Every output is type-checked.
 */
import { copyFile, cp, lstat, mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { create } from '@bufbuild/protobuf';
import { type FailureInfo, joinUri, toLocalPath, typeFromLiteralType } from '@tflyte/core';
import type { Variable } from '@tflyte/idl/core/interface';
import { type Literal, type LiteralMap, LiteralMapSchema } from '@tflyte/idl/core/literals';
import { type Parsed, parseGoBool, parseGoDatetime, parseGoDuration, parseGoFloat, parseGoInt } from './go-parse.ts';

export interface OutputLayout {
  /** Host directory that was mounted at `outputPath`. */
  readonly hostDir: string;
  readonly outputPath: string;
  /** Where file and directory outputs are copied to; must be a local (file://) prefix. */
  readonly rawOutputPrefix: string;
}

export type OutputsResult = { readonly ok: true; readonly outputs: LiteralMap } | { readonly ok: false; readonly failure: FailureInfo };

/** copilot's limit for a primitive output file. */
export const MAX_PRIMITIVE_BYTES = 1024;
const MAX_ERROR_BYTES = 1024 * 1024;
export const ERROR_FILE = '_ERROR';

/** copilot reports every output problem under this code, as a recoverable user error. */
const failed = (message: string): OutputsResult => ({ ok: false, failure: { kind: 'user', retryable: true, code: 'OutputUploadFailed', message } });

export async function readOutputs(layout: OutputLayout, variables: Readonly<Record<string, Variable>>): Promise<OutputsResult> {
  const errorFile = join(layout.hostDir, ERROR_FILE);
  const errorInfo = await lstat(errorFile).catch(() => undefined);
  if (errorInfo !== undefined) {
    if (!errorInfo.isFile() || errorInfo.size > MAX_ERROR_BYTES) return failed(`${layout.outputPath}/${ERROR_FILE} must be a file of at most 1 MiB`);
    return failed(`User Error: ${await readFile(errorFile, 'utf8')}`);
  }
  const literals: Record<string, Literal> = {};
  for (const [name, variable] of Object.entries(variables)) {
    const result = await readOutput(layout, name, variable);
    if (typeof result === 'string') return failed(`output '${name}' ${result}`);
    literals[name] = result;
  }
  return { ok: true, outputs: create(LiteralMapSchema, { literals }) };
}

/** The output's Literal, or a sentence saying what is wrong with it. */
async function readOutput(layout: OutputLayout, name: string, variable: Variable): Promise<Literal | string> {
  if (variable.type === undefined) return 'has no type in the task interface';
  const type = typeFromLiteralType(variable.type);
  const hostPath = join(layout.hostDir, name);
  const path = `${layout.outputPath}/${name}`;
  // lstat: a symlink the container wrote could point at any file of the host.
  const info = await lstat(hostPath).catch(() => undefined);
  if (info === undefined) return `was not written: the container must create ${path} (${type.display})`;

  if (type.kind === 'file' || type.kind === 'directory') {
    const isDirectory = type.kind === 'directory';
    if (isDirectory ? !info.isDirectory() : !info.isFile()) return `must be a ${isDirectory ? 'directory' : 'regular file'} at ${path}`;
    const uri = joinUri(layout.rawOutputPrefix, name);
    let destination: string;
    try {
      destination = toLocalPath(uri);
    } catch {
      return `cannot be kept: the raw output prefix ${layout.rawOutputPrefix} is not local, and a local container run copies outputs only to local paths`;
    }
    await mkdir(dirname(destination), { recursive: true });
    if (isDirectory) await cp(hostPath, destination, { recursive: true });
    else await copyFile(hostPath, destination);
    return type.toLiteral({ uri });
  }

  if (!info.isFile()) return `must be a file at ${path} holding the ${type.display} as text`;
  if (info.size > MAX_PRIMITIVE_BYTES) {
    return `is ${info.size} bytes; Flyte reads at most ${MAX_PRIMITIVE_BYTES} bytes for a ${type.display} output (declare it t.file() for more)`;
  }
  // Go's strings.Trim(s, " \n\t"): a trailing newline from `echo` is fine, a carriage return is not.
  const text = (await readFile(hostPath, 'utf8')).replace(/^[ \n\t]+|[ \n\t]+$/g, '');
  const parsed = parseText(type.kind, text);
  if (!parsed.ok) return `could not be read from ${path}: expected ${parsed.expected}, got ${JSON.stringify(text.slice(0, 80))}`;
  try {
    return type.toLiteral(parsed.value);
  } catch (error) {
    return `is not a valid ${type.display}: ${(error as Error).message}`;
  }
}

function parseText(kind: string, text: string): Parsed<unknown> {
  switch (kind) {
    case 'integer': {
      const parsed = parseGoInt(text);
      return parsed.ok ? { ok: true, value: Number(parsed.value) } : parsed;
    }
    case 'float':
      return parseGoFloat(text);
    case 'boolean':
      return parseGoBool(text);
    case 'datetime':
      return parseGoDatetime(text);
    case 'duration':
      return parseGoDuration(text);
    case 'string':
      return { ok: true, value: text };
    default:
      return { ok: false, expected: `a type a raw container can return (not ${kind})` };
  }
}
