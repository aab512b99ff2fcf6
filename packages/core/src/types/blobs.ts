/** Data referenced by URI: file (blob SINGLE), directory (blob MULTIPART), dataset (structured dataset). */
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

abstract class BlobRefType<T extends FlyteFile | FlyteDirectory> extends BaseType<T> {
  readonly display: string;
  readonly format: string;
  protected abstract readonly dimensionality: BlobType_BlobDimensionality;

  constructor(name: 'file' | 'directory', options: { format?: string } | undefined) {
    super();
    this.format = requireFormat(options?.format, `t.${name}`);
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
    return scalarLiteral({ case: 'blob', value: create(BlobSchema, { uri, metadata: { type } }) });
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
  constructor(options?: { format?: string }) {
    super('file', options);
  }
}

export class DirectoryType extends BlobRefType<FlyteDirectory> implements FlyteDirectoryType {
  readonly kind = 'directory';
  protected readonly dimensionality = BlobType_BlobDimensionality.MULTIPART;
  constructor(options?: { format?: string }) {
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

  constructor(options?: { format?: string; columns?: TypeRecord }) {
    super();
    this.format = requireFormat(options?.format, 't.dataset');
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
    return scalarLiteral({
      case: 'structuredDataset',
      value: create(StructuredDatasetSchema, { uri, metadata: { structuredDatasetType: datasetType } }),
    });
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
