/**
 * A record type rebuilt from the JSON schema flytekit stores in a dataclass STRUCT's `metadata`
 * (mashumaro's `build_json_schema`), for where the field types are not in `structure.dataclass_type`:
 * flytekit replaces the structure of a union variant with its tag, so `Optional[MyDataclass]` keeps only
 * the schema. The inverse of record.ts's jsonSchema for every field type a record holds; anything
 * else (a `$ref`, a file) is an InvalidSchemaError, which readers turn into a plain struct.
 */
import { InvalidSchemaError } from '../errors.ts';
import type { AnyType, TypeRecord } from './flyte-type.ts';
import { fromPlain } from './record.ts';
import { t } from './t.ts';

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** An object schema with its fields under `properties` and no schema for other keys: mashumaro's form of a dataclass. */
export function isRecordSchema(schema: unknown): schema is Json {
  return (
    isObject(schema) &&
    schema.type === 'object' &&
    isObject(schema.properties) &&
    (schema.additionalProperties === undefined || schema.additionalProperties === false)
  );
}

/** The record a dataclass schema describes; `fieldTypes` (from dataclass_type) win over the schema's own. */
export function recordFromSchema(schema: Json, fieldTypes: Readonly<Record<string, AnyType>> = {}): AnyType {
  if (!isRecordSchema(schema)) throw new InvalidSchemaError('a dataclass JSON schema is an object with properties and no other keys');
  const properties = schema.properties as Json;
  const required = new Set(Array.isArray(schema.required) ? schema.required : []);
  const names = new Set([...Object.keys(properties), ...Object.keys(fieldTypes)]);
  const fields: Record<string, AnyType> = {};
  for (const name of names) {
    const property = Object.hasOwn(properties, name) ? properties[name] : undefined;
    let type = Object.hasOwn(fieldTypes, name) ? (fieldTypes[name] as AnyType) : fieldType(property, name);
    // A default lives only in the schema; without it the field would turn required.
    if (!required.has(name) && isObject(property) && Object.hasOwn(property, 'default') && property.default !== null) {
      type = type.default(fromPlain(type, property.default, `${name} default`));
    }
    Object.defineProperty(fields, name, { value: type, enumerable: true });
  }
  const title = schema.title;
  return t.record(fields as TypeRecord, typeof title === 'string' && title !== '' ? { name: title } : {});
}

function fieldType(schema: unknown, where: string): AnyType {
  if (!isObject(schema)) throw new InvalidSchemaError(`field '${where}' has no JSON schema`);
  if (Array.isArray(schema.anyOf)) {
    const [inner, none, ...rest] = schema.anyOf as unknown[];
    if (rest.length > 0 || !isObject(none) || none.type !== 'null')
      throw new InvalidSchemaError(`field '${where}': only T | null unions read`);
    return t.optional(fieldType(inner, where));
  }
  if (Array.isArray(schema.enum)) {
    const [first, ...others] = schema.enum as unknown[];
    if (typeof first !== 'string' || others.some((v) => typeof v !== 'string'))
      throw new InvalidSchemaError(`field '${where}': enum of strings only`);
    return t.enum([first, ...(others as string[])]);
  }
  switch (schema.type) {
    case 'integer':
      return t.int();
    case 'number':
      return schema.format === 'time-delta' ? t.duration() : t.float();
    case 'string':
      return schema.format === 'date-time' ? t.datetime() : t.string();
    case 'boolean':
      return t.bool();
    case 'null':
      return t.none();
    case 'array':
      return t.list(fieldType(schema.items, `${where}[]`));
    case 'object': {
      const values = schema.additionalProperties;
      if (isRecordSchema(schema)) return recordFromSchema(schema);
      return isObject(values) && Object.keys(values).length > 0 ? t.map(fieldType(values, `${where}{}`)) : t.struct();
    }
    default:
      throw new InvalidSchemaError(`field '${where}': JSON schema ${JSON.stringify(schema).slice(0, 80)} has no record field type`);
  }
}
