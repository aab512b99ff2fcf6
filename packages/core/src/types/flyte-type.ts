import type { Literal } from '@tflyte/idl/core/literals';
import type { LiteralType } from '@tflyte/idl/core/types';

/** The Standard Schema v1 interface (standardschema.dev), so tflyte types plug into any tool that accepts one. */
export interface StandardSchemaV1<Input = unknown, Output = Input> {
  readonly '~standard': {
    readonly version: 1;
    readonly vendor: string;
    readonly validate: (value: unknown) => StandardResult<Output> | Promise<StandardResult<Output>>;
    readonly types?: { readonly input: Input; readonly output: Output } | undefined;
  };
}
export type StandardResult<Output> =
  | { readonly value: Output; readonly issues?: undefined }
  | { readonly issues: ReadonlyArray<{ readonly message: string; readonly path?: ReadonlyArray<PropertyKey> }> };

/** The Flyte type families, one per flyteidl LiteralType shape. */
export type TypeKind =
  | 'integer'
  | 'float'
  | 'string'
  | 'boolean'
  | 'datetime'
  | 'duration'
  | 'none'
  | 'binary'
  | 'struct'
  | 'record'
  | 'list'
  | 'map'
  | 'enum'
  | 'union'
  | 'file'
  | 'directory'
  | 'dataset';

/**
 * A runtime type declaration: carries the TS type `T` for inference, the flyteidl LiteralType it
 * serializes as, and the two conversions between native values and Literals.
 * Every conversion validates and throws TypeMismatchError naming the path (`values[2]`, `cfg.name`).
 */
export interface FlyteType<T> extends StandardSchemaV1<T, T> {
  readonly kind: TypeKind;
  /** Short human form for messages and CLI help: `float`, `list<int>`, `enum<red|green>`. */
  readonly display: string;
  /** A default value makes the input optional at call sites and on the CLI. */
  readonly defaultValue: { readonly value: T } | undefined;
  readonly description: string | undefined;
  literalType(): LiteralType;
  toLiteral(value: T, path?: string): Literal;
  fromLiteral(literal: Literal, path?: string): T;
  /** Throws TypeMismatchError unless `value` is a valid `T`; returns it typed. */
  check(value: unknown, path?: string): T;
  /** A copy of this type with a default value (validated at once; InvalidSchemaError if it does not fit). */
  default(value: T): this & { readonly defaultValue: { readonly value: T } };
  /** A copy of this type with a description (becomes Variable.description). */
  describe(text: string): this;
}

/** The native TS type a FlyteType stands for. */
export type Infer<S> = S extends FlyteType<infer T> ? T : never;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- variance escape for "any FlyteType"
export type AnyType = FlyteType<any>;

/** A record of named types, as used for task inputs and named outputs. */
export type TypeRecord = { readonly [name: string]: AnyType };

type DefaultedKeys<R extends TypeRecord> = {
  [K in keyof R]: R[K] extends { readonly defaultValue: { readonly value: unknown } } ? K : never;
}[keyof R];

/** The keyword object a call takes: inputs with defaults may be omitted. */
export type InferInputs<R extends TypeRecord> = {
  [K in Exclude<keyof R, DefaultedKeys<R>>]: Infer<R[K]>;
} & {
  [K in DefaultedKeys<R>]?: Infer<R[K]>;
};

/** Native file reference. `uri` is a local path or a URI (file://, s3://, gs://). */
export interface FlyteFile {
  readonly uri: string;
}
/** Native directory reference. */
export interface FlyteDirectory {
  readonly uri: string;
}
/** Native structured dataset reference (e.g. a parquet location or a warehouse table). */
export interface StructuredDatasetRef {
  readonly uri: string;
  readonly format?: string;
}
/** Native duration, as google.protobuf.Duration: whole seconds plus nanoseconds of the same sign. */
export interface Duration {
  readonly seconds: number;
  readonly nanos: number;
}
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };
