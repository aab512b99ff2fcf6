import { create, fromBinary, toBinary, toJson } from '@bufbuild/protobuf';
import type { Literal, Scalar } from '@tflyte/idl/core/literals';
import {
  BlobSchema,
  LiteralMapSchema,
  LiteralSchema,
  ScalarSchema,
  SchemaSchema,
  StructuredDatasetSchema,
} from '@tflyte/idl/core/literals';
import { BlobType_BlobDimensionality, LiteralTypeSchema } from '@tflyte/idl/core/types';
import { describe, expect, it } from 'vitest';
import { InvalidSchemaError } from '../errors.ts';
import { fromLiteralMap } from './literal-map.ts';
import { t } from './t.ts';

const overWire = (literal: Literal) => fromBinary(LiteralSchema, toBinary(LiteralSchema, literal));
const scalar = (value: Scalar['value']): Literal =>
  create(LiteralSchema, { value: { case: 'scalar', value: create(ScalarSchema, { value }) } });

describe('t.file()', () => {
  it('is a SINGLE blob type with an optional format, displayed file or file<fmt>', () => {
    expect(toJson(LiteralTypeSchema, t.file().literalType())).toEqual({ blob: {} });
    expect(toJson(LiteralTypeSchema, t.file({ format: 'csv' }).literalType())).toEqual({ blob: { format: 'csv' } });
    expect(t.file().display).toBe('file');
    expect(t.file({ format: 'csv' }).display).toBe('file<csv>');
  });

  it('writes scalar.blob{uri, metadata.type} and reads {uri} back', () => {
    const csv = t.file({ format: 'csv' });
    const literal = csv.toLiteral({ uri: 's3://bucket/data.csv' });
    expect(toJson(LiteralSchema, literal)).toEqual({
      scalar: { blob: { metadata: { type: { format: 'csv' } }, uri: 's3://bucket/data.csv' } },
    });
    expect(csv.fromLiteral(overWire(literal))).toEqual({ uri: 's3://bucket/data.csv' });
  });

  it('does not enforce the format on read, as flytekit does not', () => {
    const literal = t.file({ format: 'json' }).toLiteral({ uri: '/tmp/a.json' });
    expect(t.file({ format: 'csv' }).fromLiteral(literal)).toEqual({ uri: '/tmp/a.json' });
  });

  it('refuses a directory blob, a missing uri and a bad format option', () => {
    const dirLiteral = t.directory().toLiteral({ uri: 's3://b/dir/' });
    expect(() => t.file().fromLiteral(dirLiteral, 'f')).toThrow('f: expected file, got multipart blob literal');
    expect(() => t.file().check({ path: '/tmp/x' }, 'f')).toThrow('f.uri: expected a non-empty path or URI, got undefined');
    expect(() => t.file().check('/tmp/x', 'f')).toThrow('f: expected file, got string "/tmp/x"');
    expect(() => t.file({ format: 3 as unknown as string })).toThrow(
      new InvalidSchemaError('t.file: format must be a string, got number 3'),
    );
  });
});

describe('t.directory()', () => {
  it('is a MULTIPART blob type', () => {
    expect(toJson(LiteralTypeSchema, t.directory().literalType())).toEqual({ blob: { dimensionality: 'MULTIPART' } });
    expect(t.directory({ format: 'parquet' }).display).toBe('directory<parquet>');
  });

  it('round-trips {uri} and refuses single blobs', () => {
    const dir = t.directory();
    expect(dir.fromLiteral(overWire(dir.toLiteral({ uri: 'gs://b/out/' })))).toEqual({ uri: 'gs://b/out/' });
    const single = scalar({
      case: 'blob',
      value: create(BlobSchema, { uri: 'gs://b/x', metadata: { type: { dimensionality: BlobType_BlobDimensionality.SINGLE } } }),
    });
    expect(() => dir.fromLiteral(single, 'd')).toThrow('d: expected directory, got single blob literal');
  });
});

