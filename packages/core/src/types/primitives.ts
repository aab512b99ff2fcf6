/** The flyteidl Primitive types: int, float, string, bool, datetime, duration. */
import { create } from '@bufbuild/protobuf';
import { DurationSchema, timestampFromMs } from '@bufbuild/protobuf/wkt';
import type { Literal } from '@tflyte/idl/core/literals';
import type { LiteralType } from '@tflyte/idl/core/types';
import { SimpleType } from '@tflyte/idl/core/types';
import { describeValue, TypeMismatchError } from '../errors.ts';
import { BaseType } from './base.ts';
import type { Duration } from './flyte-type.ts';
import { isWellFormed, literalMismatch, primitiveLiteral, primitiveOf, simpleLiteralType } from './literals.ts';

const SAFE_INT = 'int within ±(2^53 - 1)';

function toSafeNumber(value: bigint, path: string, literalDescription: string): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new TypeMismatchError(path, SAFE_INT, literalDescription);
  }
  return Number(value);
}

export class IntType extends BaseType<number> {
  readonly kind = 'integer';
  readonly display = 'int';

  literalType(): LiteralType {
    return simpleLiteralType(SimpleType.INTEGER);
  }

  check(value: unknown, path = ''): number {
    if (typeof value !== 'number' || !Number.isInteger(value)) throw new TypeMismatchError(path, 'int', describeValue(value));
    if (!Number.isSafeInteger(value)) throw new TypeMismatchError(path, SAFE_INT, describeValue(value));
    return value;
  }

  toLiteral(value: number, path = ''): Literal {
    return primitiveLiteral({ case: 'integer', value: BigInt(this.check(value, path)) });
  }

  fromLiteral(literal: Literal, path = ''): number {
    const p = primitiveOf(literal);
    if (p?.case === 'integer') return toSafeNumber(p.value, path, `integer literal ${p.value}`);
    // flytekit truncates float literals for int inputs: Flyte Console (JS) sends whole numbers as floats.
    if (p?.case === 'floatValue') {
      const n = Math.trunc(p.value);
      if (!Number.isSafeInteger(n)) throw new TypeMismatchError(path, SAFE_INT, `float literal ${p.value}`);
      return n === 0 ? 0 : n;
    }
    throw literalMismatch(path, this.display, literal);
  }
}

export class FloatType extends BaseType<number> {
  readonly kind = 'float';
  readonly display = 'float';

  literalType(): LiteralType {
    return simpleLiteralType(SimpleType.FLOAT);
  }

  /** Any JS number, NaN and ±Infinity included: a protobuf double (and a Python float) holds them all. */
  check(value: unknown, path = ''): number {
    if (typeof value !== 'number') throw new TypeMismatchError(path, 'float', describeValue(value));
    return value;
  }

  toLiteral(value: number, path = ''): Literal {
    return primitiveLiteral({ case: 'floatValue', value: this.check(value, path) });
  }

  fromLiteral(literal: Literal, path = ''): number {
    const p = primitiveOf(literal);
    if (p?.case === 'floatValue') return p.value;
    if (p?.case === 'integer') return Number(p.value);
    throw literalMismatch(path, this.display, literal);
  }
}

export class StringType extends BaseType<string> {
  readonly kind = 'string';
  readonly display = 'string';

  literalType(): LiteralType {
    return simpleLiteralType(SimpleType.STRING);
  }

  check(value: unknown, path = ''): string {
    if (typeof value !== 'string') throw new TypeMismatchError(path, 'string', describeValue(value));
    if (!isWellFormed(value)) throw new TypeMismatchError(path, 'string without lone UTF-16 surrogates', describeValue(value));
    return value;
  }

  toLiteral(value: string, path = ''): Literal {
    return primitiveLiteral({ case: 'stringValue', value: this.check(value, path) });
  }

  fromLiteral(literal: Literal, path = ''): string {
    const p = primitiveOf(literal);
    if (p?.case === 'stringValue') return p.value;
    throw literalMismatch(path, this.display, literal);
  }
}

export class BoolType extends BaseType<boolean> {
  readonly kind = 'boolean';
  readonly display = 'bool';

  literalType(): LiteralType {
    return simpleLiteralType(SimpleType.BOOLEAN);
  }

  check(value: unknown, path = ''): boolean {
    if (typeof value !== 'boolean') throw new TypeMismatchError(path, 'bool', describeValue(value));
    return value;
  }

  toLiteral(value: boolean, path = ''): Literal {
    return primitiveLiteral({ case: 'boolean', value: this.check(value, path) });
  }

