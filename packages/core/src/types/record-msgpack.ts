/**
 * A msgpack writer that is told which numbers are floats. flytekit writes a dataclass as
 * `msgpack.packb(asdict(value))`: a Python float is always a float64 (`2.0` too) and an int the
 * smallest integer form (unsigned when positive). JS has one number type, so a generic encoder
 * writes 2.0 as the integer 2; records know their field types and say which numbers are floats.
 */

/** A value to write: JSON plus floats marked as such. */
export type PackValue = null | boolean | number | string | Float | readonly PackValue[] | { readonly [key: string]: PackValue };

/** A number written as float64 whatever its value. */
export class Float {
  readonly value: number;
  constructor(value: number) {
    this.value = value;
  }
}

export function pack(value: PackValue): Uint8Array {
  const out = new Writer();
  out.value(value);
  return out.bytes();
}

const utf8 = new TextEncoder();

class Writer {
  private buffer = new Uint8Array(256);
  private view = new DataView(this.buffer.buffer);
  private length = 0;

  bytes(): Uint8Array {
    return this.buffer.slice(0, this.length);
  }

  value(value: PackValue): void {
    if (value === null) this.u8(0xc0);
    else if (value === true) this.u8(0xc3);
    else if (value === false) this.u8(0xc2);
    else if (value instanceof Float) this.float64(value.value);
    else if (typeof value === 'number') {
      if (Number.isSafeInteger(value) && !Object.is(value, -0)) this.int(value);
      else this.float64(value);
    } else if (typeof value === 'string') this.str(value);
    else if (Array.isArray(value)) {
      this.head(value.length, 0x90, 0xdc, 0xdd);
      for (const item of value as readonly PackValue[]) this.value(item);
    } else {
      const entries = Object.entries(value as { readonly [key: string]: PackValue });
      this.head(entries.length, 0x80, 0xde, 0xdf);
      for (const [key, item] of entries) {
        this.str(key);
        this.value(item);
      }
    }
  }

  private int(n: number): void {
    if (n >= 0) {
      if (n < 0x80) this.u8(n);
      else if (n <= 0xff) this.fixed(0xcc, 1, (at) => this.view.setUint8(at, n));
      else if (n <= 0xffff) this.fixed(0xcd, 2, (at) => this.view.setUint16(at, n));
      else if (n <= 0xffffffff) this.fixed(0xce, 4, (at) => this.view.setUint32(at, n));
      else this.fixed(0xcf, 8, (at) => this.view.setBigUint64(at, BigInt(n)));
    } else if (n >= -32) this.u8(n + 0x100);
    else if (n >= -0x80) this.fixed(0xd0, 1, (at) => this.view.setInt8(at, n));
    else if (n >= -0x8000) this.fixed(0xd1, 2, (at) => this.view.setInt16(at, n));
    else if (n >= -0x80000000) this.fixed(0xd2, 4, (at) => this.view.setInt32(at, n));
    else this.fixed(0xd3, 8, (at) => this.view.setBigInt64(at, BigInt(n)));
  }

  private float64(n: number): void {
    this.fixed(0xcb, 8, (at) => this.view.setFloat64(at, n));
  }

  private str(s: string): void {
    const bytes = utf8.encode(s);
    const n = bytes.length;
    if (n < 32) this.u8(0xa0 + n);
    else if (n <= 0xff) this.fixed(0xd9, 1, (at) => this.view.setUint8(at, n));
    else if (n <= 0xffff) this.fixed(0xda, 2, (at) => this.view.setUint16(at, n));
    else this.fixed(0xdb, 4, (at) => this.view.setUint32(at, n));
    this.reserve(n);
    this.buffer.set(bytes, this.length);
    this.length += n;
  }

  private head(size: number, fix: number, b16: number, b32: number): void {
    if (size < 16) this.u8(fix + size);
    else if (size <= 0xffff) this.fixed(b16, 2, (at) => this.view.setUint16(at, size));
    else this.fixed(b32, 4, (at) => this.view.setUint32(at, size));
  }

  private u8(byte: number): void {
    this.reserve(1);
    this.buffer[this.length++] = byte;
  }

  private fixed(type: number, size: number, write: (at: number) => void): void {
    this.u8(type);
    this.reserve(size);
    write(this.length);
    this.length += size;
  }

  private reserve(size: number): void {
    if (this.length + size <= this.buffer.length) return;
    let capacity = this.buffer.length * 2;
    while (capacity < this.length + size) capacity *= 2;
    const next = new Uint8Array(capacity);
    next.set(this.buffer.subarray(0, this.length));
    this.buffer = next;
    this.view = new DataView(next.buffer);
  }
}
