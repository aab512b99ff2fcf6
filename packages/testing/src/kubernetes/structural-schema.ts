/**
 * The parts of CRD structural-schema handling that JSON Schema has no words for, following
 * apiextensions-apiserver: pruning of unknown fields, dropping of non-nullable nulls, defaulting,
 * x-kubernetes-list-type uniqueness and the `self == oldSelf` transition rule.
 */
import { type FieldError, fieldErrors } from './status.ts';
import { clone, deepEqual, isPlainObject, jsonTypeName } from './types.ts';

export interface ValidationRule {
  rule: string;
  message?: string;
}

export interface StructuralSchema {
  type?: string;
  properties?: Record<string, StructuralSchema>;
  additionalProperties?: StructuralSchema | boolean;
  items?: StructuralSchema;
  nullable?: boolean;
  default?: unknown;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-embedded-resource'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-validations'?: ValidationRule[];
  [keyword: string]: unknown;
}

const OBJECT_META_FIELDS = new Set([
  'name',
  'generateName',
  'namespace',
  'selfLink',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'labels',
  'annotations',
  'ownerReferences',
  'finalizers',
  'managedFields',
]);

function childPath(parent: string, key: string): string {
  return parent === '' ? key : `${parent}.${key}`;
}

function propertySchema(schema: StructuralSchema, key: string): StructuralSchema | undefined {
  const own = schema.properties?.[key];
  if (own !== undefined) return own;
  return isPlainObject(schema.additionalProperties) ? schema.additionalProperties : undefined;
}

function keepsUnknown(schema: StructuralSchema): boolean {
  return schema['x-kubernetes-preserve-unknown-fields'] === true || schema.additionalProperties === true;
}

function pruneMetadata(meta: Record<string, unknown>, path: string, dropped: string[]): void {
  for (const key of Object.keys(meta)) {
    if (!OBJECT_META_FIELDS.has(key)) {
      delete meta[key];
      dropped.push(childPath(path, key));
    }
  }
}

/**
 * Removes fields the schema does not specify (unless preserve-unknown-fields), and nulls in non-nullable
 * fields. `isResource` marks the root and embedded resources, whose apiVersion/kind/metadata are implicit.
 * Returns the dotted paths of the fields removed.
 */
export function prune(value: unknown, schema: StructuralSchema, path = '', isResource = true, dropped: string[] = []): string[] {
  if (Array.isArray(value)) {
    if (schema.items !== undefined) {
      for (const [i, item] of value.entries()) {
        prune(item, schema.items!, `${path}[${i}]`, schema.items!['x-kubernetes-embedded-resource'] === true, dropped);
      }
    }
    return dropped;
  }
  if (!isPlainObject(value)) return dropped;
  for (const key of Object.keys(value)) {
    const fieldPath = childPath(path, key);
    if (isResource && (key === 'apiVersion' || key === 'kind')) continue;
    if (isResource && key === 'metadata' && isPlainObject(value[key])) {
      pruneMetadata(value[key], fieldPath, dropped);
      continue;
    }
    const sub = propertySchema(schema, key);
    if (sub === undefined) {
      if (!keepsUnknown(schema)) {
        delete value[key];
        dropped.push(fieldPath);
      }
      continue;
    }
    if (value[key] === null && sub.nullable !== true) {
      delete value[key];
      continue;
    }
    prune(value[key], sub, fieldPath, sub['x-kubernetes-embedded-resource'] === true, dropped);
  }
  return dropped;
}

/** Applies `default`s where a property is missing, then recurses, as the apiserver's defaulting does. */
export function applyDefaults(value: unknown, schema: StructuralSchema): void {
  if (Array.isArray(value)) {
    if (schema.items !== undefined) for (const item of value) applyDefaults(item, schema.items);
    return;
  }
  if (!isPlainObject(value)) return;
  for (const [key, sub] of Object.entries(schema.properties ?? {})) {
    if (sub.default !== undefined && value[key] === undefined) value[key] = clone(sub.default);
  }
  for (const [key, item] of Object.entries(value)) {
    const sub = propertySchema(schema, key);
    if (sub !== undefined) applyDefaults(item, sub);
  }
}

function listTypeErrors(list: unknown[], schema: StructuralSchema, path: string): FieldError[] {
  const listType = schema['x-kubernetes-list-type'];
  const errors: FieldError[] = [];
  if (listType === 'set') {
    list.forEach((item, i) => {
      if (list.slice(0, i).some((earlier) => deepEqual(earlier, item))) errors.push(fieldErrors.duplicate(`${path}[${i}]`, item));
    });
  } else if (listType === 'map') {
    const keys = schema['x-kubernetes-list-map-keys'] ?? [];
    const seen = new Set<string>();
    list.forEach((item, i) => {
      if (!isPlainObject(item)) return;
      const keyValue = JSON.stringify(keys.map((k) => item[k] ?? null));
      if (seen.has(keyValue)) {
        errors.push({
          reason: 'FieldValueDuplicate',
          field: `${path}[${i}]`,
          message: `Duplicate value: ${JSON.stringify(Object.fromEntries(keys.map((k) => [k, item[k]])))}`,
        });
      }
      seen.add(keyValue);
    });
  }
  return errors;
}

/** Checks x-kubernetes-list-type uniqueness and embedded-resource requirements throughout the value. */
export function structuralErrors(value: unknown, schema: StructuralSchema, path = ''): FieldError[] {
  const errors: FieldError[] = [];
  if (Array.isArray(value)) {
    errors.push(...listTypeErrors(value, schema, path));
    if (schema.items !== undefined)
      for (const [i, item] of value.entries()) errors.push(...structuralErrors(item, schema.items!, `${path}[${i}]`));
    return errors;
  }
  if (!isPlainObject(value)) return errors;
  if (schema['x-kubernetes-embedded-resource'] === true) {
    for (const key of ['apiVersion', 'kind']) {
      if (typeof value[key] !== 'string' || value[key] === '') errors.push(fieldErrors.required(childPath(path, key)));
    }
  }
  for (const [key, item] of Object.entries(value)) {
    const sub = propertySchema(schema, key);
    if (sub !== undefined) errors.push(...structuralErrors(item, sub, childPath(path, key)));
  }
  return errors;
}

/**
 * Transition rules compare the new object with the one it replaces. CEL itself is not evaluated: only the
 * immutability rule `self == oldSelf` (the common case in operator CRDs) is enforced; other rules are ignored.
 */
export function transitionRuleErrors(value: unknown, old: unknown, schema: StructuralSchema, path = ''): FieldError[] {
  if (value === undefined || old === undefined) return [];
  const errors: FieldError[] = [];
  for (const rule of schema['x-kubernetes-validations'] ?? []) {
    if (rule.rule.replace(/\s+/g, '') === 'self==oldSelf' && !deepEqual(value, old)) {
      errors.push(fieldErrors.invalid(path, jsonTypeName(value), rule.message ?? 'failed rule: self == oldSelf'));
    }
  }
  if (isPlainObject(value) && isPlainObject(old)) {
    for (const [key, item] of Object.entries(value)) {
      const sub = propertySchema(schema, key);
      if (sub !== undefined) errors.push(...transitionRuleErrors(item, old[key], sub, childPath(path, key)));
    }
  }
  return errors;
}
