/**
 * Flyte's generated names (`FixedLengthUniqueIDForParts`): parts joined with `-`; when longer than
 * the limit, `"f" + base32(fnv32a(joined))` with the alphabet `abcdefghijklmnopqrstuvwxyz123456`
 * and no padding (8 characters).
 */

const GENERATED_NAME_MAX_LENGTH = 50;
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz123456';
const DNS_1123_LABEL = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

/** 32-bit FNV-1a over UTF-8 bytes. */
function fnv32a(text: string): number {
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

/** RFC 4648 base32 of bytes with Flyte's lower-case alphabet and no padding. */
export function base32(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += ALPHABET[(buffer << (5 - bits)) & 31];
  return out;
}

export function fixedLengthUniqueId(id: string, maxLength: number = GENERATED_NAME_MAX_LENGTH): string {
  if (id.length <= maxLength) return id;
  const hash = fnv32a(id);
  return `f${base32(new Uint8Array([hash >>> 24, (hash >>> 16) & 0xff, (hash >>> 8) & 0xff, hash & 0xff]))}`;
}

/**
 * Lower-cases and replaces what a DNS-1123 label may not contain, so run and node ids chosen by
 * users still make valid Kubernetes names.
 */
export function toDns1123(part: string): string {
  // Ids the executor makes (`r…`, `n0`, `n3-17`) are labels already.
  if (DNS_1123_LABEL.test(part)) return part;
  const cleaned = part
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-+|-+$/g, '');
  return cleaned === '' ? 'x' : cleaned;
}

/** `<runId>-<nodeId>-<attempt>`, DNS-1123 safe and at most `maxLength` characters. */
export function generatedName(runId: string, nodeId: string, attempt: number, maxLength: number = GENERATED_NAME_MAX_LENGTH): string {
  return fixedLengthUniqueId(`${toDns1123(runId)}-${toDns1123(nodeId)}-${attempt}`, maxLength);
}
