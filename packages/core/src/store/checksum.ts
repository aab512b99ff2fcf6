import { hash } from 'node:crypto';

/**
 * sha256 over a row's fields in a fixed order. Strings, numbers and null are framed by JSON;
 * byte payloads are hashed raw after it, so the checksum covers the exact stored bytes.
 * One-shot `hash` rather than a Hash object: every row write and read computes one, and for rows
 * this small building the object cost more than hashing.
 */
export function rowChecksum(table: string, fields: readonly (string | number | null)[], blob?: Uint8Array): string {
  const framed = JSON.stringify([table, ...fields]);
  if (blob === undefined) return hash('sha256', framed);
  return hash('sha256', Buffer.concat([Buffer.from(framed), blob]));
}
