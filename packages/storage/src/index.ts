export type { DirectoryTransferOptions } from './directories.ts';
export { getDirectory, putDirectory } from './directories.ts';
export type { GcsStoreOptions } from './gcs-store.ts';
export { gcsStore } from './gcs-store.ts';
export type { ListableObjectStore } from './listable-store.ts';
export type { S3StoreOptions } from './s3-store.ts';
export { s3Store } from './s3-store.ts';
