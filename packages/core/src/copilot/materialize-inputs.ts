/**
 * Writes a task's inputs into the host directory mounted at `inputDataDir`, as Flyte's copilot
 * downloader lays them out (flytecopilot data/download.go): one file per primitive holding its text,
 * a copy of each file or directory input under the input's name, `inputs.pb` (the LiteralMap, blob
 * URIs pointing at those copies) and, per `format`, `inputs.json` or `inputs.yaml`.
 */
import { copyFile, cp, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { create, toBinary } from '@bufbuild/protobuf';
import { BlobSchema, type Literal, type LiteralMap, LiteralMapSchema, LiteralSchema, ScalarSchema } from '@tflyte/idl/core/literals';
import { DataLoadingConfig_LiteralMapFormat } from '@tflyte/idl/core/tasks';
import { BlobType_BlobDimensionality } from '@tflyte/idl/core/types';
import { BackendError } from '../errors.ts';
import { toLocalPath } from '../storage/file-store.ts';
import { type Storage, uriScheme } from '../storage/object-store.ts';
import { getOwn } from '../types/own-key.ts';
import { unsafeEntryName } from './entry-name.ts';
import { fileText, goJsonString, jsonText } from './input-text.ts';

export interface InputLayout {
  /** Host directory that is mounted at `inputPath`. */
  readonly hostDir: string;
  readonly inputPath: string;
  readonly format: DataLoadingConfig_LiteralMapFormat;
}

function badInput(name: string, problem: string): BackendError {
  return new BackendError({ kind: 'user', retryable: false, code: 'InputNotMaterialized', message: `input '${name}' ${problem}` });
}

/**
 * `names` are the declared inputs, in interface order. `storage` reads file inputs that are not
 * local (s3://, gs://, …); without it every file input must be. Directory inputs must be local.
 */
export async function materializeInputs(
  layout: InputLayout,
  names: readonly string[],
  inputs: LiteralMap,
  storage?: Storage,
): Promise<void> {
  const inContainer: Record<string, Literal> = {};
  const json: Array<[string, string]> = [];
  for (const name of names) {
    const unsafe = unsafeEntryName(name);
    if (unsafe !== undefined) throw badInput(name, `cannot be written to ${layout.inputPath}: ${unsafe}; rename the input`);
  }
  for (const name of names) {
    const literal = getOwn(inputs.literals, name);
    if (literal === undefined) throw badInput(name, 'has no value');
    const scalar = literal.value.case === 'scalar' ? literal.value.value.value : undefined;
    const target = join(layout.hostDir, name);
    const containerPath = `${layout.inputPath}/${name}`;
    if (scalar?.case === 'primitive') {
      await writeFile(target, fileText(scalar.value.value));
      inContainer[name] = literal;
      const text = jsonText(scalar.value.value);
      if (text === undefined && layout.format !== DataLoadingConfig_LiteralMapFormat.PROTO) {
        throw badInput(
          name,
          "is NaN or infinite, which inputs.json / inputs.yaml cannot hold (Flyte's copilot fails the same way); use metadataFormat 'PROTO'",
        );
      }
      json.push([name, text ?? 'null']);
    } else if (scalar?.case === 'blob') {
      const blob = scalar.value;
      const multipart = blob.metadata?.type?.dimensionality === BlobType_BlobDimensionality.MULTIPART;
      if (uriScheme(blob.uri) === 'file') await copyLocal(name, toLocalPath(blob.uri), target, multipart);
      else if (!multipart && storage !== undefined) await writeFile(target, await download(name, blob.uri, storage));
      else
        throw badInput(
          name,
          `is at ${blob.uri}; only ${multipart ? 'local directories' : 'local files'} (a path or file:// URI) can be copied into the container`,
        );
      const local = create(BlobSchema, { uri: containerPath, ...(blob.metadata ? { metadata: blob.metadata } : {}) });
      inContainer[name] = create(LiteralSchema, {
        value: { case: 'scalar', value: create(ScalarSchema, { value: { case: 'blob', value: local } }) },
      });
      json.push([name, goJsonString(containerPath)]);
    } else {
      throw badInput(name, 'is not a primitive, file or directory literal; a raw container receives only those');
    }
  }
  await writeFile(join(layout.hostDir, 'inputs.pb'), toBinary(LiteralMapSchema, create(LiteralMapSchema, { literals: inContainer })));
  // Go marshals a map with sorted keys.
  json.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (layout.format === DataLoadingConfig_LiteralMapFormat.JSON) {
    await writeFile(join(layout.hostDir, 'inputs.json'), `{${json.map(([k, v]) => `${goJsonString(k)}:${v}`).join(',')}}`);
  } else if (layout.format === DataLoadingConfig_LiteralMapFormat.YAML) {
    // Each value in its JSON form, which YAML reads as the same scalar.
    const yaml = json.length === 0 ? '{}\n' : json.map(([k, v]) => `${k}: ${v}\n`).join('');
    await writeFile(join(layout.hostDir, 'inputs.yaml'), yaml);
  }
}

async function copyLocal(name: string, source: string, target: string, multipart: boolean): Promise<void> {
  try {
    if (multipart) await cp(source, target, { recursive: true, errorOnExist: true });
    else await copyFile(source, target);
  } catch (error) {
    throw badInput(name, `could not be copied from ${source}: ${(error as Error).message}`);
  }
}

async function download(name: string, uri: string, storage: Storage): Promise<Uint8Array> {
  let bytes: Uint8Array | undefined;
  try {
    bytes = await storage.get(uri);
  } catch (error) {
    throw badInput(name, `could not be read from ${uri}: ${(error as Error).message}`);
  }
  if (bytes === undefined) throw badInput(name, `does not exist at ${uri}`);
  return bytes;
}
