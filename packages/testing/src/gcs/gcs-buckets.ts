/** The GCS test server's state: buckets of live objects (one generation each), in memory. */
import { createHash } from 'node:crypto';
import type { Bucket } from '../shared/buckets.ts';
import { Buckets } from '../shared/buckets.ts';
import { crc32cBase64 } from '../shared/crc32c.ts';

export interface GcsObject {
  readonly bucket: string;
  readonly name: string;
  readonly body: Buffer;
  readonly contentType: string;
  readonly contentEncoding: string | undefined;
  /** Custom metadata (`metadata` in the JSON resource). */
  readonly metadata: Readonly<Record<string, string>>;
  /** Decimal strings, as the JSON API carries int64 values. */
  readonly generation: string;
  readonly metageneration: string;
  /** Base64 big-endian CRC-32C and base64 MD5, as in the JSON resource and `x-goog-hash`. */
  readonly crc32c: string;
  readonly md5Hash: string;
  readonly created: Date;
}

export type GcsBucket = Bucket<GcsObject>;

export type NewObject = Pick<GcsObject, 'bucket' | 'name' | 'body' | 'contentType' | 'contentEncoding' | 'metadata'>;

export class GcsBuckets extends Buckets<GcsObject> {
  #lastGeneration = 0;

  /** Stores a new generation of the object; the bucket must exist. */
  store(bucket: GcsBucket, fields: NewObject): GcsObject {
    // Generations are microsecond timestamps in GCS; strictly increasing here so every write differs.
    this.#lastGeneration = Math.max(this.#lastGeneration + 1, Date.now() * 1000);
    const object: GcsObject = {
      ...fields,
      generation: String(this.#lastGeneration),
      metageneration: '1',
      crc32c: crc32cBase64(fields.body),
      md5Hash: createHash('md5').update(fields.body).digest('base64'),
      created: new Date(),
    };
    bucket.objects.set(fields.name, object);
    return object;
  }
}
