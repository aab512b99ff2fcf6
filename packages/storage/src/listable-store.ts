import type { ObjectStore } from '@tflyte/core';

/** An object store that can also enumerate a prefix, which whole-directory downloads need. */
export interface ListableObjectStore extends ObjectStore {
  /**
   * URIs of every object under a directory prefix, recursively, in key order. The prefix is a directory:
   * `s3://b/run/out` lists `s3://b/run/out/…`, never `s3://b/run/out2/…`.
   */
  list(prefixUri: string): Promise<string[]>;
}
