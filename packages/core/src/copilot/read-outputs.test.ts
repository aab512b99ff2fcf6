/** A raw container's output directory, read back as Flyte's copilot uploader reads it. */
import { lstat, mkdir, mkdtemp, readFile, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { create } from '@bufbuild/protobuf';
import { VariableSchema } from '@tflyte/idl/core/interface';
import { BlobType_BlobDimensionality } from '@tflyte/idl/core/types';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createStorage, type FlyteType, type ObjectStore, t } from '../index.ts';
import { type OutputLayout, readOutputs } from './read-outputs.ts';

let dir: string;
let layout: OutputLayout;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tflyte-outputs-'));
  layout = { hostDir: join(dir, 'outputs'), outputPath: '/var/outputs', rawOutputPrefix: pathToFileURL(join(dir, 'raw')).href };
  await mkdir(layout.hostDir);
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const variables = (types: Record<string, FlyteType<unknown>>) =>
  Object.fromEntries(Object.entries(types).map(([name, type]) => [name, create(VariableSchema, { type: type.literalType() })]));
const output = (name: string, text: string) => writeFile(join(layout.hostDir, name), text);

describe('readOutputs', () => {
  it('parses primitive files (trimming spaces and newlines) at full precision: int64, nanosecond times', async () => {
    await output('n', '9007199254740993\n');
    await output('f', ' 37.69911184307752\n');
    await output('s', 'hello world\n');
    await output('ok', 'True');
    await output('d', '2024-05-01T14:00:00.123456789+02:00');
    await output('u', '1h30m0.5s');
    const result = await readOutputs(
      layout,
      variables({ n: t.int(), f: t.float(), s: t.string(), ok: t.bool(), d: t.datetime(), u: t.duration() }),
    );
    if (!result.ok) throw new Error(result.failure.message);
    const primitive = (name: string) => {
      const value = result.outputs.literals[name]?.value;
      return value?.case === 'scalar' && value.value.value.case === 'primitive' ? value.value.value.value.value : undefined;
    };
    expect(primitive('n')).toEqual({ case: 'integer', value: 9007199254740993n });
    expect(primitive('f')).toEqual({ case: 'floatValue', value: 37.69911184307752 });
    expect(primitive('s')).toEqual({ case: 'stringValue', value: 'hello world' });
    expect(primitive('ok')).toEqual({ case: 'boolean', value: true });
    expect(primitive('d')).toMatchObject({
      case: 'datetime',
      value: { seconds: BigInt(Date.parse('2024-05-01T12:00:00Z') / 1000), nanos: 123_456_789 },
    });
    expect(primitive('u')).toMatchObject({ case: 'duration', value: { seconds: 5400n, nanos: 500_000_000 } });
  });

  it('copies file and directory outputs to the raw output prefix, typed as declared', async () => {
    await output('report', 'done');
    await mkdir(join(layout.hostDir, 'tree'));
    await output('tree/a.txt', 'a');
    const result = await readOutputs(layout, variables({ report: t.file({ format: 'csv' }), tree: t.directory() }));
    if (!result.ok) throw new Error(result.failure.message);
    expect(result.outputs.literals['report']?.value.value).toMatchObject({
      value: {
        case: 'blob',
        value: {
          uri: `${layout.rawOutputPrefix}/report`,
          metadata: { type: { format: 'csv', dimensionality: BlobType_BlobDimensionality.SINGLE } },
        },
      },
    });
    expect(t.directory().fromLiteral(result.outputs.literals['tree']!)).toEqual({ uri: `${layout.rawOutputPrefix}/tree` });
    expect(await readFile(join(dir, 'raw', 'report'), 'utf8')).toBe('done');
    expect(await readFile(join(dir, 'raw', 'tree', 'a.txt'), 'utf8')).toBe('a');
  });

  it('uploads file outputs through the storage it is given when the raw output prefix is remote; directories stay local-only', async () => {
    const objects = new Map<string, Uint8Array>();
    const memory: ObjectStore = {
      schemes: ['mem'],
      get: async (uri) => objects.get(uri),
      put: async (uri, bytes) => void objects.set(uri, bytes),
    };
    const remote = { ...layout, rawOutputPrefix: 'mem://bucket/raw' };
    await output('report', 'done');
    await mkdir(join(layout.hostDir, 'tree'));
    expect(await readOutputs(remote, variables({ report: t.file() }))).toMatchObject({
      ok: false,
      failure: { message: expect.stringMatching(/raw output prefix mem:\/\/bucket\/raw is not local/) },
    });
    expect(await readOutputs(remote, variables({ report: t.file() }), createStorage([memory]))).toMatchObject({ ok: true });
    expect(new TextDecoder().decode(objects.get('mem://bucket/raw/report'))).toBe('done');
    expect(await readOutputs(remote, variables({ tree: t.directory() }), createStorage([memory]))).toMatchObject({
      ok: false,
      failure: { message: expect.stringMatching(/directory outputs are copied only to local paths/) },
    });
  });

  it('fails (USER, retryable) on _ERROR, a missing output, text of the wrong type, or a primitive over 1 KiB', async () => {
    await output('n', 'forty-two');
    expect(await readOutputs(layout, variables({ n: t.int() }))).toMatchObject({
      ok: false,
      failure: {
        kind: 'user',
        retryable: true,
        code: 'OutputUploadFailed',
        message: expect.stringMatching(
          /output 'n' could not be read from \/var\/outputs\/n: expected a base-10 integer .*, got "forty-two"/,
        ),
      },
    });
    expect(await readOutputs(layout, variables({ m: t.int() }))).toMatchObject({
      ok: false,
      failure: { message: expect.stringMatching(/must create \/var\/outputs\/m \(int\)/) },
    });
    await output('big', 'x'.repeat(1025));
    expect(await readOutputs(layout, variables({ big: t.string() }))).toMatchObject({
      ok: false,
      failure: { message: expect.stringMatching(/is 1025 bytes; Flyte reads at most 1024 bytes/) },
    });
    await output('_ERROR', 'division by zero');
    expect(await readOutputs(layout, variables({ n: t.int() }))).toMatchObject({
      ok: false,
      failure: { message: 'User Error: division by zero' },
    });
  });
});