describe('t.dataset()', () => {
  const table = t.dataset({ format: 'parquet', columns: { id: t.int(), name: t.string() } });

  it('is structured_dataset_type{columns, format}, displayed dataset<fmt>', () => {
    expect(toJson(LiteralTypeSchema, table.literalType())).toEqual({
      structuredDatasetType: {
        columns: [
          { name: 'id', literalType: { simple: 'INTEGER' } },
          { name: 'name', literalType: { simple: 'STRING' } },
        ],
        format: 'parquet',
      },
    });
    expect(table.display).toBe('dataset<parquet>');
    expect(t.dataset().display).toBe('dataset');
    expect(toJson(LiteralTypeSchema, t.dataset().literalType())).toEqual({ structuredDatasetType: {} });
  });

  it('writes scalar.structured_dataset{uri, metadata.structured_dataset_type} with the declared type', () => {
    const literal = table.toLiteral({ uri: 's3://b/t.parquet' });
    expect(toJson(LiteralSchema, literal)).toEqual({
      scalar: {
        structuredDataset: {
          uri: 's3://b/t.parquet',
          metadata: {
            structuredDatasetType: {
              columns: [
                { name: 'id', literalType: { simple: 'INTEGER' } },
                { name: 'name', literalType: { simple: 'STRING' } },
              ],
              format: 'parquet',
            },
          },
        },
      },
    });
    expect(table.fromLiteral(overWire(literal))).toEqual({ uri: 's3://b/t.parquet', format: 'parquet' });
  });

  it("records the value's own format when the type declares none, as flytekit does", () => {
    const any = t.dataset();
    expect(any.fromLiteral(any.toLiteral({ uri: 's3://b/x.csv', format: 'csv' }))).toEqual({ uri: 's3://b/x.csv', format: 'csv' });
    expect(any.fromLiteral(any.toLiteral({ uri: 's3://b/x' }))).toEqual({ uri: 's3://b/x' });
  });

  it('compares formats case-insensitively and rejects a conflicting one', () => {
    expect(table.check({ uri: 's3://b/x', format: 'PARQUET' })).toEqual({ uri: 's3://b/x', format: 'PARQUET' });
    expect(() => table.check({ uri: 's3://b/x', format: 'csv' }, 'df')).toThrow(
      'df.format: expected format "parquet" (declared by dataset<parquet>), got string "csv"',
    );
    const csv = scalar({
      case: 'structuredDataset',
      value: create(StructuredDatasetSchema, { uri: 's3://b/x', metadata: { structuredDatasetType: { format: 'csv' } } }),
    });
    expect(() => table.fromLiteral(csv, 'df')).toThrow('df: expected dataset<parquet>, got structured dataset literal in format "csv"');
  });

  it("reads the Schema literal propeller's Athena plugin writes as `results` into the declared dataset", () => {
    // Golden: LiteralMap{results: Literal{scalar{schema{uri}}}}, the output flyteplugins' Athena plugin
    // writes on SUCCEEDED (webapi/athena/utils.go writeOutput: Schema.uri = the query's OutputLocation,
    // Schema.type = the `results` variable's schema type, unset for a structured dataset), as Go marshals it.
    const uri = 's3://r/q.csv';
    const golden = Uint8Array.from([
      ...[0x0a, 0x1d], // literals entry, 29 bytes
      ...[0x0a, 0x07, ...new TextEncoder().encode('results')],
      ...[0x12, 0x12], // Literal, 18 bytes
      ...[0x0a, 0x10], // Literal.scalar, 16 bytes
      ...[0x22, 0x0e], // Scalar.schema (field 4), 14 bytes
      ...[0x0a, 0x0c, ...new TextEncoder().encode(uri)],
    ]);
    const outputs = fromBinary(LiteralMapSchema, golden);
    expect(fromLiteralMap({ results: t.dataset({ format: 'csv' }) }, outputs)).toEqual({ results: { uri, format: 'csv' } });
    expect(fromLiteralMap({ results: t.dataset() }, outputs)).toEqual({ results: { uri } });
    expect(() => t.dataset().fromLiteral(scalar({ case: 'schema', value: create(SchemaSchema, { uri: '' }) }), 'results')).toThrow(
      'results: expected dataset',
    );
  });

  it('requires its columns to be tflyte types', () => {
    expect(() => t.dataset({ columns: { id: 'int' as never } })).toThrow(
      't.dataset column \'id\' expects a tflyte type such as t.int(), got string "int"',
    );
  });
});
