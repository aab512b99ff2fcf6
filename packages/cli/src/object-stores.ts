/**
 * The object stores the container entrypoint reads inputs from and writes outputs to: file://
 * always, s3:// and gs:// through the official SDKs (configured the SDKs' own way: AWS_REGION,
 * AWS_ENDPOINT_URL_S3, credentials chains, STORAGE_EMULATOR_HOST). The cloud SDKs load on first use,
 * so a file:// run does not pay for them, and @tflyte/storage is an optional peer of the CLI: a
 * project that never touches s3:// or gs:// need not install it.
 */
import { createFileStore, createStorage, type ObjectStore, type Storage, TflyteError } from '@tflyte/core';

/** An s3:// or gs:// URI was used, and @tflyte/storage (which reads them) is not installed. */
export class StorageNotInstalledError extends TflyteError {
  readonly scheme: string;
  constructor(scheme: string, specifier: string, options?: { cause?: unknown }) {
    super(
      'CLI_STORAGE_NOT_INSTALLED',
      `${scheme}:// URIs are read and written by ${specifier}, which is not installed: install ${specifier} ` +
        `(npm install ${specifier}) in the project that runs tflyte`,
      options,
    );
    this.scheme = scheme;
  }
}

type StorageModule = typeof import('@tflyte/storage');

export interface EntrypointStorageOptions {
  /** Where the cloud stores come from; another specifier only in this module's own test. */
  readonly storageModule?: string;
}

function lazyStore(schemes: readonly string[], load: () => Promise<ObjectStore>): ObjectStore {
  let store: Promise<ObjectStore> | undefined;
  const get = () => (store ??= load());
  return {
    schemes,
    get: async (uri) => (await get()).get(uri),
    put: async (uri, bytes) => (await get()).put(uri, bytes),
  };
}

export function entrypointStorage(options: EntrypointStorageOptions = {}): Storage {
  const specifier = options.storageModule ?? '@tflyte/storage';
  const load = async (scheme: string): Promise<StorageModule> => {
    try {
      return (await import(specifier)) as StorageModule;
    } catch (error) {
      // Only the package itself missing: a module missing inside it is its own error to report.
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ERR_MODULE_NOT_FOUND' && (error as Error).message.includes(`'${specifier}'`))
        throw new StorageNotInstalledError(scheme, specifier, { cause: error });
      throw error;
    }
  };
  return createStorage([
    createFileStore(),
    lazyStore(['s3'], async () => (await load('s3')).s3Store()),
    lazyStore(['gs'], async () => (await load('gs')).gcsStore()),
  ]);
}
