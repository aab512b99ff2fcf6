/**
 * Reads the JSON subset of msgpack that struct values use. @msgpack/msgpack's decoder refuses the
 * map key `__proto__` outright, yet flytekit writes any dict key, and a struct key is data. This
 * reader defines every key as an own property, so `__proto__` stays an ordinary key and never
 * reaches a prototype. Integers outside ±2^53 come back as bigint for the caller to refuse.
 */

import { setOwn } from './own-key.ts';

export class MsgpackReadError extends Error {}

export function readMsgpack(bytes: Uint8Array, maxDepth: number): unknown {
  const reader = new Reader(bytes, maxDepth);
  const value = reader.value(0);
  if (reader.offset !== bytes.length) throw new MsgpackReadError(`${bytes.length - reader.offset} extra bytes after the value`);
  return value;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

class Reader {
  offset = 0;
  private readonly view: DataView;
  private readonly bytes: Uint8Array;
  private readonly maxDepth: number;

  constructor(bytes: Uint8Array, maxDepth: number) {
    this.bytes = bytes;
    this.maxDepth = maxDepth;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  value(depth: number): unknown {
    const head = this.u8();
    if (head <= 0x7f) return head;
    if (head >= 0xe0) return head - 0x100;
    if (head >= 0x80 && head <= 0x8f) return this.map(head - 0x80, depth);
    if (head >= 0x90 && head <= 0x9f) return this.array(head - 0x90, depth);
    if (head >= 0xa0 && head <= 0xbf) return this.str(head - 0xa0);
    switch (head) {
      case 0xc0:
        return null;
      case 0xc2:
        return false;
      case 0xc3:
        return true;
      case 0xc4:
        return this.take(this.u8()).slice();
      case 0xc5:
        return this.take(this.u16()).slice();
      case 0xc6:
        return this.take(this.u32()).slice();
      case 0xca:
        return this.fixed(4, (at) => this.view.getFloat32(at));
      case 0xcb:
        return this.fixed(8, (at) => this.view.getFloat64(at));
      case 0xcc:
        return this.u8();
      case 0xcd:
        return this.u16();
      case 0xce:
        return this.u32();
      case 0xcf:
        return this.integer(this.fixed(8, (at) => this.view.getBigUint64(at)));
      case 0xd0:
        return this.fixed(1, (at) => this.view.getInt8(at));
      case 0xd1:
        return this.fixed(2, (at) => this.view.getInt16(at));
      case 0xd2:
        return this.fixed(4, (at) => this.view.getInt32(at));
      case 0xd3:
        return this.integer(this.fixed(8, (at) => this.view.getBigInt64(at)));
      case 0xd9:
        return this.str(this.u8());
      case 0xda:
        return this.str(this.u16());
      case 0xdb:
        return this.str(this.u32());
      case 0xdc:
        return this.array(this.u16(), depth);
      case 0xdd:
        return this.array(this.u32(), depth);
      case 0xde:
        return this.map(this.u16(), depth);
      case 0xdf:
        return this.map(this.u32(), depth);
      default:
        throw new MsgpackReadError(`type byte 0x${head.toString(16)} (an extension or reserved type) is not JSON`);
    }
  }

  private map(size: number, depth: number): Record<string, unknown> {
    this.nest(depth);
    const out: Record<string, unknown> = {};
    for (let i = 0; i < size; i++) {
      const key = this.value(depth + 1);
      if (typeof key !== 'string' && typeof key !== 'number')
        throw new MsgpackReadError(`a map key must be a string or number, got ${typeof key}`);
      setOwn(out, String(key), this.value(depth + 1));
    }
    return out;
  }

  private array(size: number, depth: number): unknown[] {
    this.nest(depth);
    const out: unknown[] = [];
    for (let i = 0; i < size; i++) out.push(this.value(depth + 1));
    return out;
  }

  private nest(depth: number): void {
    if (depth >= this.maxDepth) throw new MsgpackReadError(`nests deeper than ${this.maxDepth} levels`);
  }

  private integer(value: bigint): number | bigint {
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
  }

  private str(length: number): string {
    const bytes = this.take(length);
    try {
      return utf8.decode(bytes);
    } catch {
      throw new MsgpackReadError('a string is not valid UTF-8');
    }
  }

  private u8(): number {
    return this.fixed(1, (at) => this.view.getUint8(at));
  }

  private u16(): number {
    return this.fixed(2, (at) => this.view.getUint16(at));
  }

  private u32(): number {
    return this.fixed(4, (at) => this.view.getUint32(at));
  }

  private fixed<T>(size: number, read: (at: number) => T): T {
    const at = this.offset;
    this.need(size);
    this.offset += size;
    return read(at);
  }

  private take(length: number): Uint8Array {
    const at = this.offset;
    this.need(length);
    this.offset += length;
    return this.bytes.subarray(at, at + length);
  }

  private need(size: number): void {
    if (this.offset + size > this.bytes.length) throw new MsgpackReadError(`truncated: needs ${size} more bytes at offset ${this.offset}`);
  }
}
