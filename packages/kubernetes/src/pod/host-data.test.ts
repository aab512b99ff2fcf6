/** A raw container's data directories, laid out and read back as Flyte's copilot does. */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { create, fromBinary } from '@bufbuild/protobuf';
import { createFileStore, createStorage, t } from '@tflyte/core';
import { VariableSchema } from '@tflyte/idl/core/interface';
import { LiteralMapSchema } from '@tflyte/idl/core/literals';
import type { LiteralType } from '@tflyte/idl/core/types';
import { DataLoadingConfig_LiteralMapFormat, DataLoadingConfigSchema } from '@tflyte/idl/core/tasks';
import { primitiveValues, testLiteralMap } from '@tflyte/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type HostDataLayout, hostDataLayout, readOutputs, writeInputs } from './host-data.ts';

const storage = createStorage([createFileStore()]);
let dir: string;
let layout: HostDataLayout;
const configFor = (format: DataLoadingConfig_LiteralMapFormat) => create(DataLoadingConfigSchema, { enabled: true, inputPath: '/var/inputs', outputPath: '/var/outputs', format });

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tflyte-hostdata-'));
  layout = hostDataLayout({ outputPrefix: pathToFileURL(dir).href }, configFor(DataLoadingConfig_LiteralMapFormat.JSON));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('writeInputs', () => {
  it('writes one text file per primitive, inputs.pb and inputs.json (sorted keys)', async () => {
    await writeInputs(layout, ['b', 'a', 's'], testLiteralMap({ a: 2e-5, b: 3n, s: 'x"y' }), storage);
    expect(await readFile(join(layout.inputsDir, 'a'), 'utf8')).toBe('0.00002');
    expect(await readFile(join(layout.inputsDir, 'b'), 'utf8')).toBe('3');
    expect(await readFile(join(layout.inputsDir, 'inputs.json'), 'utf8')).toBe('{"a":0.00002,"b":3,"s":"x\\"y"}');
    const pb = fromBinary(LiteralMapSchema, await readFile(join(layout.inputsDir, 'inputs.pb')));
    expect(primitiveValues(pb)).toEqual({ a: 2e-5, b: 3n, s: 'x"y' });
  });

  it('copies a file input and points inputs.pb at its path inside the container', async () => {
    const source = join(dir, 'source.csv');
    await writeFile(source, 'a,b\n1,2\n');
    const csv = t.file({ format: 'csv' });
    const inputs = create(LiteralMapSchema, { literals: { data: csv.toLiteral({ uri: pathToFileURL(source).href }) } });
    await writeInputs({ ...layout, format: DataLoadingConfig_LiteralMapFormat.YAML }, ['data'], inputs, storage);
    expect(await readFile(join(layout.inputsDir, 'data'), 'utf8')).toBe('a,b\n1,2\n');
    expect(await readFile(join(layout.inputsDir, 'inputs.yaml'), 'utf8')).toBe('data: "/var/inputs/data"\n');
    const pb = fromBinary(LiteralMapSchema, await readFile(join(layout.inputsDir, 'inputs.pb')));
    expect(pb.literals.data?.value.case === 'scalar' && pb.literals.data.value.value.value.case === 'blob' && pb.literals.data.value.value.value.value.uri).toBe('/var/inputs/data');
  });

  it('refuses inputs a raw container cannot receive', async () => {
    await expect(writeInputs(layout, ['missing'], testLiteralMap({}), storage)).rejects.toMatchObject({ reason: 'InputNotMaterialized' });
    await expect(writeInputs(layout, ['x'], testLiteralMap({ x: Number.NaN }), storage)).rejects.toMatchObject({ reason: 'InputNotMaterialized', message: expect.stringMatching(/PROTO/) });
  });
});

describe('readOutputs', () => {
  const variables = (types: Record<string, { literalType(): LiteralType }>) =>
    Object.fromEntries(Object.entries(types).map(([name, type]) => [name, create(VariableSchema, { type: type.literalType() })]));

  beforeEach(() => mkdir(layout.outputsDir, { recursive: true }));

  it('parses primitive files (trimming spaces and newlines) and copies files to the raw output prefix', async () => {
    await writeFile(join(layout.outputsDir, 'n'), '42\n');
    await writeFile(join(layout.outputsDir, 'f'), ' 37.69911184307752\n');
    await writeFile(join(layout.outputsDir, 's'), 'hello world\n');
    await writeFile(join(layout.outputsDir, 'ok'), 'True');
    await writeFile(join(layout.outputsDir, 'report'), 'done');
    const raw = pathToFileURL(join(dir, 'raw')).href;
    const result = await readOutputs(layout, variables({ n: t.int(), f: t.float(), s: t.string(), ok: t.bool(), report: t.file() }), raw, storage);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(primitiveValues(result.outputs)).toMatchObject({ n: 42n, f: 37.69911184307752, s: 'hello world', ok: true });
    expect(await readFile(join(dir, 'raw', 'report'), 'utf8')).toBe('done');
  });

  it('fails (USER, retryable) on _ERROR, a missing output, or text of the wrong type', async () => {
    await writeFile(join(layout.outputsDir, 'n'), 'forty-two');
    expect(await readOutputs(layout, variables({ n: t.int() }), 'file:///raw', storage)).toMatchObject({
      ok: false,
      failure: { kind: 'user', retryable: true, code: 'OutputUploadFailed', message: expect.stringMatching(/"forty-two" is not a integer/) },
    });
    expect(await readOutputs(layout, variables({ m: t.int() }), 'file:///raw', storage)).toMatchObject({ ok: false, failure: { message: expect.stringMatching(/must create \/var\/outputs\/m/) } });
    await writeFile(join(layout.outputsDir, '_ERROR'), 'division by zero');
    expect(await readOutputs(layout, variables({ n: t.int() }), 'file:///raw', storage)).toMatchObject({ ok: false, failure: { message: 'User Error: division by zero' } });
  });
});
