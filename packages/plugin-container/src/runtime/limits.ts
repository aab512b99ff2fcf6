/** Kubernetes resource quantities (`500m`, `2`, `1.5Gi`, `1e3`) converted to the runtime's flags. */
import { parseQuantity } from '@tflyte/core';
import { ContainerSpecError } from './errors.ts';

function parsePositiveQuantity(field: string, text: string): number {
  const value = parseQuantity(text);
  if (value !== undefined && value > 0 && Number.isFinite(value)) return value;
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
