/** Scalars that are not Primitives: none (Void) and raw binary. */
import { create } from '@bufbuild/protobuf';
import type { Literal } from '@tflyte/idl/core/literals';
import { BinarySchema, VoidSchema } from '@tflyte/idl/core/literals';
import type { LiteralType } from '@tflyte/idl/core/types';
import { SimpleType } from '@tflyte/idl/core/types';
import { describeValue, TypeMismatchError } from '../errors.ts';
import { BaseType } from './base.ts';
import { literalMismatch, scalarLiteral, scalarOf, simpleLiteralType } from './literals.ts';

export class NoneType extends BaseType<null> {
  readonly kind = 'none';
  readonly display = 'none';

  literalType(): LiteralType {
    return simpleLiteralType(SimpleType.NONE);
  }

  /** Only `null`: `undefined` means "not given", which defaults handle before conversion. */
  check(value: unknown, path = ''): null {
    if (value !== null) throw new TypeMismatchError(path, 'none (null)', describeValue(value));
    return value;
  }

  toLiteral(value: null, path = ''): Literal {
    this.check(value, path);
    return scalarLiteral({ case: 'noneType', value: create(VoidSchema) });
  }

  fromLiteral(literal: Literal, path = ''): null {
    if (scalarOf(literal)?.case !== 'noneType') throw literalMismatch(path, this.display, literal);
    return null;
  }
}

/** Raw bytes as `Binary{value, tag: ""}`; tag "msgpack" belongs to struct values. */
export class BinaryType extends BaseType<Uint8Array> {
  readonly kind = 'binary';
  readonly display = 'binary';

  literalType(): LiteralType {
    return simpleLiteralType(SimpleType.BINARY);
  }

  check(value: unknown, path = ''): Uint8Array {
    if (!(value instanceof Uint8Array)) throw new TypeMismatchError(path, 'binary (Uint8Array)', describeValue(value));
    return value;
  }

  toLiteral(value: Uint8Array, path = ''): Literal {
    // Copied so that later writes to the caller's buffer cannot change the literal.
    const bytes = new Uint8Array(this.check(value, path));
    return scalarLiteral({ case: 'binary', value: create(BinarySchema, { value: bytes, tag: '' }) });
  }

  fromLiteral(literal: Literal, path = ''): Uint8Array {
    const scalar = scalarOf(literal);
    if (scalar?.case !== 'binary' || scalar.value.tag !== '') throw literalMismatch(path, this.display, literal);
    return new Uint8Array(scalar.value.value);
  }
}
