/**
 * The one fault model of the wire-level test servers: scripted sequences and seeded random rates of
 * throttling (429), server errors (5xx), connection resets, lost responses and hangs, per
 * operation. The same seed and the same request order give the same faults. How a throttle or a
 * server error looks on the wire is the service adapter's business; the model only decides.
 */
import { TflyteError } from '@tflyte/core';

/**
 * - `throttle`: the service's rate limit (HTTP 429, or the service's own throttling error).
 * - `server-error`: an internal error (HTTP 5xx).
 * - `connection-reset`: the socket is destroyed before the request is handled (nothing happens).
 * - `lost-response`: the request is handled, then the socket is destroyed instead of answering: the
 *   caller cannot know it worked (what idempotency tokens exist for).
 * - `hang`: no answer at all; the socket is destroyed after `hangMs` (or when the server closes).
 */
export const FAULT_KINDS = ['throttle', 'server-error', 'connection-reset', 'lost-response', 'hang'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** Injects `kind` on requests to `ops` (every operation when omitted) with the given probability. */
export interface FaultRule<Op extends string = string> {
  readonly kind: FaultKind;
  readonly ops?: readonly Op[];
  /** Chance per matching request, 0..1; default 1. */
  readonly probability?: number;
  /** Stop after firing this many times; default unlimited. */
  readonly times?: number;
}

export interface FaultOptions<Op extends string = string> {
  /** Seed of the random draws for `probability` rules; default 1. */
  readonly seed?: number;
  readonly rules?: readonly FaultRule<Op>[];
  /** How long a `hang` holds the request before dropping it, in ms; default: until the server closes. */
  readonly hangMs?: number;
}

/** One fault that was injected, for assertions. */
export interface InjectedFault<Op extends string = string> {
  readonly op: Op;
  readonly kind: FaultKind;
}

/** A script step: a fault, or `null` for "answer normally". */
export type FaultStep = FaultKind | null;

interface ActiveRule<Op extends string> {
  readonly rule: FaultRule<Op>;
  remaining: number;
}

export class FaultModel<Op extends string = string> {
  readonly #operations: readonly Op[] | undefined;
  readonly #scripts = new Map<Op | '*', FaultStep[]>();
  readonly #rules: ActiveRule<Op>[] = [];
  readonly #injected: InjectedFault<Op>[] = [];
  #random: () => number;
  hangMs: number | undefined;

  /** `operations`, when given, are the only op names rules and scripts may name. */
  constructor(options: FaultOptions<Op> = {}, operations?: readonly Op[]) {
    this.#operations = operations;
    this.#random = mulberry32(options.seed ?? 1);
    this.hangMs = options.hangMs;
    for (const rule of options.rules ?? []) this.add(rule);
  }

  /** Adds a rule; rules are tried in the order they were added, after any script. */
  add(rule: FaultRule<Op>): void {
    const probability = rule.probability ?? 1;
    if (!FAULT_KINDS.includes(rule.kind)) {
      throw new TflyteError('TFLYTE_CONFIG', `fault rule: kind '${String(rule.kind)}' is unknown; use one of ${FAULT_KINDS.join(', ')}`);
    }
    if (!(probability >= 0 && probability <= 1)) {
      throw new TflyteError('TFLYTE_CONFIG', `fault rule: probability ${probability} must be between 0 and 1`);
    }
    for (const op of rule.ops ?? []) this.#checkOp(op);
    this.#rules.push({ rule, remaining: rule.times ?? Number.POSITIVE_INFINITY });
  }

  /**
   * Scripts the next requests to `op` ('*' = any operation): each request takes the next step,
   * `null` meaning "answer normally". A script for the specific operation goes before a '*' script.
   */
  script(op: Op | '*', steps: readonly FaultStep[]): void {
    if (op !== '*') this.#checkOp(op);
    for (const step of steps) {
      if (step !== null && !FAULT_KINDS.includes(step))
        throw new TflyteError(
          'TFLYTE_CONFIG',
          `fault script: step '${String(step)}' is unknown; use one of ${FAULT_KINDS.join(', ')} or null`,
        );
    }
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
  get injected(): readonly InjectedFault<Op>[] {
    return this.#injected;
  }

  /** Decides the fault for one request to `op`, if any. Called once per request by the server. */
  next(op: Op): FaultKind | undefined {
    const scripted = this.#fromScript(op);
    // A scripted `null` means "answer normally" and also skips the rules.
    const kind = scripted === undefined ? this.#fromRules(op) : (scripted ?? undefined);
    if (kind !== undefined) this.#injected.push({ op, kind });
    return kind;
  }

  #checkOp(op: Op): void {
    if (this.#operations !== undefined && !this.#operations.includes(op)) {
      throw new TflyteError('TFLYTE_CONFIG', `fault rule: op '${op}' is unknown; use one of ${this.#operations.join(', ')}`);
    }
  }

  #fromScript(op: Op): FaultStep | undefined {
    for (const key of [op, '*'] as const) {
      const queue = this.#scripts.get(key);
      if (queue !== undefined && queue.length > 0) return queue.shift();
    }
    return undefined;
  }

  #fromRules(op: Op): FaultKind | undefined {
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
