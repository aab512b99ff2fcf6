/**
 * Data referenced by URI: file (blob SINGLE), directory (blob MULTIPART), dataset (structured dataset).
 * Each may carry a hash method (flytekit's `Annotated[T, HashMethod(fn)]`): its result is the
 * Literal's `hash`, which the cache key uses instead of the URI, so equal content hits one entry.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { create } from '@bufbuild/protobuf';
import type { Literal } from '@tflyte/idl/core/literals';
import { BlobSchema, StructuredDatasetSchema } from '@tflyte/idl/core/literals';
import type { LiteralType, StructuredDatasetType } from '@tflyte/idl/core/types';
import { BlobType_BlobDimensionality, LiteralTypeSchema, StructuredDatasetTypeSchema } from '@tflyte/idl/core/types';
import { describeValue, InvalidSchemaError, TypeMismatchError } from '../errors.ts';
import { BaseType, requireType } from './base.ts';
import type { FlyteDirectory, FlyteFile, FlyteType, StructuredDatasetRef, TypeRecord } from './flyte-type.ts';
import { literalMismatch, scalarLiteral, scalarOf } from './literals.ts';
import { fieldPath } from './path.ts';

export interface FlyteFileType extends FlyteType<FlyteFile> {
  readonly kind: 'file';
  /** Free-form format such as `csv`; `""` means any. */
  readonly format: string;
}

export interface FlyteDirectoryType extends FlyteType<FlyteDirectory> {
  readonly kind: 'directory';
  readonly format: string;
}

export interface FlyteDatasetType extends FlyteType<StructuredDatasetRef> {
  readonly kind: 'dataset';
  readonly format: string;
  readonly columns: TypeRecord;
}

function requireFormat(format: unknown, where: string): string {
  if (format === undefined) return '';
  if (typeof format !== 'string') throw new InvalidSchemaError(`${where}: format must be a string, got ${describeValue(format)}`);
  return format;
}

function requireUri(value: unknown, path: string, expected: string): string {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new TypeMismatchError(path, expected, describeValue(value));
  const { uri } = value as { uri?: unknown };
  if (typeof uri !== 'string' || uri === '')
    throw new TypeMismatchError(fieldPath(path, 'uri'), 'a non-empty path or URI', describeValue(uri));
  return uri;
}

/**
 * How a value's Literal.hash is made: `'content'`, a sha256 of a local file's bytes (of a directory's
 * relative paths and file bytes), or a function of the value returning a non-empty string.
 */
export type HashMethod<T> = 'content' | ((value: T) => string);

function checkHashMethod(hash: unknown, where: string): void {
  if (hash !== undefined && hash !== 'content' && typeof hash !== 'function') {
    throw new InvalidSchemaError(
      `${where}: hash must be 'content' or a function of the value returning a string, got ${describeValue(hash)}`,
    );
  }
}

/** A local path for a value's URI (a plain path or file://), undefined for a remote one. */
function localPath(uri: string): string | undefined {
  if (uri.startsWith('file://')) return fileURLToPath(uri);
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(uri) ? undefined : uri;
}

function digestPath(path: string, into: ReturnType<typeof createHash>, relative: string): void {
  if (!statSync(path).isDirectory()) {
    into
      .update(relative)
      .update('\0')
      .update(createHash('sha256').update(readFileSync(path)).digest())
      .update('\0');
    return;
  }
  // Sorted, and keyed by the path inside the directory, so the digest depends on content alone, not on where it lives.
  for (const name of readdirSync(path).sort()) digestPath(join(path, name), into, relative === '' ? name : `${relative}/${name}`);
}

function contentHash(uri: string, path: string, display: string): string {
  const local = localPath(uri);
  if (local === undefined) {
    throw new TypeMismatchError(
      path,
      `${display} with hash 'content' (a local path or file:// URI)`,
      `remote URI ${JSON.stringify(uri)}; give a hash function for remote values`,
    );
  }
  try {
    const digest = createHash('sha256');
    digestPath(local, digest, '');
    return digest.digest('hex');
  } catch (error) {
    throw new TypeMismatchError(
      path,
      `${display} with hash 'content' (a readable local path)`,
      `${JSON.stringify(uri)} (${(error as Error).message})`,
    );
  }
}

function literalHash<T extends { readonly uri: string }>(hash: HashMethod<T> | undefined, value: T, path: string, display: string): string {
  if (hash === undefined) return '';
  if (hash === 'content') return contentHash(value.uri, path, display);
  const result: unknown = hash(value);
  if (typeof result !== 'string' || result === '') {
    throw new TypeMismatchError(path, `a non-empty string from the hash function of ${display}`, describeValue(result));
  }
  return result;
}

abstract class BlobRefType<T extends FlyteFile | FlyteDirectory> extends BaseType<T> {
  readonly display: string;
  readonly format: string;
  readonly hash: HashMethod<T> | undefined;
  protected abstract readonly dimensionality: BlobType_BlobDimensionality;

  constructor(name: 'file' | 'directory', options: { format?: string; hash?: HashMethod<T> } | undefined) {
    super();
    this.format = requireFormat(options?.format, `t.${name}`);
    checkHashMethod(options?.hash, `t.${name}`);
    this.hash = options?.hash;
    this.display = this.format === '' ? name : `${name}<${this.format}>`;
  }

  literalType(): LiteralType {
    return create(LiteralTypeSchema, { type: { case: 'blob', value: { format: this.format, dimensionality: this.dimensionality } } });
  }

