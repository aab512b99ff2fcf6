/** Small builders and readers for flyteidl Literal / LiteralType messages. */
import { create } from '@bufbuild/protobuf';
import type { Literal, Primitive, Scalar } from '@tflyte/idl/core/literals';
import { LiteralSchema, PrimitiveSchema, ScalarSchema } from '@tflyte/idl/core/literals';
import type { LiteralType } from '@tflyte/idl/core/types';
import { LiteralTypeSchema, type SimpleType } from '@tflyte/idl/core/types';
import { TypeMismatchError } from '../errors.ts';

export function simpleLiteralType(simple: SimpleType): LiteralType {
  return create(LiteralTypeSchema, { type: { case: 'simple', value: simple } });
}

export function scalarLiteral(value: Scalar['value']): Literal {
  return create(LiteralSchema, { value: { case: 'scalar', value: create(ScalarSchema, { value }) } });
}

export function primitiveLiteral(value: Primitive['value']): Literal {
  return scalarLiteral({ case: 'primitive', value: create(PrimitiveSchema, { value }) });
}

export function scalarOf(literal: Literal): Scalar['value'] | undefined {
  return literal.value.case === 'scalar' ? literal.value.value.value : undefined;
}

export function primitiveOf(literal: Literal): Primitive['value'] | undefined {
  const scalar = scalarOf(literal);
  return scalar?.case === 'primitive' ? scalar.value.value : undefined;
}

function quote(s: string): string {
  return JSON.stringify(s.length > 40 ? `${s.slice(0, 37)}...` : s);
}

/** Describes a Literal briefly for error messages, like describeValue does for JS values. */
export function describeLiteral(literal: Literal): string {
  switch (literal.value.case) {
    case 'collection':
      return `collection literal(${literal.value.value.literals.length})`;
    case 'map':
      return 'map literal';
    case 'offloadedMetadata':
      return `offloaded literal at ${literal.value.value.uri} (download it before reading)`;
    case undefined:
      return 'empty literal';
    case 'scalar':
      break;
  }
  const scalar = literal.value.value.value;
  switch (scalar.case) {
    case 'primitive': {
      const p = scalar.value.value;
      switch (p.case) {
        case 'integer':
          return `integer literal ${p.value}`;
        case 'floatValue':
          return `float literal ${p.value}`;
        case 'stringValue':
          return `string literal ${quote(p.value)}`;
        case 'boolean':
          return `boolean literal ${p.value}`;
        case 'datetime':
          return 'datetime literal';
        case 'duration':
          return 'duration literal';
        case undefined:
          return 'empty primitive literal';
      }
      break;
    }
    case 'binary':
      return scalar.value.tag === '' ? 'binary literal' : `binary literal (tag ${quote(scalar.value.tag)})`;
    case 'blob':
      return scalar.value.metadata?.type?.dimensionality === 1 ? 'multipart blob literal' : 'single blob literal';
    case 'noneType':
      return 'none literal';
    case 'generic':
      return 'generic (Struct) literal';
    case 'structuredDataset':
      return 'structured dataset literal';
    case 'union':
      return 'union literal';
    case 'schema':
      return 'schema literal';
    case 'error':
      return 'error literal';
    case undefined:
      return 'empty scalar literal';
  }
  return 'literal';
}

export function literalMismatch(path: string, expected: string, literal: Literal): TypeMismatchError {
  return new TypeMismatchError(path, expected, describeLiteral(literal));
}

/** Strings travel as UTF-8 in protobuf and msgpack; a lone surrogate would come back as U+FFFD. */
const LONE_SURROGATE = /\p{Surrogate}/u;
export function isWellFormed(s: string): boolean {
  return !LONE_SURROGATE.test(s);
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
