/** Named values (task inputs, outputs) to and from a flyteidl LiteralMap. */
import { create } from '@bufbuild/protobuf';
import type { Literal, LiteralMap } from '@tflyte/idl/core/literals';
import { LiteralMapSchema } from '@tflyte/idl/core/literals';
import { TypeMismatchError } from '../errors.ts';
import type { TypeRecord } from './flyte-type.ts';
import { setOwn } from './own-key.ts';
import { fieldPath } from './path.ts';
import { UnknownFieldError } from './type-errors.ts';

/**
 * Converts every declared field; an omitted field takes its type's default, and a key that `types`
 * does not declare is an error (a likely typo). Errors name the field, prefixed by `path`.
 */
export function toLiteralMap(types: TypeRecord, values: Readonly<Record<string, unknown>>, path = ''): LiteralMap {
  const declared = Object.keys(types);
  for (const key of Object.keys(values)) {
    if (!Object.hasOwn(types, key) && values[key] !== undefined) throw new UnknownFieldError(fieldPath(path, key), declared);
  }
  const literals: Record<string, Literal> = {};
  for (const [name, type] of Object.entries(types)) {
    const given = Object.hasOwn(values, name) ? values[name] : undefined;
    const value = given === undefined && type.defaultValue !== undefined ? type.defaultValue.value : given;
    if (value === undefined) throw new TypeMismatchError(fieldPath(path, name), `${type.display} (the field is required)`, 'undefined');
    setOwn(literals, name, type.toLiteral(value, fieldPath(path, name)));
  }
  return create(LiteralMapSchema, { literals });
}

/**
 * Reads every declared field; a missing literal takes the type's default. Literals the types do
 * not declare are ignored, so newer producers with extra outputs stay readable.
 */
export function fromLiteralMap(types: TypeRecord, map: LiteralMap, path = ''): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, type] of Object.entries(types)) {
    const literal = Object.hasOwn(map.literals, name) ? map.literals[name] : undefined;
    if (literal === undefined) {
      if (type.defaultValue === undefined)
        throw new TypeMismatchError(fieldPath(path, name), `${type.display} (the field is required)`, 'no literal');
      setOwn(out, name, type.defaultValue.value);
      continue;
    }
    setOwn(out, name, type.fromLiteral(literal, fieldPath(path, name)));
  }
  return out;
}
