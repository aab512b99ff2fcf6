export { TflyteError, InvalidOptionError, InvalidSchemaError, TypeMismatchError, InvalidInputError, InvalidOutputError } from './errors.ts';
export type { ErrorCode } from './errors.ts';
export type { FlyteType, Infer, InferInputs, TypeKind, TypeRecord, AnyType, FlyteFile, FlyteDirectory, StructuredDatasetRef, Duration, JsonValue, JsonObject, StandardSchemaV1 } from './types/flyte-type.ts';
