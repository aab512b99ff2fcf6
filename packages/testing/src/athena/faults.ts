/**
 * Fault injection for the Athena test server: scripted sequences and seeded random rates of throttling,
 * internal errors and dropped connections, per operation. The same seed and the same request order
 * give the same faults.
 */
import { TflyteError } from '@tflyte/core';

export const ATHENA_OPERATIONS = ['StartQueryExecution', 'GetQueryExecution', 'GetQueryResults', 'StopQueryExecution'] as const;
export type AthenaOperation = (typeof ATHENA_OPERATIONS)[number];

/**
 * - `too-many-requests`: Athena's own throttle, `TooManyRequestsException` (HTTP 400).
 * - `throttling`: the AWS-wide rate limit, `ThrottlingException` (HTTP 400, "Rate exceeded").
 * - `internal-error`: `InternalServerException` (HTTP 500).
 * - `connection-reset`: the socket is destroyed before the request is handled (nothing happens).
 * - `connection-reset-after`: the request is handled, then the socket is destroyed instead of
 *   answering: the caller cannot know it worked (this is what ClientRequestToken exists for).
 */
export const FAULT_KINDS = ['too-many-requests', 'throttling', 'internal-error', 'connection-reset', 'connection-reset-after'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** Injects `kind` on requests to `ops` (all operations when omitted) with the given probability. */
export interface FaultRule {
  kind: FaultKind;
  ops?: readonly AthenaOperation[];
  /** Chance per matching request, 0..1; default 1. */
  probability?: number;
  /** Stop after firing this many times; default unlimited. */
  times?: number;
}

export interface FaultOptions {
  /** Seed of the random draws for `probability` rules; default 1. */
  seed?: number;
  rules?: readonly FaultRule[];
}

/** One fault that was injected, for assertions. */
export interface InjectedFault {
  op: AthenaOperation;
  kind: FaultKind;
}

type Step = FaultKind | null;

interface ActiveRule {
  rule: FaultRule;
  remaining: number;
}

export class FaultInjector {
  readonly #scripts = new Map<AthenaOperation | '*', Step[]>();
  readonly #rules: ActiveRule[] = [];
  readonly #injected: InjectedFault[] = [];
  #random: () => number;

  constructor(options: FaultOptions = {}) {
    this.#random = mulberry32(options.seed ?? 1);
    for (const rule of options.rules ?? []) this.add(rule);
  }

  /** Adds a rule; rules are tried in the order they were added, after any script. */
  add(rule: FaultRule): void {
    const probability = rule.probability ?? 1;
    if (!FAULT_KINDS.includes(rule.kind)) {
      throw new TflyteError('TFLYTE_CONFIG', `fault rule: kind '${String(rule.kind)}' is unknown; use one of ${FAULT_KINDS.join(', ')}`);
    }
    if (!(probability >= 0 && probability <= 1)) {
      throw new TflyteError('TFLYTE_CONFIG', `fault rule: probability ${probability} must be between 0 and 1`);
    }
    for (const op of rule.ops ?? []) {
      if (!ATHENA_OPERATIONS.includes(op)) {
        throw new TflyteError('TFLYTE_CONFIG', `fault rule: op '${op}' is unknown; use one of ${ATHENA_OPERATIONS.join(', ')}`);
      }
    }
    this.#rules.push({ rule, remaining: rule.times ?? Number.POSITIVE_INFINITY });
  }

  /**
   * Scripts the next requests to `op` ('*' = any operation): each request takes the next step,
   * `null` meaning "answer normally". A script for the specific operation goes before a '*' script.
   */
  script(op: AthenaOperation | '*', steps: readonly Step[]): void {
    const queue = this.#scripts.get(op) ?? [];
    queue.push(...steps);
    this.#scripts.set(op, queue);
  }

  /** Removes all scripts and rules and restarts the random sequence from `seed` (default 1). */
  reset(seed = 1): void {
    this.#scripts.clear();
    this.#rules.length = 0;
    this.#random = mulberry32(seed);
  }

  /** Faults injected so far, oldest first. */
  get injected(): readonly InjectedFault[] {
    return this.#injected;
  }

  /** Decides the fault for one request to `op`, if any. Called once per request by the server. */
  next(op: AthenaOperation): FaultKind | undefined {
    const scripted = this.#fromScript(op);
    // A scripted `null` means "answer normally" and also skips the rules.
    const kind = scripted === undefined ? this.#fromRules(op) : (scripted ?? undefined);
    if (kind !== undefined) this.#injected.push({ op, kind });
    return kind;
  }

  #fromScript(op: AthenaOperation): Step | undefined {
    for (const key of [op, '*'] as const) {
      const queue = this.#scripts.get(key);
      if (queue !== undefined && queue.length > 0) return queue.shift();
    }
    return undefined;
  }

  #fromRules(op: AthenaOperation): FaultKind | undefined {
    for (const active of this.#rules) {
      const { rule } = active;
      if (active.remaining <= 0 || (rule.ops !== undefined && !rule.ops.includes(op))) continue;
      const probability = rule.probability ?? 1;
      if (probability < 1 && this.#random() >= probability) continue;
      active.remaining--;
      return rule.kind;
    }
    return undefined;
  }
}

/** Small, fast, seedable PRNG (public-domain mulberry32); uniform in [0, 1). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
