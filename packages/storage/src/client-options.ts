import { ConfigError } from '@tflyte/core';

/**
 * A client passed in is already configured, so options that would configure a new one would be silently
 * ignored beside it; refuse them instead, naming each one that is set.
 */
export function refuseOptionsBeside(field: string, clientName: string, options: object): void {
  const set = Object.entries(options)
    .filter(([, value]) => value !== undefined)
    .map(([name]) => name);
  if (set.length > 0) {
    throw new ConfigError(undefined, field, `cannot be combined with ${set.join(', ')}; set them on the ${clientName} you pass instead`);
  }
}
