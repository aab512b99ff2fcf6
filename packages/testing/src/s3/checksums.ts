/**
 * The flexible checksums S3 accepts as `x-amz-checksum-<algorithm>` (header or aws-chunked trailer):
 * base64 of the big-endian digest.
 */
import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { crc32cBase64 } from '../shared/crc32c.ts';

export const CHECKSUM_ALGORITHMS = ['crc32', 'crc32c', 'crc64nvme', 'sha1', 'sha256'] as const;
export type ChecksumAlgorithm = (typeof CHECKSUM_ALGORITHMS)[number];

export function checksumBase64(algorithm: ChecksumAlgorithm, data: Uint8Array): string {
  switch (algorithm) {
    case 'crc32': {
      const out = Buffer.alloc(4);
      out.writeUInt32BE(crc32(data));
      return out.toString('base64');
    }
    case 'crc32c':
      return crc32cBase64(data);
    case 'crc64nvme': {
      const out = Buffer.alloc(8);
      out.writeBigUInt64BE(crc64nvme(data));
      return out.toString('base64');
    }
    case 'sha1':
    case 'sha256':
      return createHash(algorithm).update(data).digest('base64');
  }
}

const CRC64_MASK = 0xffffffffffffffffn;
const CRC64_TABLE = (() => {
  const table: bigint[] = [];
  for (let i = 0; i < 256; i++) {
    let c = BigInt(i);
    for (let k = 0; k < 8; k++) c = c & 1n ? 0x9a6c9329ac4bc9b5n ^ (c >> 1n) : c >> 1n;
    table.push(c);
  }
  return table;
})();

function crc64nvme(data: Uint8Array): bigint {
  let crc = CRC64_MASK;
  for (const byte of data) crc = (CRC64_TABLE[Number((crc ^ BigInt(byte)) & 0xffn)] ?? 0n) ^ (crc >> 8n);
  return crc ^ CRC64_MASK;
}