  fromLiteral(literal: Literal, path = ''): boolean {
    const p = primitiveOf(literal);
    if (p?.case === 'boolean') return p.value;
    throw literalMismatch(path, this.display, literal);
  }
}

/** google.protobuf.Timestamp's valid range, which is also Python's datetime range (years 1..9999). */
const MIN_DATETIME_MS = -62_135_596_800_000;
const MAX_DATETIME_MS = 253_402_300_799_999;
const DATETIME_RANGE = 'datetime between 0001-01-01 and 9999-12-31 (UTC)';

export class DatetimeType extends BaseType<Date> {
  readonly kind = 'datetime';
  readonly display = 'datetime';

  literalType(): LiteralType {
    return simpleLiteralType(SimpleType.DATETIME);
  }

  check(value: unknown, path = ''): Date {
    if (!(value instanceof Date) || Number.isNaN(value.getTime())) {
      throw new TypeMismatchError(path, 'datetime (a valid Date)', describeValue(value));
    }
    const ms = value.getTime();
    if (ms < MIN_DATETIME_MS || ms > MAX_DATETIME_MS) {
      throw new TypeMismatchError(path, DATETIME_RANGE, `Date ${value.toISOString()}`);
    }
    return value;
  }

  toLiteral(value: Date, path = ''): Literal {
    return primitiveLiteral({ case: 'datetime', value: timestampFromMs(this.check(value, path).getTime()) });
  }

  /** Sub-millisecond precision (Python writes microseconds) is truncated, since Date holds milliseconds. */
  fromLiteral(literal: Literal, path = ''): Date {
    const p = primitiveOf(literal);
    if (p?.case !== 'datetime') throw literalMismatch(path, this.display, literal);
    const { seconds, nanos } = p.value;
    const ms = Number(seconds) * 1000 + Math.floor(nanos / 1_000_000);
    if (!(ms >= MIN_DATETIME_MS && ms <= MAX_DATETIME_MS)) {
      throw new TypeMismatchError(path, DATETIME_RANGE, `datetime literal of ${seconds} s since the epoch`);
    }
    return new Date(ms);
  }
}

/** google.protobuf.Duration's documented range: about ±10,000 years. */
/** google.protobuf.Duration holds at most ±10000 years in whole seconds. */
export const MAX_DURATION_SECONDS = 315_576_000_000;
const DURATION_SHAPE = 'duration {seconds, nanos}: whole seconds within ±315576000000 and nanos within ±999999999 of the same sign';

function validDuration(seconds: number, nanos: number): boolean {
  return (
    Number.isInteger(seconds) &&
    Math.abs(seconds) <= MAX_DURATION_SECONDS &&
    Number.isInteger(nanos) &&
    Math.abs(nanos) <= 999_999_999 &&
    !(seconds > 0 && nanos < 0) &&
    !(seconds < 0 && nanos > 0)
  );
}

export class DurationType extends BaseType<Duration> {
  readonly kind = 'duration';
  readonly display = 'duration';

  literalType(): LiteralType {
    return simpleLiteralType(SimpleType.DURATION);
  }

  check(value: unknown, path = ''): Duration {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new TypeMismatchError(path, DURATION_SHAPE, describeValue(value));
    }
    const { seconds, nanos } = value as Partial<Record<keyof Duration, unknown>>;
    if (typeof seconds !== 'number' || typeof nanos !== 'number' || !validDuration(seconds, nanos)) {
      throw new TypeMismatchError(path, DURATION_SHAPE, `{seconds: ${describeValue(seconds)}, nanos: ${describeValue(nanos)}}`);
    }
    return value as Duration;
  }

  toLiteral(value: Duration, path = ''): Literal {
    const { seconds, nanos } = this.check(value, path);
    return primitiveLiteral({ case: 'duration', value: create(DurationSchema, { seconds: BigInt(seconds), nanos }) });
  }

  fromLiteral(literal: Literal, path = ''): Duration {
    const p = primitiveOf(literal);
    if (p?.case !== 'duration') throw literalMismatch(path, this.display, literal);
    const seconds = p.value.seconds;
    const { nanos } = p.value;
    if (seconds > BigInt(MAX_DURATION_SECONDS) || seconds < -BigInt(MAX_DURATION_SECONDS) || !validDuration(Number(seconds), nanos)) {
      throw new TypeMismatchError(path, DURATION_SHAPE, `duration literal {seconds: ${seconds}, nanos: ${nanos}}`);
    }
    return { seconds: Number(seconds), nanos };
  }
}
