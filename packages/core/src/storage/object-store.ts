import { StorageError } from '../errors.ts';

/**
 * One object-store implementation, for the URI schemes it lists (`file`, later `s3`, `gs`).
 * The executor only moves whole small protobuf documents (inputs.pb, outputs.pb, error.pb).
 */
export interface ObjectStore {
  /** Lower-case schemes without `://`, e.g. `['file']`. */
  readonly schemes: readonly string[];
  /** The object's bytes, or undefined when it does not exist. */
  get(uri: string): Promise<Uint8Array | undefined>;
  /** Writes the whole object, replacing any previous one; readers never see a partial object. */
  put(uri: string, bytes: Uint8Array, options?: PutOptions): Promise<void>;
}

export interface PutOptions {
  /** The object's media type where the store keeps one (a browser shows `text/html` instead of downloading it). */
  readonly contentType?: string;
}

/** The object stores of one executor, routed by URI scheme; plain paths go to `file`. */
export interface Storage {
  get(uri: string): Promise<Uint8Array | undefined>;
  put(uri: string, bytes: Uint8Array, options?: PutOptions): Promise<void>;
  /** True when some store handles this URI's scheme. */
  supports(uri: string): boolean;
}

/** `s3` for `s3://bucket/key`, `file` for `file:///x` and for plain paths. */
export function uriScheme(uri: string): string {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(uri);
  return m === null ? 'file' : (m[1] ?? 'file').toLowerCase();
}

/** Appends path segments to a prefix (URI or path) with single slashes. */
export function joinUri(prefix: string, ...segments: string[]): string {
  return [prefix.replace(/\/+$/, ''), ...segments.map((s) => s.replace(/^\/+|\/+$/g, ''))].join('/');
}

export function createStorage(stores: readonly ObjectStore[]): Storage {
  const byScheme = new Map<string, ObjectStore>();
  // Later stores win, so a config can replace the built-in file store.
  for (const store of stores) for (const scheme of store.schemes) byScheme.set(scheme.toLowerCase(), store);
  const route = (uri: string): ObjectStore => {
    const scheme = uriScheme(uri);
    const store = byScheme.get(scheme);
    if (store === undefined) {
      const known = [...byScheme.keys()].map((s) => `${s}://`).join(', ');
      throw new StorageError(
        uri,
        `no object store for '${scheme}://' URIs (available: ${known}); add one to \`storage.stores\` in tflyte.config.ts`,
      );
    }
    return store;
  };
  return {
    get: async (uri) => route(uri).get(uri),
    put: async (uri, bytes, options) => route(uri).put(uri, bytes, options),
    supports: (uri) => byScheme.has(uriScheme(uri)),
  };
}
