/**
 * Objects as JSON, the way they travel over the wire (timestamps are RFC 3339 strings). The typed
 * client turns some kinds into classes with Date fields; everything this package keeps or compares
 * goes through `toPlain` first, so watch events, lists and reads have one shape.
 */

export interface ObjectMeta {
  name?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  [field: string]: unknown;
}

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
  [field: string]: unknown;
}

/** A deep copy with Dates as ISO strings and class instances as plain objects. */
export function toPlain<T>(value: unknown): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/**
 * Orders two resourceVersions when both are etcd revisions (decimal integers, as every apiserver
 * writes them); undefined when either is opaque, so callers fall back to asking the server.
 */
export function compareResourceVersions(a: string | undefined, b: string | undefined): number | undefined {
  if (a === undefined || b === undefined || !/^\d+$/.test(a) || !/^\d+$/.test(b)) return undefined;
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}
