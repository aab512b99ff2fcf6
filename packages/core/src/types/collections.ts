/** list<T> (collection_type) and map<string, T> (map_value_type). */
import { create } from '@bufbuild/protobuf';
import type { Literal } from '@tflyte/idl/core/literals';
import { LiteralSchema } from '@tflyte/idl/core/literals';
import type { LiteralType } from '@tflyte/idl/core/types';
import { LiteralTypeSchema } from '@tflyte/idl/core/types';
import { describeValue, TypeMismatchError } from '../errors.ts';
import { BaseType } from './base.ts';
import type { AnyType, FlyteType, Infer } from './flyte-type.ts';
import { isPlainObject, isWellFormed, literalMismatch } from './literals.ts';
import { setOwn } from './own-key.ts';
import { indexPath, keyPath } from './path.ts';

export interface FlyteListType<E extends AnyType> extends FlyteType<Infer<E>[]> {
  readonly kind: 'list';
  readonly element: E;
}

export interface FlyteMapType<V extends AnyType> extends FlyteType<Record<string, Infer<V>>> {
  readonly kind: 'map';
  readonly valueType: V;
}

export class ListType<E extends AnyType> extends BaseType<Infer<E>[]> implements FlyteListType<E> {
  readonly kind = 'list';
  readonly display: string;
  readonly element: E;

  constructor(element: E) {
    super();
    this.element = element;
    this.display = `list<${element.display}>`;
  }

  literalType(): LiteralType {
    return create(LiteralTypeSchema, { type: { case: 'collectionType', value: this.element.literalType() } });
  }

  check(value: unknown, path = ''): Infer<E>[] {
    if (!Array.isArray(value)) throw new TypeMismatchError(path, this.display, describeValue(value));
    // An index loop, not forEach: holes in sparse arrays must fail as `undefined` elements.
    for (let i = 0; i < value.length; i++) this.element.check(value[i], indexPath(path, i));
    return value as Infer<E>[];
  }

  toLiteral(value: Infer<E>[], path = ''): Literal {
    if (!Array.isArray(value)) throw new TypeMismatchError(path, this.display, describeValue(value));
    const literals: Literal[] = [];
    for (let i = 0; i < value.length; i++) literals.push(this.element.toLiteral(value[i], indexPath(path, i)));
    return create(LiteralSchema, { value: { case: 'collection', value: { literals } } });
  }

  fromLiteral(literal: Literal, path = ''): Infer<E>[] {
    if (literal.value.case !== 'collection') throw literalMismatch(path, this.display, literal);
    return literal.value.value.literals.map((item, i) => this.element.fromLiteral(item, indexPath(path, i)) as Infer<E>);
  }
}

export class MapType<V extends AnyType> extends BaseType<Record<string, Infer<V>>> implements FlyteMapType<V> {
  readonly kind = 'map';
  readonly display: string;
  readonly valueType: V;

  constructor(valueType: V) {
    super();
    this.valueType = valueType;
    this.display = `map<string, ${valueType.display}>`;
  }

  literalType(): LiteralType {
    return create(LiteralTypeSchema, { type: { case: 'mapValueType', value: this.valueType.literalType() } });
  }

  private entries(value: unknown, path: string): [string, unknown][] {
    if (!isPlainObject(value)) throw new TypeMismatchError(path, `${this.display} (a plain object)`, describeValue(value));
    const entries = Object.entries(value);
    for (const [key] of entries) {
      if (!isWellFormed(key)) throw new TypeMismatchError(keyPath(path, key), 'key without lone UTF-16 surrogates', describeValue(key));
    }
    return entries;
  }

  check(value: unknown, path = ''): Record<string, Infer<V>> {
    for (const [key, item] of this.entries(value, path)) this.valueType.check(item, keyPath(path, key));
    return value as Record<string, Infer<V>>;
  }

  toLiteral(value: Record<string, Infer<V>>, path = ''): Literal {
    const literals: Record<string, Literal> = {};
    for (const [key, item] of this.entries(value, path)) {
      setOwn(literals, key, this.valueType.toLiteral(item, keyPath(path, key)));
    }
    return create(LiteralSchema, { value: { case: 'map', value: { literals } } });
  }

  fromLiteral(literal: Literal, path = ''): Record<string, Infer<V>> {
    if (literal.value.case !== 'map') throw literalMismatch(path, this.display, literal);
    // fromEntries defines own properties, so a key like "__proto__" stays an ordinary key.
    return Object.fromEntries(
      Object.entries(literal.value.value.literals).map(([key, item]) => [
        key,
        this.valueType.fromLiteral(item, keyPath(path, key)) as Infer<V>,
      ]),
    );
  }
}
