/** Keeps only the last `limit` bytes written to it, so a chatty container cannot exhaust memory. */
export class TailBuffer {
  readonly limit: number;
  #chunks: Buffer[] = [];
  #size = 0;
  #dropped = false;

  constructor(limit: number) {
    this.limit = limit;
  }

  /** True once any byte has been discarded. */
  get truncated(): boolean {
    return this.#dropped;
  }

  push(chunk: Buffer): void {
    this.#chunks.push(chunk);
    this.#size += chunk.length;
    while (this.#size > this.limit) {
      const first = this.#chunks[0];
      if (first === undefined) break;
      const excess = this.#size - this.limit;
      this.#dropped = true;
      if (first.length <= excess) {
        this.#chunks.shift();
        this.#size -= first.length;
      } else {
        this.#chunks[0] = first.subarray(excess);
        this.#size -= excess;
      }
    }
  }

  /** The kept bytes as UTF-8; a character cut at the front is dropped rather than shown as U+FFFD. */
  toString(): string {
    let bytes = Buffer.concat(this.#chunks);
    if (this.#dropped) {
      let start = 0;
      // UTF-8 continuation bytes are 0b10xxxxxx; skip at most 3 of them to reach a character boundary.
      while (start < 3 && start < bytes.length && ((bytes[start] ?? 0) & 0xc0) === 0x80) start++;
      bytes = bytes.subarray(start);
    }
    return bytes.toString('utf8');
  }
}
