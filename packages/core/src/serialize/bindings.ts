/** Workflow bindings: literals as BindingData, and which output types may bind to which inputs. */
import { create } from '@bufbuild/protobuf';
import {
  type BindingData,
  BindingDataCollectionSchema,
  BindingDataMapSchema,
  BindingDataSchema,
  type Literal,
} from '@tflyte/idl/core/literals';
import { type LiteralType, SimpleType } from '@tflyte/idl/core/types';
import { TflyteError } from '../errors.ts';
import { literalTypeEquals } from '../types/literal-type-equals.ts';

/** Propeller's castability, as far as tflyte's types go: the same shape, or into a union holding it. */
export function castable(source: LiteralType, target: LiteralType): boolean {
  if (literalTypeEquals(source, target)) return true;
  if (target.type.case === 'unionType') {
    if (source.type.case === 'simple' && source.type.value === SimpleType.NONE)
      return target.type.value.variants.some((v) => v.type.case === 'simple' && v.type.value === SimpleType.NONE);
    return target.type.value.variants.some((v) => castable(source, v));
  }
  if (source.type.case === 'collectionType' && target.type.case === 'collectionType') return castable(source.type.value, target.type.value);
  if (source.type.case === 'mapValueType' && target.type.case === 'mapValueType') return castable(source.type.value, target.type.value);
  return false;
}

export function literalBinding(literal: Literal): BindingData {
  switch (literal.value.case) {
    case 'scalar':
      return create(BindingDataSchema, { value: { case: 'scalar', value: literal.value.value } });
    case 'collection':
      return create(BindingDataSchema, {
        value: {
          case: 'collection',
          value: create(BindingDataCollectionSchema, { bindings: literal.value.value.literals.map(literalBinding) }),
        },
      });
    case 'map':
      return create(BindingDataSchema, {
        value: {
          case: 'map',
          value: create(BindingDataMapSchema, {
            bindings: Object.fromEntries(Object.entries(literal.value.value.literals).map(([k, v]) => [k, literalBinding(v)])),
          }),
        },
      });
    default:
      throw new TflyteError('TFLYTE_INVALID_OPTION', `a ${literal.value.case ?? 'empty'} literal cannot be a workflow binding`);
  }
}
