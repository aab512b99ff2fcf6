/**
 * union<A|B> and optional<T> (= union<T|none>), as flytekit's Union / Optional.
 *
 * Writing tries every variant: none matching is a TypeMismatchError, several an AmbiguousUnionError,
 * with one documented exception: when both an int and a float variant accept a number, int wins
 * (JS has one number type; a whole number is what Python would write as an int).
 * Reading uses the stored variant type (shape, then tag); a literal without one is tried against
 * every variant, and there an int and a float variant are told apart by the literal's own kind.
 */
import { create } from '@bufbuild/protobuf';
import type { Literal } from '@tflyte/idl/core/literals';
import { UnionSchema } from '@tflyte/idl/core/literals';
import type { LiteralType } from '@tflyte/idl/core/types';
import { LiteralTypeSchema, TypeStructureSchema } from '@tflyte/idl/core/types';
import { describeValue, InvalidSchemaError, TypeMismatchError } from '../errors.ts';
import { BaseType, requireType } from './base.ts';
import type { AnyType, FlyteType, Infer, TypeKind } from './flyte-type.ts';
import { literalTypeEquals } from './literal-type-equals.ts';
import { describeLiteral, literalMismatch, primitiveOf, scalarLiteral, scalarOf } from './literals.ts';
import { NoneType } from './scalars.ts';
import { AmbiguousUnionError } from './type-errors.ts';

export interface FlyteUnionType<T> extends FlyteType<T> {
  readonly kind: 'union';
  /** Flattened: nested unions contribute their variants, and `none` appears at most once. */
  readonly variants: readonly AnyType[];
}

export interface FlyteOptionalType<I extends AnyType> extends FlyteUnionType<Infer<I> | null> {
  readonly inner: I;
  readonly defaultValue: { readonly value: Infer<I> | null };
}

/**
 * flytekit's transformer names, which flytekit and Flyte's compiler match union variants by;
 * types with no flytekit counterpart use their display name.
 */
const FLYTEKIT_TAGS: Partial<Record<TypeKind, string>> = {
  integer: 'int',
  float: 'float',
  string: 'str',
  boolean: 'bool',
  datetime: 'datetime',
  duration: 'timedelta',
  none: 'none',
  struct: 'Typed Dict',
  record: 'Object-Dataclass-Transformer',
  list: 'Typed List',
  map: 'Typed Dict',
  enum: 'DefaultEnumTransformer',
  union: 'Typed Union',
  file: 'FlyteFilePath',
  directory: 'FlyteDirectory',
  dataset: 'StructuredDataset Transformer',
};

/** The `structure.tag` a type carries as a union variant. */
export function unionTag(type: AnyType): string {
  return FLYTEKIT_TAGS[type.kind] ?? type.display;
}

function tagged(type: AnyType): LiteralType {
  const lt = type.literalType();
  // As flytekit tags a variant: the structure is the tag alone (a record's field types go; its JSON schema stays).
  lt.structure = create(TypeStructureSchema, { tag: unionTag(type) });
  return lt;
}

function flatten(variants: readonly unknown[], where: string): AnyType[] {
  const out: AnyType[] = [];
  for (const [i, candidate] of variants.entries()) {
    const type = requireType(candidate, `${where} variant ${i}`);
    for (const v of type.kind === 'union' ? (type as FlyteUnionType<unknown>).variants : [type]) {
      if (v.kind === 'none' && out.some((o) => o.kind === 'none')) continue;
      const twin = out.find((o) => literalTypeEquals(o.literalType(), v.literalType()));
      if (twin !== undefined) {
        throw new InvalidSchemaError(
          `${where}: variant ${v.display} is listed twice (as ${twin.display}); union variants must be distinct`,
        );
      }
      out.push(v);
    }
  }
  if (out.length === 0) throw new InvalidSchemaError(`${where} needs at least one variant`);
  return out;
}

export class TaggedUnionType<T> extends BaseType<T> implements FlyteUnionType<T> {
  readonly kind = 'union';
  readonly display: string;
  readonly variants: readonly AnyType[];

  constructor(variants: readonly unknown[], display?: string) {
    super();
    this.variants = Object.freeze(flatten(variants, display === undefined ? 't.union' : 't.optional'));
    this.display = display ?? `union<${this.variants.map((v) => v.display).join('|')}>`;
  }

