// Test helpers: Foxglove's reader/writer built from our ros2msg definitions (the independent
// reference), and a seeded PRNG so property-style cases are reproducible.
import { parse } from '@foxglove/rosmsg';
import { MessageReader, MessageWriter } from '@foxglove/rosmsg2-serialization';
import { messageDefinition } from '../../src/cdr/definitions';

export function foxgloveWriter(typeName: string): MessageWriter {
  return new MessageWriter(parse(messageDefinition(typeName), { ros2: true }));
}

export function foxgloveReader(typeName: string): MessageReader {
  return new MessageReader(parse(messageDefinition(typeName), { ros2: true }));
}

/** mulberry32: small, fast, deterministic. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randInt(r: () => number, lo: number, hi: number): number {
  return lo + Math.floor(r() * (hi - lo + 1));
}

const ASCII = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_/ .-';

/** ASCII strings of 0..maxLen chars (odd lengths exercise the alignment after strings). */
export function randAscii(r: () => number, maxLen: number): string {
  const n = randInt(r, 0, maxLen);
  let s = '';
  for (let i = 0; i < n; i++) s += ASCII[randInt(r, 0, ASCII.length - 1)];
  return s;
}

export function randBytes(r: () => number, n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = randInt(r, 0, 255);
  return b;
}

/** Copies `bytes` into a larger buffer at an odd offset, so views and DataViews must honour byteOffset. */
export function atOddOffset(bytes: Uint8Array): Uint8Array {
  const backing = new Uint8Array(bytes.byteLength + 8).fill(0xee);
  backing.set(bytes, 3);
  return backing.subarray(3, 3 + bytes.byteLength);
}

export function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}
