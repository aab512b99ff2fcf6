export { createFileStore, toLocalPath, writeLocalSync } from './file-store.ts';
export type { ObjectStore, PutOptions, Storage } from './object-store.ts';
export { createStorage, joinUri, uriScheme } from './object-store.ts';
