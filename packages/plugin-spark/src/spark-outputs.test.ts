/** How a completed application's outputs are read: locations for files, directories and datasets; a checked JSON document for the rest. */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createFileStore, createStorage, fromLiteralMap, t, toTaskTemplate } from '@tflyte/core';
import { testAttemptContext } from '@tflyte/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sparkTask } from './index.ts';
import { collectOutputs } from './spark-outputs.ts';

const storage = createStorage([createFileStore()]);
const outputs = { report: t.file(), parts: t.directory(), rows: t.int(), finishedAt: t.datetime() };
const task = sparkTask({
  name: 'outputs',
  outputs,
  application: {
    type: 'python',
    mainApplicationFile: 'local:///app.py',
    arguments: ['{{ .outputs.report }}', '{{ .outputs.parts }}', '{{ .outputDocument }}'],
  },
  image: 'spark',
});

let raw: string;
beforeEach(async () => {
  raw = await mkdtemp(join(tmpdir(), 'tflyte-spark-outputs-'));
});
afterEach(() => rm(raw, { recursive: true, force: true }));

const ctx = () => testAttemptContext({ template: toTaskTemplate(task), rawOutputPrefix: pathToFileURL(raw).href });
const writeDocument = (document: unknown) =>
  writeFile(join(raw, 'tflyte-outputs.json'), typeof document === 'string' ? document : JSON.stringify(document));

describe('collectOutputs', () => {
  it('gives each location output its location and converts the document by the declared types', async () => {
    await writeFile(join(raw, 'report'), 'done');
    await mkdir(join(raw, 'parts'));
    await writeDocument({ rows: 42, finishedAt: '2026-01-02T03:04:05.000Z' });
    const collected = await collectOutputs(ctx(), storage);
    expect(collected.ok).toBe(true);
    if (!collected.ok) return;
    expect(fromLiteralMap(outputs, collected.outputs)).toEqual({
      report: { uri: `${pathToFileURL(raw).href}/report` },
      parts: { uri: `${pathToFileURL(raw).href}/parts` },
      rows: 42,
      finishedAt: new Date('2026-01-02T03:04:05.000Z'),
    });
  });

  it.each([
    [
      'a file output that was not written',
      async () => writeDocument({ rows: 1, finishedAt: '2026-01-01T00:00:00Z' }),
      'SPARK_OUTPUT_MISSING',
      "output 'report'",
    ],
    ['no document', async () => writeFile(join(raw, 'report'), 'x'), 'SPARK_OUTPUT_MISSING', "outputs 'rows', 'finishedAt'"],
    [
      'a document that is not JSON',
      async () => (await writeFile(join(raw, 'report'), 'x'), writeDocument('{rows')),
      'SPARK_OUTPUT_INVALID',
      'is not JSON',
    ],
    [
      'a document that is a list',
      async () => (await writeFile(join(raw, 'report'), 'x'), writeDocument([1])),
      'SPARK_OUTPUT_INVALID',
      'got a list',
    ],
    [
      'an output missing from the document',
      async () => (await writeFile(join(raw, 'report'), 'x'), writeDocument({ rows: 1 })),
      'SPARK_OUTPUT_MISSING',
      "output 'finishedAt' is missing",
    ],
    [
      'a value of the wrong type',
      async () => (await writeFile(join(raw, 'report'), 'x'), writeDocument({ rows: 1.5, finishedAt: '2026-01-01T00:00:00Z' })),
      'SPARK_OUTPUT_INVALID',
      "output 'rows'",
    ],
  ])('fails as a non-retryable USER error on %s, naming the output', async (_name, arrange, code, names) => {
    await arrange();
    const collected = await collectOutputs(ctx(), storage);
    expect(collected).toMatchObject({
      ok: false,
      failure: { kind: 'user', retryable: false, code, message: expect.stringContaining(names) },
    });
  });
});
