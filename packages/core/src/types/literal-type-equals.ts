import type { LiteralType } from '@tflyte/idl/core/types';

/**
 * Whether two LiteralTypes have the same shape. Like Flyte's compiler it ignores `metadata`,
 * `annotation` and `structure` (union tags, dataclass field types), here at every depth.
 */
export function literalTypeEquals(a: LiteralType, b: LiteralType): boolean {
  const x = a.type;
  const y = b.type;
  switch (x.case) {
    case undefined:
      return y.case === undefined;
    case 'simple':
      return y.case === 'simple' && x.value === y.value;
    case 'collectionType':
      return y.case === 'collectionType' && literalTypeEquals(x.value, y.value);
    case 'mapValueType':
      return y.case === 'mapValueType' && literalTypeEquals(x.value, y.value);
    case 'blob':
      return y.case === 'blob' && x.value.format === y.value.format && x.value.dimensionality === y.value.dimensionality;
    case 'enumType':
      return y.case === 'enumType' && arrayEquals(x.value.values, y.value.values, (p, q) => p === q);
    case 'unionType':
      return y.case === 'unionType' && arrayEquals(x.value.variants, y.value.variants, literalTypeEquals);
    case 'schema':
      return y.case === 'schema' && arrayEquals(x.value.columns, y.value.columns, (p, q) => p.name === q.name && p.type === q.type);
    case 'structuredDatasetType': {
      if (y.case !== 'structuredDatasetType') return false;
      const [p, q] = [x.value, y.value];
      return (
        p.format === q.format &&
        p.externalSchemaType === q.externalSchemaType &&
        arrayEquals([...p.externalSchemaBytes], [...q.externalSchemaBytes], (m, n) => m === n) &&
        arrayEquals(p.columns, q.columns, (m, n) => m.name === n.name && optionalEquals(m.literalType, n.literalType))
      );
    }
  }
}

function optionalEquals(a: LiteralType | undefined, b: LiteralType | undefined): boolean {
  return a === undefined || b === undefined ? a === b : literalTypeEquals(a, b);
}

function arrayEquals<T>(a: readonly T[], b: readonly T[], eq: (p: T, q: T) => boolean): boolean {
  return a.length === b.length && a.every((item, i) => eq(item, b[i] as T));
}
