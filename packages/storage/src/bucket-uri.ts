import { StorageError } from '@tflyte/core';

/** An object's or a prefix's place in a bucket-based store. Keys are taken verbatim, not percent-decoded. */
export interface BucketLocation {
  bucket: string;
  key: string;
}

/** `<scheme>://bucket/key` → `{ bucket, key }`; throws naming the URI when it has no object key. */
export function parseObjectUri(uri: string, scheme: string): BucketLocation {
  const location = parseLocation(uri, scheme);
  if (location.key === '' || location.key.endsWith('/')) {
    throw new StorageError(uri, `names no object: expected ${scheme}://<bucket>/<key>, with a key that does not end in '/'`);
  }
  return location;
}

/** `<scheme>://bucket[/dir[/]]` → the bucket and a key prefix that is empty or ends in `/`. */
export function parsePrefixUri(uri: string, scheme: string): BucketLocation {
  const { bucket, key } = parseLocation(uri, scheme);
  return { bucket, key: key === '' || key.endsWith('/') ? key : `${key}/` };
}

export function formatUri(scheme: string, bucket: string, key: string): string {
  return `${scheme}://${bucket}/${key}`;
}

function parseLocation(uri: string, scheme: string): BucketLocation {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/]*)(?:\/(.*))?$/s.exec(uri);
  if (m === null || m[1]?.toLowerCase() !== scheme) throw new StorageError(uri, `is not a ${scheme}:// URI`);
  const bucket = m[2] ?? '';
  if (bucket === '') throw new StorageError(uri, `names no bucket: expected ${scheme}://<bucket>/<key>`);
  return { bucket, key: m[3] ?? '' };
}
