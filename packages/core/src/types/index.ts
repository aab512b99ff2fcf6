// What @tflyte/core exports from the type system. Implementation classes stay internal.
export { t } from './t.ts';
export type { BlobOptions, DatasetOptions } from './t.ts';
export type {
  FlyteType,
  Infer,
  InferInputs,
  TypeKind,
  TypeRecord,
  AnyType,
  FlyteFile,
  FlyteDirectory,
  StructuredDatasetRef,
  Duration,
  JsonValue,
  JsonObject,
  StandardSchemaV1,
  StandardResult,
} from './flyte-type.ts';
export type { FlyteListType, FlyteMapType } from './collections.ts';
export type { FlyteEnumType } from './enum.ts';
export type { FlyteUnionType, FlyteOptionalType } from './union.ts';
export type { FlyteFileType, FlyteDirectoryType, FlyteDatasetType } from './blobs.ts';
export { isFlyteType } from './base.ts';
export { unionTag } from './union.ts';
export { toLiteralMap, fromLiteralMap } from './literal-map.ts';
export { typeFromLiteralType, describeLiteralType } from './from-literal-type.ts';
export { literalTypeEquals } from './literal-type-equals.ts';
export { describeLiteral } from './literals.ts';
export { UnknownFieldError, AmbiguousUnionError } from './type-errors.ts';