  literalType(): LiteralType {
    return create(LiteralTypeSchema, { type: { case: 'unionType', value: { variants: this.variants.map(tagged) } } });
  }

  /**
   * Picks the single variant among `matches`, or explains why there is none. When both an int and
   * a float variant match, `numberKind` decides (an integral value, or the literal's own kind).
   */
  private choose(matches: AnyType[], errors: TypeMismatchError[], path: string, got: string, numberKind: 'integer' | 'float'): AnyType {
    const bothNumbers = matches.some((v) => v.kind === 'integer') && matches.some((v) => v.kind === 'float');
    const other = numberKind === 'integer' ? 'float' : 'integer';
    const preferred = bothNumbers ? matches.filter((v) => v.kind !== other) : matches;
    const [first, ...rest] = preferred;
    if (first !== undefined && rest.length === 0) return first;
    if (first !== undefined)
      throw new AmbiguousUnionError(
        path,
        this.display,
        preferred.map((v) => v.display),
      );
    // The one variant that got past the top level (say the struct in optional<struct>) explains the failure best.
    const deeper = errors.filter((e) => e.path.length > path.length);
    if (deeper.length === 1 && deeper[0] !== undefined) throw deeper[0];
    throw new TypeMismatchError(path, this.display, got);
  }

  private pick(value: unknown, path: string): AnyType {
    const matches: AnyType[] = [];
    const errors: TypeMismatchError[] = [];
    for (const variant of this.variants) {
      try {
        variant.check(value, path);
        matches.push(variant);
      } catch (error) {
        if (!(error instanceof TypeMismatchError)) throw error;
        errors.push(error);
      }
    }
    // -0 has no integer literal; only a float variant keeps its sign.
    return this.choose(matches, errors, path, describeValue(value), Object.is(value, -0) ? 'float' : 'integer');
  }

  check(value: unknown, path = ''): T {
    this.pick(value, path);
    return value as T;
  }

  toLiteral(value: T, path = ''): Literal {
    const variant = this.pick(value, path);
    const literal = variant.toLiteral(value, path);
    const union = scalarLiteral({ case: 'union', value: create(UnionSchema, { value: literal, type: tagged(variant) }) });
    // The variant's content hash (a hashed file) keys the cache for the optional too.
    union.hash = literal.hash;
    return union;
  }

  fromLiteral(literal: Literal, path = ''): T {
    const scalar = scalarOf(literal);
    if (scalar?.case !== 'union') return this.readByTrial(literal, path);
    const inner = scalar.value.value;
    const stored = scalar.value.type;
    if (inner === undefined) throw literalMismatch(path, this.display, literal);
    if (stored !== undefined) {
      const sameShape = this.variants.filter((v) => literalTypeEquals(v.literalType(), stored));
      const sameTag = sameShape.filter((v) => unionTag(v) === stored.structure?.tag);
      const [chosen, ...others] = sameTag.length === 1 ? sameTag : sameShape;
      if (chosen !== undefined && others.length === 0) return chosen.fromLiteral(inner, path) as T;
    }
    return this.readByTrial(inner, path);
  }

  /** flytekit's path for untagged literals: every variant that can read it is a candidate. */
  private readByTrial(literal: Literal, path: string): T {
    const matches: AnyType[] = [];
    const values: unknown[] = [];
    const errors: TypeMismatchError[] = [];
    for (const variant of this.variants) {
      try {
        values.push(variant.fromLiteral(literal, path));
        matches.push(variant);
      } catch (error) {
        if (!(error instanceof TypeMismatchError)) throw error;
        errors.push(error);
      }
    }
    const numberKind = primitiveOf(literal)?.case === 'floatValue' ? 'float' : 'integer';
    const chosen = this.choose(matches, errors, path, describeLiteral(literal), numberKind);
    return values[matches.indexOf(chosen)] as T;
  }
}

export class OptionalType<I extends AnyType> extends TaggedUnionType<Infer<I> | null> implements FlyteOptionalType<I> {
  readonly inner: I;
  declare defaultValue: { readonly value: Infer<I> | null };

  constructor(inner: I) {
    super([requireType(inner, 't.optional'), new NoneType()], `optional<${inner.display}>`);
    this.inner = inner;
    this.defaultValue = { value: null };
  }
}
