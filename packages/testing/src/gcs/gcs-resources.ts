/** JSON API resources (`storage#object`, `storage#bucket`) and responses as the service sends them. */
import type { GcsBucket, GcsObject } from './gcs-buckets.ts';

export interface GcsResponse {
  status: number;
  headers: Record<string, string>;
  body?: string | Buffer;
}

export function json(status: number, value: unknown): GcsResponse {
  return { status, headers: { 'content-type': 'application/json; charset=UTF-8' }, body: JSON.stringify(value) };
}

/** Derived from the generation and metageneration, so every write or metadata change gives a new etag. */
export function objectEtag(object: GcsObject): string {
  return Buffer.from(`${object.generation}/${object.metageneration}`).toString('base64');
}

export function objectResource(object: GcsObject, endpoint: string): Record<string, unknown> {
  const path = `b/${encodeURIComponent(object.bucket)}/o/${encodeURIComponent(object.name)}`;
  const time = object.created.toISOString();
  return {
    kind: 'storage#object',
    id: `${object.bucket}/${object.name}/${object.generation}`,
    selfLink: `${endpoint}/storage/v1/${path}`,
    mediaLink: `${endpoint}/download/storage/v1/${path}?generation=${object.generation}&alt=media`,
    name: object.name,
    bucket: object.bucket,
    generation: object.generation,
    metageneration: object.metageneration,
    contentType: object.contentType,
    ...(object.contentEncoding === undefined ? {} : { contentEncoding: object.contentEncoding }),
    storageClass: 'STANDARD',
    size: String(object.body.length),
    md5Hash: object.md5Hash,
    crc32c: object.crc32c,
    etag: objectEtag(object),
    timeCreated: time,
    updated: time,
    timeStorageClassUpdated: time,
    ...(Object.keys(object.metadata).length === 0 ? {} : { metadata: object.metadata }),
  };
}

export function bucketResource(bucket: GcsBucket, endpoint: string): Record<string, unknown> {
  const time = bucket.created.toISOString();
  return {
    kind: 'storage#bucket',
    id: bucket.name,
    selfLink: `${endpoint}/storage/v1/b/${encodeURIComponent(bucket.name)}`,
    projectNumber: '0',
    name: bucket.name,
    timeCreated: time,
    updated: time,
    metageneration: '1',
    location: 'US',
    locationType: 'multi-region',
    storageClass: 'STANDARD',
    etag: 'CAE=',
  };
}
