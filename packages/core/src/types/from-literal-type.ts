/**
 * Rebuilds a tflyte type from a flyteidl LiteralType, for code that only has a serialized
 * TaskTemplate (the CLI, the container entrypoint). For every type `t` builds,
 * `typeFromLiteralType(x.literalType()).literalType()` equals `x.literalType()`.
 */

import type { LiteralType } from '@tflyte/idl/core/types';
import { BlobType_BlobDimensionality, SimpleType } from '@tflyte/idl/core/types';
import { InvalidSchemaError } from '../errors.ts';
import type { AnyType, TypeRecord } from './flyte-type.ts';
import { isRecordSchema, recordFromSchema } from './record-schema.ts';
import { t } from './t.ts';

function fromSimple(simple: SimpleType): AnyType {
  switch (simple) {
    case SimpleType.NONE:
      return t.none();
    case SimpleType.INTEGER:
      return t.int();
    case SimpleType.FLOAT:
      return t.float();
    case SimpleType.STRING:
      return t.string();
    case SimpleType.BOOLEAN:
      return t.bool();
    case SimpleType.DATETIME:
      return t.datetime();
    case SimpleType.DURATION:
      return t.duration();
    case SimpleType.BINARY:
      return t.binary();
    // A dataclass or pydantic model is a STRUCT too (with a JSON schema in `metadata`); it reads as a plain JSON object.
    case SimpleType.STRUCT:
      return t.struct();
    default:
      throw new InvalidSchemaError(`LiteralType simple ${SimpleType[simple] ?? simple} has no tflyte type`);
  }
}

/** Field types in `structure.dataclass_type`, or a dataclass JSON schema in `metadata` (all a union variant keeps). */
function isDataclass(lt: LiteralType): boolean {
  return Object.keys(lt.structure?.dataclassType ?? {}).length > 0 || isRecordSchema(lt.metadata);
}

/** A dataclass with fields a record cannot hold (a file, a general union) still reads, as its JSON object. */
function recordOrStruct(lt: LiteralType): AnyType {
  try {
    const fieldTypes: Record<string, AnyType> = {};
    for (const [name, field] of Object.entries(lt.structure?.dataclassType ?? {})) {
      Object.defineProperty(fieldTypes, name, { value: typeFromLiteralType(field), enumerable: true });
    }
    return recordFromSchema(
      isRecordSchema(lt.metadata) ? lt.metadata : { type: 'object', properties: {}, additionalProperties: false },
      fieldTypes,
    );
  } catch (error) {
    if (!(error instanceof InvalidSchemaError)) throw error;
    return t.struct();
  }
}

export function typeFromLiteralType(lt: LiteralType): AnyType {
  const type = lt.type;
  switch (type.case) {
    case 'simple':
      return type.value === SimpleType.STRUCT && isDataclass(lt) ? recordOrStruct(lt) : fromSimple(type.value);
    case 'collectionType':
      return t.list(typeFromLiteralType(type.value));
    case 'mapValueType':
      return t.map(typeFromLiteralType(type.value));
    case 'blob': {
      const options = type.value.format === '' ? {} : { format: type.value.format };
      return type.value.dimensionality === BlobType_BlobDimensionality.MULTIPART ? t.directory(options) : t.file(options);
    }
    case 'enumType': {
      const [first, ...rest] = type.value.values;
      if (first === undefined) throw new InvalidSchemaError('LiteralType enum_type has no values');
      return t.enum([first, ...rest]);
    }
    case 'structuredDatasetType': {
      const columns: Record<string, AnyType> = {};
      for (const column of type.value.columns) {
        if (Object.hasOwn(columns, column.name))
          throw new InvalidSchemaError(`LiteralType structured_dataset_type lists column '${column.name}' twice`);
        if (column.literalType === undefined)
          throw new InvalidSchemaError(`LiteralType structured_dataset_type column '${column.name}' has no type`);
        Object.defineProperty(columns, column.name, { value: typeFromLiteralType(column.literalType), enumerable: true });
      }
      return t.dataset({ ...(type.value.format === '' ? {} : { format: type.value.format }), columns: columns as TypeRecord });
    }
    case 'unionType': {
      const variants = type.value.variants.map(typeFromLiteralType);
      const last = variants.at(-1);
      const rest = variants.slice(0, -1);
      const [first, ...others] = rest;
      // [T, none] is how an optional is written; keep that reading so the input stays omittable.
      if (last?.kind === 'none' && first !== undefined) return t.optional(others.length === 0 ? first : t.union(first, ...others));
      const [v0, ...vs] = variants;
      if (v0 === undefined) throw new InvalidSchemaError('LiteralType union_type has no variants');
      return t.union(v0, ...vs);
    }
    case 'schema':
      throw new InvalidSchemaError('LiteralType schema (the legacy FlyteSchema) is not supported; use a structured dataset (t.dataset)');
    case undefined:
      throw new InvalidSchemaError('LiteralType has no type set');
  }
}

/** A display string for any LiteralType, including ones tflyte cannot rebuild; never throws. */
export function describeLiteralType(lt: LiteralType): string {
  try {
    return typeFromLiteralType(lt).display;
  } catch {
    const type = lt.type;
    if (type.case === 'simple') return (SimpleType[type.value] ?? String(type.value)).toLowerCase();
    if (type.case === 'collectionType') return `list<${describeLiteralType(type.value)}>`;
    if (type.case === 'mapValueType') return `map<string, ${describeLiteralType(type.value)}>`;
    if (type.case === 'unionType') return `union<${type.value.variants.map(describeLiteralType).join('|')}>`;
    return type.case ?? 'unset';
  }
}
