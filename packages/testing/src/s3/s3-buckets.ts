/** The S3 test server's state: buckets of objects, in memory. */
import type { Bucket, Buckets } from '../shared/buckets.ts';
import type { ChecksumAlgorithm } from './checksums.ts';

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

export type S3Bucket = Bucket<S3Object>;
export type S3Buckets = Buckets<S3Object>;
