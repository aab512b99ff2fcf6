/**
 * The object stores the container entrypoint reads inputs from and writes outputs to: file://
 * always, s3:// and gs:// through the official SDKs (configured the SDKs' own way: AWS_REGION,
 * AWS_ENDPOINT_URL_S3, credentials chains, STORAGE_EMULATOR_HOST). The cloud SDKs load on first use,
 * so a file:// run does not pay for them.
 */
import { createFileStore, createStorage, type ObjectStore, type Storage } from '@tflyte/core';

function lazyStore(schemes: readonly string[], load: () => Promise<ObjectStore>): ObjectStore {
  let store: Promise<ObjectStore> | undefined;
  const get = () => (store ??= load());
  return {
    schemes,
    get: async (uri) => (await get()).get(uri),
    put: async (uri, bytes) => (await get()).put(uri, bytes),
  };
}

export function entrypointStorage(): Storage {
  return createStorage([
    createFileStore(),
    lazyStore(['s3'], async () => (await import('@tflyte/storage')).s3Store()),
    lazyStore(['gs'], async () => (await import('@tflyte/storage')).gcsStore()),
  ]);
}