  check(value: unknown, path = ''): T {
    requireUri(value, path, this.display);
    return value as T;
  }

  toLiteral(value: T, path = ''): Literal {
    const uri = requireUri(value, path, this.display);
    const type = { format: this.format, dimensionality: this.dimensionality };
    const literal = scalarLiteral({ case: 'blob', value: create(BlobSchema, { uri, metadata: { type } }) });
    literal.hash = literalHash(this.hash, value, path, this.display);
    return literal;
  }

  /** As in flytekit the format is not enforced on read; single vs multipart is. */
  fromLiteral(literal: Literal, path = ''): T {
    const scalar = scalarOf(literal);
    const dimensionality =
      scalar?.case === 'blob' ? (scalar.value.metadata?.type?.dimensionality ?? BlobType_BlobDimensionality.SINGLE) : undefined;
    if (scalar?.case !== 'blob' || dimensionality !== this.dimensionality || scalar.value.uri === '') {
      throw literalMismatch(path, this.display, literal);
    }
    return { uri: scalar.value.uri } as T;
  }
}

export class FileType extends BlobRefType<FlyteFile> implements FlyteFileType {
  readonly kind = 'file';
  protected readonly dimensionality = BlobType_BlobDimensionality.SINGLE;
  constructor(options?: { format?: string; hash?: HashMethod<FlyteFile> }) {
    super('file', options);
  }
}

export class DirectoryType extends BlobRefType<FlyteDirectory> implements FlyteDirectoryType {
  readonly kind = 'directory';
  protected readonly dimensionality = BlobType_BlobDimensionality.MULTIPART;
  constructor(options?: { format?: string; hash?: HashMethod<FlyteDirectory> }) {
    super('directory', options);
  }
}

function sameFormat(a: string, b: string): boolean {
  // Flyte's compiler compares structured dataset formats case-insensitively and lets "" match anything.
  return a === '' || b === '' || a.toLowerCase() === b.toLowerCase();
}

export class DatasetType extends BaseType<StructuredDatasetRef> implements FlyteDatasetType {
  readonly kind = 'dataset';
  readonly display: string;
  readonly format: string;
  readonly columns: TypeRecord;
  readonly hash: HashMethod<StructuredDatasetRef> | undefined;

  constructor(options?: { format?: string; columns?: TypeRecord; hash?: HashMethod<StructuredDatasetRef> }) {
    super();
    this.format = requireFormat(options?.format, 't.dataset');
    checkHashMethod(options?.hash, 't.dataset');
    this.hash = options?.hash;
    const columns = options?.columns ?? {};
    for (const [name, type] of Object.entries(columns)) requireType(type, `t.dataset column '${name}'`);
    this.columns = Object.freeze({ ...columns });
    this.display = this.format === '' ? 'dataset' : `dataset<${this.format}>`;
  }

  private datasetType(format: string): StructuredDatasetType {
    const columns = Object.entries(this.columns).map(([name, type]) => ({ name, literalType: type.literalType() }));
    return create(StructuredDatasetTypeSchema, { columns, format });
  }

  literalType(): LiteralType {
    return create(LiteralTypeSchema, { type: { case: 'structuredDatasetType', value: this.datasetType(this.format) } });
  }

  check(value: unknown, path = ''): StructuredDatasetRef {
    requireUri(value, path, this.display);
    const { format } = value as { format?: unknown };
    if (format !== undefined && typeof format !== 'string') {
      throw new TypeMismatchError(fieldPath(path, 'format'), 'a format string or undefined', describeValue(format));
    }
    if (format !== undefined && !sameFormat(this.format, format)) {
      throw new TypeMismatchError(
        fieldPath(path, 'format'),
        `format "${this.format}" (declared by ${this.display})`,
        describeValue(format),
      );
    }
    return value as StructuredDatasetRef;
  }

  /** The declared format wins; a generic `dataset` records the value's own format, as flytekit does. */
  toLiteral(value: StructuredDatasetRef, path = ''): Literal {
    const { uri, format } = this.check(value, path);
    const datasetType = this.datasetType(this.format || (format ?? ''));
    const literal = scalarLiteral({
      case: 'structuredDataset',
      value: create(StructuredDatasetSchema, { uri, metadata: { structuredDatasetType: datasetType } }),
    });
    literal.hash = literalHash(this.hash, value, path, this.display);
    return literal;
  }

  /**
   * Reads a structured dataset, and the legacy Schema literal propeller's built-in Athena and Hive
   * plugins return as `results` (`Schema{uri}`, no format), as flytekit's dataset transformer does.
   */
  fromLiteral(literal: Literal, path = ''): StructuredDatasetRef {
    const scalar = scalarOf(literal);
    if (scalar?.case === 'schema' && scalar.value.uri !== '') {
      return this.format === '' ? { uri: scalar.value.uri } : { uri: scalar.value.uri, format: this.format };
    }
    if (scalar?.case !== 'structuredDataset' || scalar.value.uri === '') throw literalMismatch(path, this.display, literal);
    const format = scalar.value.metadata?.structuredDatasetType?.format ?? '';
    if (!sameFormat(this.format, format))
      throw new TypeMismatchError(path, this.display, `structured dataset literal in format "${format}"`);
    return format === '' ? { uri: scalar.value.uri } : { uri: scalar.value.uri, format };
  }
}
