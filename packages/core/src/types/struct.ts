/**
 * struct: an untyped JSON object, flytekit's `dict`. Written as msgpack `Binary{tag:"msgpack"}` with the
 * LiteralType annotation flytekit uses; the legacy `generic` google.protobuf.Struct is read too.
 */
import { create } from '@bufbuild/protobuf';
import { encode } from '@msgpack/msgpack';
import type { Literal } from '@tflyte/idl/core/literals';
import { BinarySchema } from '@tflyte/idl/core/literals';
import type { LiteralType } from '@tflyte/idl/core/types';
import { LiteralTypeSchema, SimpleType } from '@tflyte/idl/core/types';
import { describeValue, TypeMismatchError } from '../errors.ts';
import { BaseType } from './base.ts';
import type { JsonObject } from './flyte-type.ts';
import { isPlainObject, isWellFormed, literalMismatch, scalarLiteral, scalarOf } from './literals.ts';
import { MsgpackReadError, readMsgpack } from './msgpack-read.ts';
import { fieldPath, indexPath } from './path.ts';

export const MSGPACK_TAG = 'msgpack';
const STRUCT = 'struct (a JSON object)';
/**
 * Objects and arrays nest at most this deep. A limit stated up front, so a deeper value fails as a
 * type error naming the input rather than as a stack overflow somewhere in encoding.
 */
export const MAX_STRUCT_DEPTH = 1000;

function checkJson(value: unknown, path: string, ancestors: Set<object>): void {
  switch (typeof value) {
    case 'boolean':
      return;
    case 'number':
      if (!Number.isFinite(value)) throw new TypeMismatchError(path, 'JSON value (a finite number)', describeValue(value));
      return;
    case 'string':
      if (!isWellFormed(value)) throw new TypeMismatchError(path, 'JSON string without lone UTF-16 surrogates', describeValue(value));
      return;
    case 'undefined':
      throw new TypeMismatchError(path, 'JSON value (omit the key or use null)', 'undefined');
    case 'object':
      if (value === null) return;
      break;
    default:
      throw new TypeMismatchError(path, 'JSON value', describeValue(value));
  }
  if (ancestors.has(value)) throw new TypeMismatchError(path, 'JSON value without cycles', 'a reference to an enclosing value');
  if (ancestors.size >= MAX_STRUCT_DEPTH) {
    throw new TypeMismatchError(
      path,
      `JSON value nested at most ${MAX_STRUCT_DEPTH} levels deep`,
      `a value that nests deeper than ${MAX_STRUCT_DEPTH} levels`,
    );
  }
  ancestors.add(value);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) checkJson(value[i], indexPath(path, i), ancestors);
  } else if (isPlainObject(value)) {
    for (const key of Object.keys(value)) {
      if (!isWellFormed(key)) throw new TypeMismatchError(fieldPath(path, key), 'key without lone UTF-16 surrogates', describeValue(key));
      checkJson(value[key], fieldPath(path, key), ancestors);
    }
  } else {
    throw new TypeMismatchError(path, 'JSON value (plain object, array, string, number, boolean or null)', describeValue(value));
  }
  ancestors.delete(value);
}

/** msgpack from other SDKs may carry int64 beyond 2^53; decode those as bigint and refuse to round them. */
export function unbigint(value: unknown, path: string): unknown {
  if (typeof value === 'bigint') {
    if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
      throw new TypeMismatchError(path, 'JSON number within ±(2^53 - 1)', `msgpack integer ${value}`);
    }
    return Number(value);
  }
  if (Array.isArray(value)) return value.map((item, i) => unbigint(item, indexPath(path, i)));
  if (isPlainObject(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unbigint(v, fieldPath(path, k))]));
  }
  return value;
}

export class StructType extends BaseType<JsonObject> {
  readonly kind = 'struct';
  readonly display = 'struct';

  literalType(): LiteralType {
    return create(LiteralTypeSchema, {
      type: { case: 'simple', value: SimpleType.STRUCT },
      annotation: { annotations: { 'cache-key-metadata': { 'serialization-format': MSGPACK_TAG } } },
    });
  }

  check(value: unknown, path = ''): JsonObject {
    if (!isPlainObject(value)) throw new TypeMismatchError(path, STRUCT, describeValue(value));
    checkJson(value, path, new Set());
    return value as JsonObject;
  }

  toLiteral(value: JsonObject, path = ''): Literal {
    const bytes = encode(this.check(value, path), { maxDepth: MAX_STRUCT_DEPTH + 1 });
    return scalarLiteral({ case: 'binary', value: create(BinarySchema, { value: bytes, tag: MSGPACK_TAG }) });
  }

  fromLiteral(literal: Literal, path = ''): JsonObject {
    const scalar = scalarOf(literal);
    if (scalar?.case === 'generic') return this.check(scalar.value, path);
    if (scalar?.case !== 'binary' || scalar.value.tag !== MSGPACK_TAG) throw literalMismatch(path, this.display, literal);
    let decoded: unknown;
    try {
      decoded = readMsgpack(scalar.value.value, MAX_STRUCT_DEPTH);
    } catch (error) {
      if (!(error instanceof MsgpackReadError)) throw error;
      throw new TypeMismatchError(path, 'struct encoded as msgpack', `undecodable msgpack (${error.message})`);
    }
    return this.check(unbigint(decoded, path), path);
  }
}
