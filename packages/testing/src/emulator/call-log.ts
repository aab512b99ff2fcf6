/**
 * Every call a test server received, in arrival order, with what it answered: tests count outcomes on
 * the server side from it (how many jobs were submitted, how many status reads failed).
 */
import type { FaultKind } from './fault-model.ts';

export interface RecordedCall<Op extends string = string> {
  /** The operation, as the service names it (`StartQueryExecution`, `jobs.insert`, …). */
  readonly op: Op;
  /** The parsed request body (undefined when there was none or it did not parse). */
  readonly body: unknown;
  /** The HTTP status sent; undefined when the connection was reset or hung instead. */
  status: number | undefined;
  fault: FaultKind | undefined;
}

export class CallLog<Op extends string = string> {
  readonly #calls: RecordedCall<Op>[] = [];

  /** All calls, oldest first. */
  get calls(): readonly RecordedCall<Op>[] {
    return this.#calls;
  }

  record(op: Op, body: unknown): RecordedCall<Op> {
    const call: RecordedCall<Op> = { op, body, status: undefined, fault: undefined };
    this.#calls.push(call);
    return call;
  }

  /** Calls to `op`, optionally only those that `match`. */
  of(op: Op, match?: (call: RecordedCall<Op>) => boolean): RecordedCall<Op>[] {
    return this.#calls.filter((c) => c.op === op && (match === undefined || match(c)));
  }

  /** How many calls reached `op` (every op when omitted). */
  count(op?: Op): number {
    return op === undefined ? this.#calls.length : this.of(op).length;
  }

  /** Calls to `op` that were answered with a 2xx and no fault. */
  succeeded(op: Op): number {
    return this.of(op, (c) => c.fault === undefined && c.status !== undefined && c.status >= 200 && c.status < 300).length;
  }

  clear(): void {
    this.#calls.length = 0;
  }
}
