import { fromBinary, toBinary } from '@bufbuild/protobuf';
import { type LiteralMap, LiteralMapSchema } from '@tflyte/idl/core/literals';
import type { CancelledError } from '../errors.ts';
import { cacheKey } from './cache-key.ts';
import { outputMismatch } from './outputs.ts';
import { cancellation, type RunContext } from './run-context.ts';

// Aborting with a reason of our own avoids building a DOMException per call.
const HEARTBEAT_OVER = Symbol('heartbeat over');

export interface CacheSettings {
  /** A serialization lock whose owner stops heartbeating for this long may be taken over. */
  readonly lockTtlMs: number;
  /** How often a waiter checks whether the owner finished. */
  readonly waitPollMs: number;
  /** Computations of serializable keys running in this executor, so local waiters need no polling. */
  readonly inFlight: Map<string, { readonly owner: string; readonly done: Promise<unknown> }>;
  /** A lock owner id unique to one run. */
  readonly newOwner: () => string;
}

export interface Computed {
  readonly outputs: LiteralMap;
  /** Attempts used; 0 when the outputs came from the cache. */
  readonly attempts: number;
}

/**
 * Runs `compute` through the output cache when the task is discoverable. With cacheSerializable,
 * concurrent runs of the same key — in this process or another one sharing the store — compute it
 * once: one takes the store's lock (kept alive by heartbeats) and the others wait for its entry. A
 * waiter takes over a lock whose owner stopped heartbeating, and runs itself when the owner failed.
 */
export function withCache(ctx: RunContext, settings: CacheSettings, compute: (ctx: RunContext) => Promise<Computed>): Promise<Computed> {
  return ctx.template.metadata?.discoverable === true ? cached(ctx, settings, compute) : compute(ctx);
}

async function cached(ctx: RunContext, settings: CacheSettings, compute: (ctx: RunContext) => Promise<Computed>): Promise<Computed> {
  const metadata = ctx.template.metadata!;
  const key = cacheKey(ctx.template, ctx.inputs);

  const hit = lookup(ctx, key);
  if (hit !== undefined) return { outputs: hit, attempts: 0 };
  ctx.emit({ type: 'cache-miss', key });
  if (!metadata.cacheSerializable) return store(ctx, key, await compute(ctx));

  const owner = settings.newOwner();
  let announced = false;
  const waitFor = (holder: string): void => {
    if (!announced) ctx.emit({ type: 'cache-wait', key, owner: holder });
    announced = true;
  };
  for (;;) {
    if (ctx.signal?.aborted === true) throw cancelled(ctx);
    const local = settings.inFlight.get(key);
    if (local !== undefined) {
      waitFor(local.owner);
      await untilSettledOrAborted(local.done, ctx.signal);
    } else {
      const lock = ctx.store.acquireLock(key, owner, ctx.clock.now(), settings.lockTtlMs);
      if (lock.acquired) {
        if (lock.tookOverFrom !== undefined) ctx.emit({ type: 'cache-lock-taken-over', key, previousOwner: lock.tookOverFrom });
        break;
      }
      waitFor(lock.holder.owner);
      try {
        await ctx.clock.sleep(settings.waitPollMs, ctx.signal);
      } catch {
        throw cancelled(ctx);
      }
    }
    const done = lookup(ctx, key);
    if (done !== undefined) return { outputs: done, attempts: 0 };
  }

  // The owner may have finished between our lookup and taking the lock.
  const late = lookup(ctx, key);
  if (late !== undefined) {
    ctx.store.releaseLock(key, owner);
    return { outputs: late, attempts: 0 };
  }
  const running = ownAndCompute(ctx, settings, key, owner, compute);
  const entry = { owner, done: running };
  settings.inFlight.set(key, entry);
  try {
    return await running;
  } finally {
    if (settings.inFlight.get(key) === entry) settings.inFlight.delete(key);
  }
}

async function ownAndCompute(
  ctx: RunContext,
  settings: CacheSettings,
  key: string,
  owner: string,
  compute: (ctx: RunContext) => Promise<Computed>,
): Promise<Computed> {
  const stopHeartbeat = new AbortController();
  const heartbeat = (async () => {
    while (!stopHeartbeat.signal.aborted) {
      try {
        await ctx.clock.sleep(settings.lockTtlMs / 3, stopHeartbeat.signal);
      } catch {
        return;
      }
      // Losing the lock (we stalled past the TTL) is harmless: the entry is still written.
      if (!ctx.store.heartbeatLock(key, owner, ctx.clock.now(), settings.lockTtlMs)) return;
    }
  })();
  try {
    return store(ctx, key, await compute(ctx));
  } finally {
    stopHeartbeat.abort(HEARTBEAT_OVER);
    await heartbeat;
    ctx.store.releaseLock(key, owner);
  }
}

function lookup(ctx: RunContext, key: string): LiteralMap | undefined {
  const entry = ctx.store.getCacheEntry(key);
  if (entry === undefined) return undefined;
  let outputs: LiteralMap;
  try {
    outputs = fromBinary(LiteralMapSchema, entry.outputs);
  } catch {
    return undefined;
  }
  // An entry written before the task's outputs changed is a miss, not a wrong answer; it is replaced.
  if (outputMismatch(ctx.template, outputs) !== undefined) return undefined;
  ctx.emit({ type: 'cache-hit', key });
  return outputs;
}

function store(ctx: RunContext, key: string, computed: Computed): Computed {
  ctx.store.putCacheEntry({ key, taskName: ctx.task, outputs: toBinary(LiteralMapSchema, computed.outputs), createdAt: ctx.clock.now() });
  ctx.emit({ type: 'cache-write', key });
  return computed;
}

function cancelled(ctx: RunContext): CancelledError {
  return cancellation(ctx, undefined, 'while waiting for another run of the same cached task');
}

async function untilSettledOrAborted(promise: Promise<unknown>, signal: AbortSignal | undefined): Promise<void> {
  if (signal?.aborted === true) return;
  await new Promise<void>((resolve) => {
    const done = (): void => {
      signal?.removeEventListener('abort', done);
      resolve();
    };
    signal?.addEventListener('abort', done, { once: true });
    promise.then(done, done);
  });
}
