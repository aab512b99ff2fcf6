/**
 * Offloaded literals: propeller stores a literal larger than its offloading threshold as its own
 * object and passes `Literal{offloadedMetadata{uri, sizeBytes, inferredType}}` in its place. flytekit
 * downloads and unwraps it before conversion; so does tflyte, at any depth of a collection or map.
 */
import { create, fromBinary } from '@bufbuild/protobuf';
import { type Literal, LiteralCollectionSchema, type LiteralMap, LiteralMapSchema, LiteralSchema } from '@tflyte/idl/core/literals';
import { StorageError } from '../errors.ts';

export type ReadObject = (uri: string) => Promise<Uint8Array | undefined>;

/** `map` with every offloaded literal replaced by the literal stored at its URI (itself resolved). */
export async function resolveOffloadedLiterals(map: LiteralMap, read: ReadObject): Promise<LiteralMap> {
  const entries = await Promise.all(
    Object.entries(map.literals).map(async ([name, literal]) => [name, await resolveLiteral(literal, read)] as const),
  );
  return create(LiteralMapSchema, { literals: Object.fromEntries(entries) });
}

async function resolveLiteral(literal: Literal, read: ReadObject): Promise<Literal> {
  switch (literal.value.case) {
    case 'offloadedMetadata': {
      const { uri } = literal.value.value;
      const bytes = await read(uri);
      if (bytes === undefined)
        throw new StorageError(uri, 'the offloaded literal is not there; propeller wrote it when it offloaded this input');
      return resolveLiteral(fromBinary(LiteralSchema, bytes), read);
    }
    case 'collection': {
      const literals = await Promise.all(literal.value.value.literals.map((l) => resolveLiteral(l, read)));
      return create(LiteralSchema, { ...literal, value: { case: 'collection', value: create(LiteralCollectionSchema, { literals }) } });
    }
    case 'map':
      return create(LiteralSchema, {
        ...literal,
        value: { case: 'map', value: await resolveOffloadedLiterals(literal.value.value, read) },
      });
    default:
      return literal;
  }
}
