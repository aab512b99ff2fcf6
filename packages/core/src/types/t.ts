/**
 * The type builder: `t.int()`, `t.list(t.float())`, `t.optional(t.string())`, …
 * Every builder returns a fresh immutable FlyteType; `.default()` and `.describe()` return copies.
 */
import { requireType } from './base.ts';
import type { FlyteDatasetType, FlyteDirectoryType, FlyteFileType } from './blobs.ts';
import { DatasetType, DirectoryType, FileType } from './blobs.ts';
import type { FlyteListType, FlyteMapType } from './collections.ts';
import { ListType, MapType } from './collections.ts';
import type { FlyteEnumType } from './enum.ts';
import { StringEnumType } from './enum.ts';
import type { AnyType, Duration, FlyteType, Infer, InferInputs, JsonObject, StructuredDatasetRef, TypeRecord } from './flyte-type.ts';
import { BoolType, DatetimeType, DurationType, FloatType, IntType, StringType } from './primitives.ts';
import type { FlyteRecordType, RecordOptions } from './record.ts';
import { RecordType } from './record.ts';
import { BinaryType, NoneType } from './scalars.ts';
import { StructType } from './struct.ts';
import type { FlyteOptionalType, FlyteUnionType } from './union.ts';
import { OptionalType, TaggedUnionType } from './union.ts';

export interface BlobOptions {
  /** Free-form format, e.g. `csv`; omitted means any format. */
  readonly format?: string;
  /**
   * The cache key's view of the value: `'content'` (a sha256 of a local file's bytes, or of a
   * directory's files) or a function of the value. Without it a cached task is keyed by the URI.
   */
  readonly hash?: 'content' | ((value: { readonly uri: string }) => string);
}

export interface DatasetOptions {
  /** e.g. `parquet`; omitted means any format. */
  readonly format?: string;
  /** Column names and types, recorded in the StructuredDatasetType. */
  readonly columns?: TypeRecord;
  /** As for files: `'content'` for a local file or directory, or a function of the value; else keyed by the URI. */
  readonly hash?: 'content' | ((value: StructuredDatasetRef) => string);
}

export const t = {
  /** A whole number (a JS safe integer); flyteidl `primitive.integer`. */
  int: (): FlyteType<number> => new IntType(),
  /** Any JS number; flyteidl `primitive.float_value`. */
  float: (): FlyteType<number> => new FloatType(),
  string: (): FlyteType<string> => new StringType(),
  bool: (): FlyteType<boolean> => new BoolType(),
  /** A valid Date within years 1..9999, kept to the millisecond. */
  datetime: (): FlyteType<Date> => new DatetimeType(),
  duration: (): FlyteType<Duration> => new DurationType(),
  none: (): FlyteType<null> => new NoneType(),
  /** Raw bytes, `Binary{value, tag: ""}`. */
  binary: (): FlyteType<Uint8Array> => new BinaryType(),
  /** An untyped JSON object, written as msgpack like flytekit's `dict`. */
  struct: (): FlyteType<JsonObject> => new StructType(),
  /**
   * A typed object, flytekit's dataclass: `t.record({ id: t.int(), note: t.optional(t.string()) })`.
   * Fields with a default (optional ones default to null) may be omitted; records nest.
   */
  // Spelled inline in names @tflyte/core exports, so `tsc --declaration` can emit a task whose inputs hold a record.
  record: <const F extends TypeRecord>(
    fields: F,
    options?: RecordOptions,
  ): FlyteType<{ [K in keyof InferInputs<F>]: InferInputs<F>[K] }> & {
    readonly kind: 'record';
    readonly fields: F;
    readonly name: string | undefined;
  } => new RecordType(fields, options) as FlyteRecordType<F>,
  list: <E extends AnyType>(element: E): FlyteListType<E> => new ListType(requireType(element, 't.list') as E),
  /** Keys are always strings (Flyte's map type). */
  map: <V extends AnyType>(valueType: V): FlyteMapType<V> => new MapType(requireType(valueType, 't.map') as V),
  enum: <const V extends readonly [string, ...string[]]>(values: V): FlyteEnumType<V[number]> => new StringEnumType<V[number]>(values),
  union: <const V extends readonly [AnyType, ...AnyType[]]>(...variants: V): FlyteUnionType<Infer<V[number]>> =>
    new TaggedUnionType<Infer<V[number]>>(variants),
  /** `T | null`, defaulting to null so the input may be omitted. */
  optional: <I extends AnyType>(inner: I): FlyteOptionalType<I> => new OptionalType(inner),
  file: (options?: BlobOptions): FlyteFileType => new FileType(options),
  directory: (options?: BlobOptions): FlyteDirectoryType => new DirectoryType(options),
  dataset: (options?: DatasetOptions): FlyteDatasetType => new DatasetType(options),
} as const;
