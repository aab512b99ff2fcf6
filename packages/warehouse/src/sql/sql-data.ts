/**
 * Values beyond scalars, for services that bind them (BigQuery's BYTES, ARRAY and STRUCT
 * parameters). A dialect says which of these it binds (`SqlBinds`); the definition-time checks and
 * the renderer both ask `sqlTypeOf`, so what is accepted when a task is defined is what renders.
 * Types come from the input's declaration, not from the value: an empty list is still an array of
 * its element type, and a null optional is a NULL of the optional's type.
 */
import { t, typeFromLiteralType } from '@tflyte/core';
import type { Literal } from '@tflyte/idl/core/literals';
import { type LiteralType, SimpleType } from '@tflyte/idl/core/types';
import { QueryInputError, type SqlValue, sqlValue } from './sql-literals.ts';

/** What a dialect binds beyond int, float, string, bool, datetime and enum values. Default: none. */
export interface SqlBinds {
  /** `t.binary()` values. */
  readonly bytes?: boolean;
  /** `t.list(...)` values. */
  readonly arrays?: boolean;
  /** `t.struct()` values (JSON objects; their fields are read off each value). */
  readonly structs?: boolean;
  /** Lists of lists (BigQuery has no ARRAY of ARRAY). */
  readonly nestedArrays?: boolean;
}

export type SqlScalarKind = 'integer' | 'float' | 'string' | 'boolean' | 'timestamp' | 'date' | 'bytes';

/** The declared SQL type of a value. */
export type SqlType =
  | { readonly kind: SqlScalarKind }
  | { readonly kind: 'array'; readonly element: SqlType }
  /** `fields` is absent for an untyped JSON object (`t.struct()`): each value carries its own fields. */
  | { readonly kind: 'struct'; readonly fields?: readonly { readonly name: string; readonly type: SqlType }[] };

/** A bindable value, scalars and beyond. A NULL carries its declared type in `of` when it is known. */
export type SqlData =
  | SqlValue
  | { readonly type: 'bytes'; readonly value: Uint8Array }
  /** `element` is the declared element type; undefined for a JSON list whose type only its items tell. */
  | { readonly type: 'array'; readonly element: SqlType | undefined; readonly items: readonly SqlData[] }
  | { readonly type: 'struct'; readonly fields: readonly { readonly name: string; readonly value: SqlData }[] };

/**
 * The SQL type of a declared Flyte type, `{ type: undefined }` for one that is bindable but has no
 * single type (a union of scalars, typed by its value), or the part that cannot be bound.
 */
export function sqlTypeOf(
  type: LiteralType,
  binds: SqlBinds = {},
): { readonly type: SqlType | undefined } | { readonly unsupported: string } {
  const t = type.type;
  switch (t.case) {
    case 'simple':
      switch (t.value) {
        case SimpleType.INTEGER:
          return { type: { kind: 'integer' } };
        case SimpleType.FLOAT:
          return { type: { kind: 'float' } };
        case SimpleType.STRING:
          return { type: { kind: 'string' } };
        case SimpleType.BOOLEAN:
          return { type: { kind: 'boolean' } };
        case SimpleType.DATETIME:
          return { type: { kind: 'timestamp' } };
        case SimpleType.NONE:
          return { type: undefined };
        case SimpleType.BINARY:
          return binds.bytes === true ? { type: { kind: 'bytes' } } : { unsupported: 'binary' };
        case SimpleType.STRUCT:
          return binds.structs === true ? { type: { kind: 'struct' } } : { unsupported: 'struct' };
        default:
          return { unsupported: SimpleType[t.value]?.toLowerCase() ?? 'unknown' };
      }
    case 'enumType':
      return { type: { kind: 'string' } };
    case 'collectionType': {
      if (binds.arrays !== true) return { unsupported: 'list' };
      const element = sqlTypeOf(t.value, binds);
      if ('unsupported' in element) return element;
      if (element.type === undefined) return { unsupported: 'list of a union' };
      if (element.type.kind === 'array' && binds.nestedArrays !== true) return { unsupported: 'list of lists' };
      return { type: { kind: 'array', element: element.type } };
    }
    case 'unionType': {
      const inner = optionalInner(type);
      if (inner !== undefined) return sqlTypeOf(inner, binds);
      for (const variant of t.value.variants) {
        const v = sqlTypeOf(variant, binds);
        if ('unsupported' in v) return v;
        if (v.type !== undefined && (v.type.kind === 'array' || v.type.kind === 'struct' || v.type.kind === 'bytes'))
          return { unsupported: `union with a ${v.type.kind} variant` };
      }
      return { type: undefined };
    }
    case 'mapValueType':
      return { unsupported: 'map' };
    case 'structuredDatasetType':
      return { unsupported: 'dataset' };
    default:
      return { unsupported: t.case ?? 'empty type' };
  }
}

