import { ContainerSpecError } from './errors.ts';

/**
 * Kubernetes resource quantities (`500m`, `2`, `1.5Gi`, `1e3`) converted to the runtime's flags.
 * TODO(core): reuse parseQuantity from @tflyte/core once it is exported from the package index.
 */
const QUANTITY = /^(\d+(?:\.\d*)?|\.\d+)(?:(Ki|Mi|Gi|Ti|Pi|Ei)|([numkMGTPE])|([eE][+-]?\d+))?$/;
const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL: Record<string, number> = { n: 1e-9, u: 1e-6, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };

function parsePositiveQuantity(field: string, text: string): number {
  const match = QUANTITY.exec(text);
  if (match) {
    const [, digits, binary, decimal, exponent] = match;
    let value = Number(digits);
    if (binary) value *= BINARY[binary] ?? 1;
    else if (decimal) value *= DECIMAL[decimal] ?? 1;
    else if (exponent) value *= 10 ** Number(exponent.slice(1));
    if (value > 0 && Number.isFinite(value)) return value;
  }
  throw new ContainerSpecError(field, `must be a positive Kubernetes quantity such as '500m', '2' or '256Mi', got ${JSON.stringify(text)}`);
}

/** `--cpus` value: CPU cores with millicore precision, e.g. '500m' → '0.5'. */
export function cpusFlag(quantity: string): string {
  const millicores = Math.ceil(parsePositiveQuantity('limits.cpu', quantity) * 1000 - 1e-9);
  return String(millicores / 1000);
}

/** `--memory` value in bytes, e.g. '256Mi' → '268435456b'; fractional bytes round up like the kubelet does. */
export function memoryFlag(quantity: string): string {
  return `${Math.ceil(parsePositiveQuantity('limits.memory', quantity) - 1e-9)}b`;
}
