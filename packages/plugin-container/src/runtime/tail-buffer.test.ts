import { describe, expect, it } from 'vitest';
import { TailBuffer } from './tail-buffer.ts';

describe('TailBuffer', () => {
  it('keeps everything while under its limit', () => {
    const tail = new TailBuffer(16);
    tail.push(Buffer.from('hello '));
    tail.push(Buffer.from('world'));
    expect(tail.toString()).toBe('hello world');
    expect(tail.truncated).toBe(false);
  });

  it('keeps only the last bytes once more than the limit was written', () => {
    const tail = new TailBuffer(8);
    for (const part of ['0123', '4567', '89ab', 'cdef']) tail.push(Buffer.from(part));
    expect(tail.toString()).toBe('89abcdef');
    tail.push(Buffer.from('0123456789'));
    expect(tail.toString()).toBe('23456789');
    expect(tail.truncated).toBe(true);
  });

  it('drops a multi-byte character cut in half at the front instead of showing a replacement character', () => {
    const tail = new TailBuffer(5);
    tail.push(Buffer.from('aé€z')); // 1 + 2 + 3 + 1 bytes: the limit cuts é in half
    expect(tail.toString()).toBe('€z');
  });
});
