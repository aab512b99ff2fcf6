/** enum<a|b>: a closed set of strings (flytekit accepts only string-valued enums). */
import { create } from '@bufbuild/protobuf';
import type { Literal } from '@tflyte/idl/core/literals';
import type { LiteralType } from '@tflyte/idl/core/types';
import { LiteralTypeSchema } from '@tflyte/idl/core/types';
import { describeValue, InvalidSchemaError, TypeMismatchError } from '../errors.ts';
import { BaseType } from './base.ts';
import type { FlyteType } from './flyte-type.ts';
import { isWellFormed, literalMismatch, primitiveLiteral, primitiveOf } from './literals.ts';

export interface FlyteEnumType<V extends string> extends FlyteType<V> {
  readonly kind: 'enum';
  readonly values: readonly V[];
}

export class StringEnumType<V extends string> extends BaseType<V> implements FlyteEnumType<V> {
  readonly kind = 'enum';
  readonly display: string;
  readonly values: readonly V[];

  constructor(values: readonly V[]) {
    super();
    if (!Array.isArray(values) || values.length === 0) throw new InvalidSchemaError('t.enum needs a non-empty array of string values');
    const seen = new Set<string>();
    for (const v of values) {
      if (typeof v !== 'string' || !isWellFormed(v)) {
        throw new InvalidSchemaError(`t.enum values must be strings (as in flytekit), got ${describeValue(v)}`);
      }
      if (seen.has(v)) throw new InvalidSchemaError(`t.enum value ${JSON.stringify(v)} is listed twice`);
      seen.add(v);
    }
    this.values = Object.freeze([...values]);
    this.display = `enum<${values.join('|')}>`;
  }

  literalType(): LiteralType {
    return create(LiteralTypeSchema, { type: { case: 'enumType', value: { values: [...this.values] } } });
  }

  check(value: unknown, path = ''): V {
    if (typeof value !== 'string' || !this.values.includes(value as V))
      throw new TypeMismatchError(path, this.display, describeValue(value));
    return value as V;
  }

  toLiteral(value: V, path = ''): Literal {
    return primitiveLiteral({ case: 'stringValue', value: this.check(value, path) });
  }

  fromLiteral(literal: Literal, path = ''): V {
    const p = primitiveOf(literal);
    if (p?.case !== 'stringValue' || !this.values.includes(p.value as V)) throw literalMismatch(path, this.display, literal);
    return p.value as V;
  }
}