describe('readOutputs keeps a directory output inside its directory', () => {
  const tree = join('outputs', 'tree');
  const secret = () => join(dir, 'host-secret.txt');

  it('refuses a relative link that climbs out of the directory, so no host file is readable from the output', async () => {
    await writeFile(secret(), 'host only');
    await mkdir(join(dir, tree, 'sub'), { recursive: true });
    await symlink('../../../host-secret.txt', join(dir, tree, 'sub', 'leak'));
    const result = await readOutputs(layout, variables({ tree: t.directory() }));
    expect(result).toMatchObject({
      ok: false,
      failure: {
        code: 'OutputUploadFailed',
        message: "output 'tree' must not hold a symbolic link that points outside it: /var/outputs/tree/sub/leak",
      },
    });
    await expect(lstat(join(dir, 'raw', 'tree'))).rejects.toThrow(/ENOENT/);
  });

  it('refuses an absolute link, even one naming a file inside the directory', async () => {
    await mkdir(join(dir, tree), { recursive: true });
    await writeFile(join(dir, tree, 'data'), 'x');
    await symlink(join(dir, tree, 'data'), join(dir, tree, 'abs'));
    const result = await readOutputs(layout, variables({ tree: t.directory() }));
    expect(result).toMatchObject({ ok: false, failure: { message: expect.stringContaining('points outside it: /var/outputs/tree/abs') } });
  });

  it('copies a relative link that stays inside exactly as written, not as an absolute host path', async () => {
    await mkdir(join(dir, tree, 'sub'), { recursive: true });
    await writeFile(join(dir, tree, 'data'), 'inside');
    await symlink('../data', join(dir, tree, 'sub', 'alias'));
    const result = await readOutputs(layout, variables({ tree: t.directory() }));
    if (!result.ok) throw new Error(result.failure.message);
    const copied = join(dir, 'raw', 'tree', 'sub', 'alias');
    expect(await readlink(copied)).toBe('../data');
    expect(await readFile(copied, 'utf8')).toBe('inside');
  });

  it("refuses output names that are not a single file name ('..', 'a/b'), before reading anything", async () => {
    await writeFile(secret(), '1');
    for (const name of ['..', '../host-secret.txt', 'a/b', '.']) {
      const result = await readOutputs(layout, variables({ [name]: t.string() }));
      expect(result, name).toMatchObject({
        ok: false,
        failure: { code: 'InvalidOutputName', retryable: false, message: expect.stringContaining(`'${name}'`) },
      });
    }
  });
});
