/** A bound on work in flight: what the client puts on the wire, and what a backend builds for it. */

/** Runs at most `max` calls at once; a finishing call hands its slot to the longest waiter. */
export function concurrencyLimit(max: number): <T>(call: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async (call) => {
    if (active < max) active++;
    else await new Promise<void>((resolve) => waiting.push(resolve));
    try {
      return await call();
    } finally {
      const next = waiting.shift();
      if (next === undefined) active--;
      else next();
    }
  };
}
