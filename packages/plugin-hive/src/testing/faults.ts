/**
 * Faults for the test HiveServer2, per TCLIService method: an error status (what HiveServer2 answers
 * when the metastore or an executor times out), a connection dropped before or after the call runs
 * (after: the client cannot know it worked), and a call that is never answered. Seeded, so the same
 * seed and the same call order give the same faults.
 */
export const HIVE_FAULT_KINDS = ['error-status', 'connection-reset', 'connection-reset-after', 'hang'] as const;
export type FaultKind = (typeof HIVE_FAULT_KINDS)[number];

export interface FaultRule {
  readonly kind: FaultKind;
  /** TCLIService methods (`ExecuteStatement`, `GetOperationStatus`, …); all when omitted. */
  readonly methods?: readonly string[];
  /** Chance per matching call, 0..1; default 1. */
  readonly probability?: number;
  /** Fire at most this many times. */
  readonly times?: number;
}

export interface FaultOptions {
  readonly seed?: number;
  readonly rules?: readonly FaultRule[];
}

export class HiveFaults {
  readonly #rules: { rule: FaultRule; remaining: number }[] = [];
  readonly #injected: { method: string; kind: FaultKind }[] = [];
  #random: () => number;

  constructor(options: FaultOptions = {}) {
    this.#random = mulberry32(options.seed ?? 1);
    for (const rule of options.rules ?? []) this.add(rule);
  }

  add(rule: FaultRule): void {
    if (!HIVE_FAULT_KINDS.includes(rule.kind)) throw new TypeError(`fault kind '${String(rule.kind)}' is unknown; use one of ${HIVE_FAULT_KINDS.join(', ')}`);
    this.#rules.push({ rule, remaining: rule.times ?? Number.POSITIVE_INFINITY });
  }

  clear(): void {
    this.#rules.length = 0;
  }

  injected(): readonly { method: string; kind: FaultKind }[] {
    return [...this.#injected];
  }

  /** The fault for this call, if any. */
  draw(method: string): FaultKind | undefined {
    for (const active of this.#rules) {
      if (active.remaining <= 0) continue;
      if (active.rule.methods !== undefined && !active.rule.methods.includes(method)) continue;
      if (this.#random() >= (active.rule.probability ?? 1)) continue;
      active.remaining -= 1;
      this.#injected.push({ method, kind: active.rule.kind });
      return active.rule.kind;
    }
    return undefined;
  }
}

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
