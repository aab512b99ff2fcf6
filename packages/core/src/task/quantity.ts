/**
 * Kubernetes resource quantities (`500m`, `2`, `1.5Gi`, `1e3`), validated the way the API server
 * parses them so a bad value fails when the task is defined, not when the pod is admitted.
 */

const QUANTITY = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(?:(Ki|Mi|Gi|Ti|Pi|Ei)|([numkMGTPE])|([eE][+-]?\d+))?$/;

const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL: Record<string, number> = { n: 1e-9, u: 1e-6, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };

/** The numeric value of a quantity in base units, or undefined when it is not a valid quantity. */
export function parseQuantity(text: string): number | undefined {
  const match = QUANTITY.exec(text);
  if (!match) return undefined;
  const [, sign, digits, binary, decimal, exponent] = match;
  let value = Number(digits);
  if (binary) value *= BINARY[binary] ?? 1;
  else if (decimal) value *= DECIMAL[decimal] ?? 1;
  else if (exponent) value *= 10 ** Number(exponent.slice(1));
  return sign === '-' ? -value : value;
}

/** Normalizes a user value (`2`, `0.5`, `'500m'`) to a quantity string, or undefined when invalid or negative. */
export function toQuantity(value: unknown): string | undefined {
  const text = typeof value === 'number' && Number.isFinite(value) ? String(value) : value;
  if (typeof text !== 'string') return undefined;
  const parsed = parseQuantity(text);
  return parsed === undefined || parsed < 0 ? undefined : text;
}
