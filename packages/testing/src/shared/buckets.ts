/** The in-memory bucket registry both object-store test servers keep; each adds its own object type. */
import { compareKeys } from './list-objects.ts';

export interface Bucket<O> {
  readonly name: string;
  readonly created: Date;
  readonly objects: Map<string, O>;
}

export class Buckets<O> {
  readonly #buckets = new Map<string, Bucket<O>>();

  /** False when the bucket already exists. */
  create(name: string): boolean {
    if (this.#buckets.has(name)) return false;
    this.#buckets.set(name, { name, created: new Date(), objects: new Map() });
    return true;
  }

  get(name: string): Bucket<O> | undefined {
    return this.#buckets.get(name);
  }

  delete(name: string): 'deleted' | 'missing' | 'not-empty' {
    const bucket = this.#buckets.get(name);
    if (bucket === undefined) return 'missing';
    if (bucket.objects.size > 0) return 'not-empty';
    this.#buckets.delete(name);
    return 'deleted';
  }

  /** Object keys of a bucket in listing order; empty for a missing bucket. */
  keys(name: string): string[] {
    const objects = this.#buckets.get(name)?.objects;
    return objects === undefined ? [] : [...objects.keys()].sort(compareKeys);
  }

  /** All buckets, by name. */
  list(): Bucket<O>[] {
    return [...this.#buckets.values()].sort((a, b) => compareKeys(a.name, b.name));
  }
}
