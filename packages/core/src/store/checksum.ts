import { createHash } from 'node:crypto';

/**
 * sha256 over a row's fields in a fixed order. Strings, numbers and null are framed by JSON;
 * byte payloads are hashed raw after it, so the checksum covers the exact stored bytes.
 */
export function rowChecksum(table: string, fields: readonly (string | number | null)[], blob?: Uint8Array): string {
  const hash = createHash('sha256').update(JSON.stringify([table, ...fields]));
  if (blob !== undefined) hash.update(blob);
  return hash.digest('hex');
}
