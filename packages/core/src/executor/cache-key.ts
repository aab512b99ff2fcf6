import { createHash } from 'node:crypto';
import { clone, create, type DescMessage, type MessageShape, toBinary } from '@bufbuild/protobuf';
import { type Literal, LiteralCollectionSchema, type LiteralMap, LiteralMapSchema, LiteralSchema } from '@tflyte/idl/core/literals';
import type { TaskTemplate } from '@tflyte/idl/core/tasks';
import { setOwn } from '../types/own-key.ts';

/**
 * The local cache key, as flytekit's local cache builds it:
 * `<task name>-<discovery version>-<sha256 of the deterministic input LiteralMap bytes>`, after
 * dropping `cacheIgnoreInputVars` and replacing every literal that carries a `hash` with
 * `Literal{hash}` (so large inputs are keyed by their declared hash, not their bytes).
 */
export function cacheKey(template: TaskTemplate, inputs: LiteralMap): string {
  const ignored = new Set(template.metadata?.cacheIgnoreInputVars ?? []);
  const kept: Record<string, Literal> = {};
  for (const [name, literal] of Object.entries(inputs.literals)) {
    if (!ignored.has(name)) setOwn(kept, name, placeHashes(literal));
  }
  const digest = createHash('sha256')
    .update(deterministicBytes(LiteralMapSchema, create(LiteralMapSchema, { literals: kept })))
    .digest('hex');
  return `${template.id?.name ?? template.type}-${template.metadata?.discoveryVersion ?? ''}-${digest}`;
}

function placeHashes(literal: Literal): Literal {
  switch (literal.value.case) {
    case 'collection':
      return create(LiteralSchema, {
        value: { case: 'collection', value: create(LiteralCollectionSchema, { literals: literal.value.value.literals.map(placeHashes) }) },
      });
    case 'map': {
      const literals: Record<string, Literal> = {};
      for (const [key, value] of Object.entries(literal.value.value.literals)) setOwn(literals, key, placeHashes(value));
      return create(LiteralSchema, { value: { case: 'map', value: create(LiteralMapSchema, { literals }) } });
    }
    default:
      return literal.hash !== '' ? create(LiteralSchema, { hash: literal.hash }) : literal;
  }
}

/**
 * protobuf-es writes map entries in object-key order, so equal messages built in a different order
 * would serialize differently. This writes a copy whose maps (and Struct keys) are sorted.
 */
function deterministicBytes<Desc extends DescMessage>(schema: Desc, message: MessageShape<Desc>): Uint8Array {
  const copy = clone(schema, message);
  sortMessage(schema, copy as unknown as Record<string, unknown>);
  return toBinary(schema, copy);
}

function sortMessage(desc: DescMessage, message: Record<string, unknown>): void {
  for (const field of desc.fields) {
    let holder = message;
    let key: string = field.localName;
    if (field.oneof !== undefined) {
      const oneof = message[field.oneof.localName] as { case: string | undefined; value?: unknown };
      if (oneof.case !== field.localName) continue;
      holder = oneof as Record<string, unknown>;
      key = 'value';
    }
    const value = holder[key];
    if (value === undefined || value === null) continue;
    if (field.fieldKind === 'message') holder[key] = sortValue(field.message, value);
    else if (field.fieldKind === 'list' && field.listKind === 'message')
      holder[key] = (value as unknown[]).map((item) => sortValue(field.message, item));
    else if (field.fieldKind === 'map') {
      const sorted: Record<string, unknown> = {};
      for (const k of Object.keys(value as object).sort()) {
        const item = (value as Record<string, unknown>)[k];
        setOwn(sorted, k, field.mapKind === 'message' ? sortValue(field.message, item) : item);
      }
      holder[key] = sorted;
    }
  }
}

function sortValue(desc: DescMessage, value: unknown): unknown {
  if (typeof value === 'object' && value !== null && '$typeName' in value) {
    sortMessage(desc, value as Record<string, unknown>);
    return value;
  }
  // Well-known types protobuf-es unboxes: Struct and Value appear as plain JSON.
  return sortJson(value);
}

function sortJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortJson);
  if (typeof value !== 'object' || value === null) return value;
  const sorted: Record<string, unknown> = {};
  for (const k of Object.keys(value).sort()) setOwn(sorted, k, sortJson((value as Record<string, unknown>)[k]));
  return sorted;
}
