/**
 * Map keys, struct keys and input names are data. Plain assignment to `__proto__` sets the
 * object's prototype instead of adding the key, so a value keyed `__proto__` would vanish (and
 * `{"__proto__": 5, "a": 1}` would equal `{"a": 1}`). Defining the property keeps every key a key.
 */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** `record[key]` for own keys only: `constructor` or `toString` are not entries of a plain record. */
export function getOwn<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}
