import type { Literal } from '@tflyte/idl/core/literals';
import type { LiteralType } from '@tflyte/idl/core/types';
import { describeValue, InvalidSchemaError, TypeMismatchError } from '../errors.ts';
import type { AnyType, FlyteType, StandardResult, TypeKind } from './flyte-type.ts';
import { parsePath } from './path.ts';

type StandardProps<T> = FlyteType<T>['~standard'];

function standardProps<T>(type: FlyteType<T>): StandardProps<T> {
  return {
    version: 1,
    vendor: 'tflyte',
    validate: (value: unknown): StandardResult<T> => {
      try {
        return { value: type.check(value) };
      } catch (error) {
        if (!(error instanceof TypeMismatchError)) throw error;
        const prefix = `${error.path || 'value'}: `;
        const message = error.message.startsWith(prefix) ? error.message.slice(prefix.length) : error.message;
        const path = parsePath(error.path);
        return { issues: [path.length === 0 ? { message } : { message, path }] };
      }
    },
  };
}

/**
 * Shared behaviour of every tflyte type: immutable copies for `default`/`describe` and the
 * Standard Schema adapter. Subclasses implement the conversions; each conversion validates its own
 * level and delegates nested values with an extended path.
 */
export abstract class BaseType<T> implements FlyteType<T> {
  abstract readonly kind: TypeKind;
  abstract readonly display: string;
  defaultValue: { readonly value: T } | undefined = undefined;
  description: string | undefined = undefined;
  '~standard': StandardProps<T>;

  constructor() {
    this['~standard'] = standardProps<T>(this);
  }

  abstract literalType(): LiteralType;
  abstract toLiteral(value: T, path?: string): Literal;
  abstract fromLiteral(literal: Literal, path?: string): T;
  abstract check(value: unknown, path?: string): T;

  default(value: T): this & { readonly defaultValue: { readonly value: T } } {
    try {
      this.check(value);
    } catch (error) {
      if (!(error instanceof TypeMismatchError)) throw error;
      throw new InvalidSchemaError(`invalid default value for ${this.display}: ${error.message}`);
    }
    const copy = this.copy();
    copy.defaultValue = { value };
    return copy as this & { readonly defaultValue: { readonly value: T } };
  }

  describe(text: string): this {
    if (typeof text !== 'string') throw new InvalidSchemaError(`describe() of ${this.display} takes a string`);
    const copy = this.copy();
    copy.description = text;
    return copy;
  }

  private copy(): this {
    const copy = Object.create(Object.getPrototypeOf(this) as object) as this;
    Object.assign(copy, this);
    copy['~standard'] = standardProps<T>(copy);
    return copy;
  }
}

export function isFlyteType(value: unknown): value is AnyType {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Partial<Record<keyof AnyType, unknown>>;
  return (
    typeof v.kind === 'string' &&
    typeof v.display === 'string' &&
    typeof v.literalType === 'function' &&
    typeof v.toLiteral === 'function' &&
    typeof v.fromLiteral === 'function' &&
    typeof v.check === 'function'
  );
}

/** Guards builder arguments, since JS callers (and `as any`) can pass anything. */
export function requireType(value: unknown, where: string): AnyType {
  if (!isFlyteType(value)) {
    throw new InvalidSchemaError(`${where} expects a tflyte type such as t.int(), got ${describeValue(value)}`);
  }
  return value;
}
