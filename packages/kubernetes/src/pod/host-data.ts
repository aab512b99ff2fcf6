/**
 * A raw container's DataLoadingConfig on one machine: where Flyte adds copilot containers that
 * download inputs into the pod and upload outputs from it, this backend writes the inputs into a
 * directory beside the attempt's files, mounts it (and an empty outputs directory) into the primary
 * container with hostPath volumes, and reads the outputs back when the container has exited. Files
 * follow copilot's layout: one text file per primitive, a copy per file or directory, `inputs.pb`,
 * and `inputs.json` / `inputs.yaml` by `format`; `_ERROR` in the outputs fails the task.
 *
 * hostPath works when the node sees the executor's state directory at the same path: the test API
 * server's node, or a single-node cluster sharing the disk. There is no copilot for remote nodes yet.
 */
import { chmod, copyFile, cp, lstat, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { create, type MessageInitShape, toBinary } from '@bufbuild/protobuf';
import { type AttemptContext, BackendError, type FailureInfo, joinUri, type Storage, toLocalPath, uriScheme } from '@tflyte/core';
import type { Variable } from '@tflyte/idl/core/interface';
import { type Literal, type LiteralMap, LiteralMapSchema, LiteralSchema, type Primitive, type PrimitiveSchema, type ScalarSchema } from '@tflyte/idl/core/literals';
import { type DataLoadingConfig, DataLoadingConfig_LiteralMapFormat } from '@tflyte/idl/core/tasks';
import { BlobType_BlobDimensionality, SimpleType } from '@tflyte/idl/core/types';
import { durationToNanos, formatDurationGo, formatFloatPlain, formatTimestampGo, parseBoolGo, parseDurationGo } from './go-format.ts';

export interface HostDataLayout {
  /** Host directories mounted into the primary container. */
  readonly inputsDir: string;
  readonly outputsDir: string;
  /** Where they appear inside the container. */
  readonly inputPath: string;
  readonly outputPath: string;
  readonly format: DataLoadingConfig_LiteralMapFormat;
}

export const INPUTS_VOLUME = 'tflyte-inputs';
export const OUTPUTS_VOLUME = 'tflyte-outputs';
/** copilot reads at most this much of a primitive output file. */
const MAX_PRIMITIVE_BYTES = 1024;
const ERROR_FILE = '_ERROR';

function dataError(reason: string, message: string, retryable = false): BackendError {
  return new BackendError({ kind: 'user', retryable, reason, message });
}

export function hostDataLayout(ctx: Pick<AttemptContext, 'outputPrefix'>, config: DataLoadingConfig): HostDataLayout {
  if (uriScheme(ctx.outputPrefix) !== 'file') {
    throw dataError('UnsupportedDataLoading', `a raw container's inputs and outputs are mounted from the executor's disk, but the attempt's files are at ${ctx.outputPrefix}; use a local state directory`);
  }
  if (!config.inputPath.startsWith('/') || !config.outputPath.startsWith('/')) {
    throw dataError('BadTaskFormat', `dataConfig paths must be absolute, got inputPath '${config.inputPath}' and outputPath '${config.outputPath}'`);
  }
  const dir = join(toLocalPath(ctx.outputPrefix), 'data');
  return { inputsDir: join(dir, 'inputs'), outputsDir: join(dir, 'outputs'), inputPath: config.inputPath, outputPath: config.outputPath, format: config.format };
}

/** Volumes and mounts for the pod. */
export function hostDataVolumes(layout: HostDataLayout) {
  return {
    volumes: [
      { name: INPUTS_VOLUME, hostPath: { path: layout.inputsDir, type: 'Directory' } },
      { name: OUTPUTS_VOLUME, hostPath: { path: layout.outputsDir, type: 'Directory' } },
    ],
    mounts: [
      { name: INPUTS_VOLUME, mountPath: layout.inputPath, readOnly: true },
      { name: OUTPUTS_VOLUME, mountPath: layout.outputPath },
    ],
  };
}

type ScalarInit = MessageInitShape<typeof ScalarSchema>['value'];
type PrimitiveInit = MessageInitShape<typeof PrimitiveSchema>['value'];

const scalarLiteral = (value: ScalarInit): Literal => create(LiteralSchema, { value: { case: 'scalar', value: { value } } });

function primitiveText(p: Primitive['value']): { file: string; json: string | undefined } {
  switch (p.case) {
    case 'integer':
      return { file: p.value.toString(), json: p.value.toString() };
    case 'floatValue':
      return { file: formatFloatPlain(p.value), json: Number.isFinite(p.value) ? JSON.stringify(p.value) : undefined };
    case 'stringValue':
      return { file: p.value, json: JSON.stringify(p.value) };
    case 'boolean':
      return { file: String(p.value), json: String(p.value) };
    case 'datetime': {
      const text = formatTimestampGo(p.value.seconds, p.value.nanos);
      return { file: text, json: JSON.stringify(text) };
    }
    case 'duration': {
      const nanos = durationToNanos(p.value.seconds, p.value.nanos);
      return { file: formatDurationGo(nanos), json: nanos.toString() };
    }
    default:
      return { file: 'null', json: 'null' };
  }
}

/** Writes the attempt's inputs into `layout.inputsDir` (replacing what an earlier create left there). */
export async function writeInputs(layout: HostDataLayout, names: readonly string[], inputs: LiteralMap, storage: Storage): Promise<void> {
  await rm(layout.inputsDir, { recursive: true, force: true });
  await rm(layout.outputsDir, { recursive: true, force: true });
  await mkdir(layout.inputsDir, { recursive: true });
  await mkdir(layout.outputsDir, { recursive: true });
  // The container may run as any user.
  await chmod(layout.outputsDir, 0o777);
  const inContainer: Record<string, Literal> = {};
  const json: [string, string][] = [];
  for (const name of names) {
    const literal = inputs.literals[name];
    const scalar = literal?.value.case === 'scalar' ? literal.value.value.value : undefined;
    const target = join(layout.inputsDir, name);
    const containerPath = `${layout.inputPath}/${name}`;
    if (literal !== undefined && scalar?.case === 'primitive') {
      const text = primitiveText(scalar.value.value);
      if (text.json === undefined && layout.format !== DataLoadingConfig_LiteralMapFormat.PROTO) {
        throw dataError('InputNotMaterialized', `input '${name}' is NaN or infinite, which inputs.json / inputs.yaml cannot hold; use metadataFormat 'PROTO'`);
      }
      await writeFile(target, text.file);
      inContainer[name] = literal;
      json.push([name, text.json ?? 'null']);
    } else if (scalar?.case === 'blob') {
      const blob = scalar.value;
      if (blob.metadata?.type?.dimensionality === BlobType_BlobDimensionality.MULTIPART) {
        if (uriScheme(blob.uri) !== 'file') throw dataError('InputNotMaterialized', `directory input '${name}' is at ${blob.uri}; only local directories can be mounted`);
        await cp(toLocalPath(blob.uri), target, { recursive: true });
      } else {
        const bytes = await storage.get(blob.uri);
        if (bytes === undefined) throw dataError('InputNotMaterialized', `file input '${name}' does not exist at ${blob.uri}`);
        await writeFile(target, bytes);
      }
      inContainer[name] = scalarLiteral({ case: 'blob', value: { uri: containerPath, ...(blob.metadata ? { metadata: blob.metadata } : {}) } });
      json.push([name, JSON.stringify(containerPath)]);
    } else {
      throw dataError('InputNotMaterialized', `input '${name}' ${literal === undefined ? 'has no value' : 'is not a primitive, file or directory, which is all a raw container receives'}`);
    }
  }
  await writeFile(join(layout.inputsDir, 'inputs.pb'), toBinary(LiteralMapSchema, create(LiteralMapSchema, { literals: inContainer })));
  json.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (layout.format === DataLoadingConfig_LiteralMapFormat.JSON) {
    await writeFile(join(layout.inputsDir, 'inputs.json'), `{${json.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`);
  } else if (layout.format === DataLoadingConfig_LiteralMapFormat.YAML) {
    await writeFile(join(layout.inputsDir, 'inputs.yaml'), json.length === 0 ? '{}\n' : json.map(([k, v]) => `${k}: ${v}\n`).join(''));
  }
}

export type OutputsResult = { readonly ok: true; readonly outputs: LiteralMap } | { readonly ok: false; readonly failure: FailureInfo };

const outputFailure = (message: string): OutputsResult => ({ ok: false, failure: { kind: 'user', retryable: true, code: 'OutputUploadFailed', message } });

/** Reads what the container left in `layout.outputsDir` as the task's outputs. */
export async function readOutputs(
  layout: HostDataLayout,
  variables: Readonly<Record<string, Variable>>,
  rawOutputPrefix: string,
  storage: Storage,
): Promise<OutputsResult> {
  const errorText = await readFile(join(layout.outputsDir, ERROR_FILE), 'utf8').catch(() => undefined);
  if (errorText !== undefined) return outputFailure(`User Error: ${errorText}`);
  const literals: Record<string, Literal> = {};
  for (const [name, variable] of Object.entries(variables)) {
    const path = join(layout.outputsDir, name);
    const where = `${layout.outputPath}/${name}`;
    const info = await lstat(path).catch(() => undefined);
    if (info === undefined) return outputFailure(`output '${name}' was not written: the container must create ${where}`);
    const type = variable.type?.type;
    if (type?.case === 'blob') {
      const directory = type.value.dimensionality === BlobType_BlobDimensionality.MULTIPART;
      if (directory ? !info.isDirectory() : !info.isFile()) return outputFailure(`output '${name}' must be a ${directory ? 'directory' : 'regular file'} at ${where}`);
      const uri = joinUri(rawOutputPrefix, name);
      if (directory) {
        if (uriScheme(uri) !== 'file') return outputFailure(`directory output '${name}' can only be kept under a local raw output prefix, not ${rawOutputPrefix}`);
        await cp(path, toLocalPath(uri), { recursive: true });
      } else if (uriScheme(uri) === 'file') {
        await mkdir(join(toLocalPath(uri), '..'), { recursive: true });
        await copyFile(path, toLocalPath(uri));
      } else {
        await storage.put(uri, new Uint8Array(await readFile(path)));
      }
      literals[name] = scalarLiteral({ case: 'blob', value: { uri, metadata: { type: type.value } } });
      continue;
    }
    if (!info.isFile() || info.size > MAX_PRIMITIVE_BYTES) return outputFailure(`output '${name}' must be a file of at most ${MAX_PRIMITIVE_BYTES} bytes at ${where}`);
    const text = (await readFile(path, 'utf8')).replace(/^[ \n\t]+|[ \n\t]+$/g, '');
    const value = type?.case === 'simple' ? parsePrimitive(type.value, text) : undefined;
    if (value === undefined) return outputFailure(`output '${name}' could not be read from ${where}: ${JSON.stringify(text.slice(0, 80))} is not a ${describeType(variable)}`);
    literals[name] = scalarLiteral({ case: 'primitive', value: { value } });
  }
  return { ok: true, outputs: create(LiteralMapSchema, { literals }) };
}

function describeType(variable: Variable): string {
  const type = variable.type?.type;
  return type?.case === 'simple' ? SimpleType[type.value].toLowerCase() : (type?.case ?? 'value');
}

function parsePrimitive(type: SimpleType, text: string): PrimitiveInit | undefined {
  switch (type) {
    case SimpleType.INTEGER:
      return /^[+-]?\d+$/.test(text) ? { case: 'integer', value: BigInt(text) } : undefined;
    case SimpleType.FLOAT: {
      if (/^[+-]?(inf|infinity)$/i.test(text)) return { case: 'floatValue', value: text.startsWith('-') ? -Infinity : Infinity };
      if (/^nan$/i.test(text)) return { case: 'floatValue', value: Number.NaN };
      return /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/.test(text) ? { case: 'floatValue', value: Number(text) } : undefined;
    }
    case SimpleType.STRING:
      return { case: 'stringValue', value: text };
    case SimpleType.BOOLEAN: {
      const value = parseBoolGo(text);
      return value === undefined ? undefined : { case: 'boolean', value };
    }
    case SimpleType.DATETIME: {
      const ms = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(text) ? Date.parse(text) : Number.NaN;
      if (Number.isNaN(ms)) return undefined;
      const fraction = /\.(\d+)/.exec(text)?.[1] ?? '';
      const seconds = BigInt(Math.floor(ms / 1000));
      return { case: 'datetime', value: { seconds, nanos: Number(fraction.padEnd(9, '0').slice(0, 9)) } };
    }
    case SimpleType.DURATION: {
      const nanos = parseDurationGo(text);
      if (nanos === undefined) return undefined;
      const seconds = nanos / 1_000_000_000n;
      return { case: 'duration', value: { seconds, nanos: Number(nanos - seconds * 1_000_000_000n) } };
    }
    default:
      return undefined;
  }
}
