export { crc32c, crc32cBase64 } from '../shared/crc32c.ts';
export type { GcsObject } from './gcs-buckets.ts';
export type { GcsOperation } from './gcs-operations.ts';
export { GCS_OPERATIONS } from './gcs-operations.ts';
export type { GcsServerOptions, GcsTestServer, RecordedGcsRequest } from './gcs-server.ts';
export { startGcsServer } from './gcs-server.ts';
