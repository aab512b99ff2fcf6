export type { SigV4Credentials } from '../shared/sigv4.ts';
export type { ChecksumAlgorithm } from './checksums.ts';
export type { S3Object } from './s3-buckets.ts';
export type { S3Operation } from './s3-operations.ts';
export { S3_OPERATIONS } from './s3-operations.ts';
export type { RecordedS3Request, S3ServerOptions, S3TestServer } from './s3-server.ts';
export { startS3Server } from './s3-server.ts';
