/** The GCS test server's state: buckets of live objects (one generation each), in memory. */
import { createHash } from 'node:crypto';
import { compareKeys } from '../s3/list-objects.ts';
import { crc32cBase64 } from './crc32c.ts';

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

export interface GcsBucket {
  readonly name: string;
  readonly created: Date;
  readonly objects: Map<string, GcsObject>;
}

export type NewObject = Pick<GcsObject, 'bucket' | 'name' | 'body' | 'contentType' | 'contentEncoding' | 'metadata'>;

export class GcsBuckets {
  readonly #buckets = new Map<string, GcsBucket>();
  #lastGeneration = 0;

  /** False when the bucket already exists. */
  create(name: string): boolean {
    if (this.#buckets.has(name)) return false;
    this.#buckets.set(name, { name, created: new Date(), objects: new Map() });
    return true;
  }

  get(name: string): GcsBucket | undefined {
    return this.#buckets.get(name);
  }

  delete(name: string): 'deleted' | 'missing' | 'not-empty' {
    const bucket = this.#buckets.get(name);
    if (bucket === undefined) return 'missing';
    if (bucket.objects.size > 0) return 'not-empty';
    this.#buckets.delete(name);
    return 'deleted';
  }

  list(): GcsBucket[] {
    return [...this.#buckets.values()].sort((a, b) => compareKeys(a.name, b.name));
  }

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