/** The non-none variant of an optional (`T | None`), if `type` is one. */
export function optionalInner(type: LiteralType | undefined): LiteralType | undefined {
  if (type?.type.case !== 'unionType') return undefined;
  const variants = type.type.value.variants.filter((v) => !(v.type.case === 'simple' && v.type.value === SimpleType.NONE));
  return variants.length === 1 && variants.length < type.type.value.variants.length ? variants[0] : undefined;
}

/**
 * The value of a `{{ .inputs.x }}` reference, typed by `declared` (the input's LiteralType) when it
 * is given. Values the dialect does not bind throw QueryInputError naming the input.
 */
export function sqlData(input: string, literal: Literal, declared: LiteralType | undefined, binds: SqlBinds = {}): SqlData {
  return dataOf(input, literal, declared, binds);
}

function nullOf(declared: LiteralType | undefined, binds: SqlBinds): SqlData {
  if (declared === undefined) return { type: 'null' };
  const resolved = sqlTypeOf(optionalInner(declared) ?? declared, binds);
  return 'type' in resolved && resolved.type !== undefined ? { type: 'null', of: resolved.type } : { type: 'null' };
}

function dataOf(path: string, literal: Literal, declared: LiteralType | undefined, binds: SqlBinds): SqlData {
  if (literal.value.case === 'collection') {
    if (binds.arrays !== true) throw new QueryInputError(path, 'holds a value of type collection, which has no SQL literal form');
    const elementDeclared = declared?.type.case === 'collectionType' ? declared.type.value : undefined;
    const element = elementDeclared === undefined ? undefined : sqlTypeOf(elementDeclared, binds);
    const items = literal.value.value.literals.map((item, i) => dataOf(`${path}[${i}]`, item, elementDeclared, binds));
    return { type: 'array', element: element !== undefined && 'type' in element ? element.type : undefined, items };
  }
  if (literal.value.case === 'scalar') {
    const scalar = literal.value.value.value;
    switch (scalar.case) {
      case 'union': {
        const inner = scalar.value.value;
        if (inner === undefined) throw new QueryInputError(path, 'is an empty union literal');
        if (inner.value.case === 'scalar' && inner.value.value.value.case === 'noneType') return nullOf(declared, binds);
        return dataOf(path, inner, scalar.value.type ?? optionalInner(declared), binds);
      }
      case 'noneType':
        return nullOf(declared, binds);
      case 'binary': {
        // A struct travels as msgpack Binary (tag "msgpack"), as flytekit writes dicts.
        const struct = scalar.value.tag === 'msgpack' || (declared?.type.case === 'simple' && declared.type.value === SimpleType.STRUCT);
        if (struct && binds.structs === true) {
          const json = (declared === undefined ? t.struct() : typeFromLiteralType(declared)).fromLiteral(literal, path);
          return jsonData(path, json, binds);
        }
        if (struct || binds.bytes !== true) break;
        return { type: 'bytes', value: scalar.value.value };
      }
      case 'generic':
        if (binds.structs !== true) break;
        return jsonData(path, scalar.value, binds);
      default:
        break;
    }
  }
  return sqlValue(path, literal);
}

type Json = null | boolean | number | string | readonly Json[] | { readonly [key: string]: Json };

/** A JSON value (a struct's content) as data; its types are read off the value. */
function jsonData(path: string, json: unknown, binds: SqlBinds): SqlData {
  const value = json as Json;
  if (value === null) return { type: 'null' };
  if (typeof value === 'boolean') return { type: 'boolean', value };
  if (typeof value === 'number') return Number.isInteger(value) ? { type: 'integer', value: BigInt(value) } : { type: 'float', value };
  if (typeof value === 'string') return { type: 'string', value };
  if (Array.isArray(value)) {
    if (binds.arrays !== true) throw new QueryInputError(path, 'holds a list inside a struct, which this service cannot bind');
    return { type: 'array', element: undefined, items: value.map((item, i) => jsonData(`${path}[${i}]`, item, binds)) };
  }
  return {
    type: 'struct',
    fields: Object.entries(value as Record<string, Json>).map(([name, v]) => ({ name, value: jsonData(`${path}.${name}`, v, binds) })),
  };
}

/** The type a value shows (its declared element type for an array); undefined for a NULL without one. */
export function sqlDataType(value: SqlData): SqlType | undefined {
  switch (value.type) {
    case 'null':
      return value.of;
    case 'array': {
      const element = value.element ?? value.items.map(sqlDataType).find((t) => t !== undefined);
      return element === undefined ? undefined : { kind: 'array', element };
    }
    case 'struct': {
      const fields: { name: string; type: SqlType }[] = [];
      for (const f of value.fields) {
        const type = sqlDataType(f.value);
        if (type === undefined) return undefined;
        fields.push({ name: f.name, type });
      }
      return { kind: 'struct', fields };
    }
    default:
      return { kind: value.type };
  }
}
