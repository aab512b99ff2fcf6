/** A raw container's input directory, laid out as Flyte's copilot downloader lays it out. */
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { create, fromBinary } from '@bufbuild/protobuf';
import { LiteralMapSchema } from '@tflyte/idl/core/literals';
import { DataLoadingConfig_LiteralMapFormat } from '@tflyte/idl/core/tasks';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFileStore, createStorage, fromLiteralMap, type ObjectStore, t, toLiteralMap } from '../index.ts';
import { createDataDirs } from './data-dirs.ts';
import { type InputLayout, materializeInputs } from './materialize-inputs.ts';

let dir: string;
let layout: InputLayout;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tflyte-inputs-'));
  layout = { hostDir: join(dir, 'inputs'), inputPath: '/var/inputs', format: DataLoadingConfig_LiteralMapFormat.JSON };
  await createDataDirs(layout.hostDir, join(dir, 'outputs'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const blobUriOf = (map: ReturnType<typeof fromBinary<typeof LiteralMapSchema>>, name: string) => {
  const scalar = map.literals[name]?.value;
  return scalar?.case === 'scalar' && scalar.value.value.case === 'blob' ? scalar.value.value.value.uri : undefined;
};

describe('materializeInputs', () => {
  it('writes one text file per primitive, inputs.pb and inputs.json (sorted keys, Go escapes)', async () => {
    const types = { b: t.int(), a: t.float(), s: t.string() };
    const values = { b: 3, a: 2e-5, s: 'x"y<' };
    await materializeInputs(layout, ['b', 'a', 's'], toLiteralMap(types, values));
    expect(await readFile(join(layout.hostDir, 'a'), 'utf8')).toBe('0.00002');
    expect(await readFile(join(layout.hostDir, 'b'), 'utf8')).toBe('3');
    expect(await readFile(join(layout.hostDir, 'inputs.json'), 'utf8')).toBe('{"a":0.00002,"b":3,"s":"x\\"y\\u003c"}');
    const pb = fromBinary(LiteralMapSchema, await readFile(join(layout.hostDir, 'inputs.pb')));
    expect(fromLiteralMap(types, pb)).toEqual(values);
  });

  it('copies file and directory inputs and points inputs.pb at their paths inside the container', async () => {
    await writeFile(join(dir, 'source.csv'), 'a,b\n1,2\n');
    await mkdir(join(dir, 'tree'));
    await writeFile(join(dir, 'tree', 'x.txt'), 'x');
    const inputs = toLiteralMap(
      { data: t.file({ format: 'csv' }), tree: t.directory() },
      { data: { uri: pathToFileURL(join(dir, 'source.csv')).href }, tree: { uri: join(dir, 'tree') } },
    );
    await materializeInputs({ ...layout, format: DataLoadingConfig_LiteralMapFormat.YAML }, ['data', 'tree'], inputs);
    expect(await readFile(join(layout.hostDir, 'data'), 'utf8')).toBe('a,b\n1,2\n');
    expect(await readdir(join(layout.hostDir, 'tree'))).toEqual(['x.txt']);
    expect(await readFile(join(layout.hostDir, 'inputs.yaml'), 'utf8')).toBe('data: "/var/inputs/data"\ntree: "/var/inputs/tree"\n');
    const pb = fromBinary(LiteralMapSchema, await readFile(join(layout.hostDir, 'inputs.pb')));
    expect([blobUriOf(pb, 'data'), blobUriOf(pb, 'tree')]).toEqual(['/var/inputs/data', '/var/inputs/tree']);
  });

  it('reads a file input that is not local through the storage it is given', async () => {
    const objects = new Map<string, Uint8Array>([['mem://bucket/report.txt', new TextEncoder().encode('remote')]]);
    const memory: ObjectStore = {
      schemes: ['mem'],
      get: async (uri) => objects.get(uri),
      put: async (uri, bytes) => void objects.set(uri, bytes),
    };
    const inputs = toLiteralMap({ report: t.file() }, { report: { uri: 'mem://bucket/report.txt' } });
    await expect(materializeInputs(layout, ['report'], inputs)).rejects.toMatchObject({
      failure: { code: 'InputNotMaterialized' },
      message: expect.stringMatching(/only local files/),
    });
    await materializeInputs(layout, ['report'], inputs, createStorage([createFileStore(), memory]));
    expect(await readFile(join(layout.hostDir, 'report'), 'utf8')).toBe('remote');
    const missing = toLiteralMap({ report: t.file() }, { report: { uri: 'mem://bucket/missing.txt' } });
    await expect(materializeInputs(layout, ['report'], missing, createStorage([memory]))).rejects.toMatchObject({
      message: "input 'report' does not exist at mem://bucket/missing.txt",
    });
  });

  it('refuses inputs a raw container cannot receive', async () => {
    await expect(materializeInputs(layout, ['missing'], create(LiteralMapSchema, {}))).rejects.toMatchObject({
      failure: { code: 'InputNotMaterialized' },
      message: "input 'missing' has no value",
    });
    const nan = toLiteralMap({ x: t.float() }, { x: Number.NaN });
    await expect(materializeInputs(layout, ['x'], nan)).rejects.toMatchObject({
      failure: { code: 'InputNotMaterialized' },
      message: expect.stringMatching(/PROTO/),
    });
    await expect(materializeInputs({ ...layout, format: DataLoadingConfig_LiteralMapFormat.PROTO }, ['x'], nan)).resolves.toBeUndefined();
    const list = toLiteralMap({ l: t.list(t.int()) }, { l: [1] });
    await expect(materializeInputs(layout, ['l'], list)).rejects.toMatchObject({
      message: expect.stringMatching(/is not a primitive, file or directory/),
    });
  });
});

describe('materializeInputs refuses input names that leave the input directory', () => {
  it("refuses '..' and names with a separator before writing anything", async () => {
    for (const name of ['..', '../escape', 'a/b']) {
      const inputs = create(LiteralMapSchema, {
        literals: Object.fromEntries([[name, toLiteralMap({ x: t.string() }, { x: 'v' }).literals.x!]]),
      });
      await expect(materializeInputs(layout, [name], inputs), name).rejects.toMatchObject({
        failure: { code: 'InputNotMaterialized', retryable: false },
      });
    }
    expect(await readdir(layout.hostDir)).toEqual([]);
    expect(await readdir(dir)).toEqual(['inputs', 'outputs']);
  });
});
