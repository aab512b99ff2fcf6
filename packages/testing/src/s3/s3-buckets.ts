/** The S3 test server's state: buckets of objects, in memory. */
import type { ChecksumAlgorithm } from './checksums.ts';
import { compareKeys } from './list-objects.ts';

export interface S3Object {
  readonly body: Buffer;
  readonly contentType: string;
  readonly contentEncoding: string | undefined;
  /** Quoted MD5 hex, as S3 sends it. */
  readonly etag: string;
  readonly lastModified: Date;
  /** User metadata (`x-amz-meta-*`), names without the prefix. */
  readonly metadata: Readonly<Record<string, string>>;
  /** The flexible checksum the object was uploaded with, if any. */
  readonly checksum: { readonly algorithm: ChecksumAlgorithm; readonly value: string } | undefined;
}

export interface S3Bucket {
  readonly name: string;
  readonly created: Date;
  readonly objects: Map<string, S3Object>;
}

export class S3Buckets {
  readonly #buckets = new Map<string, S3Bucket>();

  /** False when the bucket already exists. */
  create(name: string): boolean {
    if (this.#buckets.has(name)) return false;
    this.#buckets.set(name, { name, created: new Date(), objects: new Map() });
    return true;
  }

  get(name: string): S3Bucket | undefined {
    return this.#buckets.get(name);
  }

  delete(name: string): 'deleted' | 'missing' | 'not-empty' {
    const bucket = this.#buckets.get(name);
    if (bucket === undefined) return 'missing';
    if (bucket.objects.size > 0) return 'not-empty';
    this.#buckets.delete(name);
    return 'deleted';
  }

  /** All buckets, by name. */
  list(): S3Bucket[] {
    return [...this.#buckets.values()].sort((a, b) => compareKeys(a.name, b.name));
  }
}
