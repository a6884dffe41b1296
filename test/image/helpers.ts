// Random frames for the conversion tests: every byte random (xorshift, seeded), rows padded.
import { RawEncoding, RawFrame } from '../../src/image/types';
import { bytesPerPixel, requiredBytes } from '../../src/image/nv12';

export function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    return s;
  };
}

/** A frame of random bytes with `pad` extra bytes per row (odd pads make odd steps). */
export function randomFrame(encoding: RawEncoding, width: number, height: number, pad: number, seed: number): RawFrame {
  const step = width * bytesPerPixel(encoding) + pad;
  const data = new Uint8Array(requiredBytes(encoding, step, height));
  const next = rng(seed);
  for (let i = 0; i < data.length; i++) data[i] = next() & 255;
  return { width, height, encoding, step, data };
}

/** Largest absolute difference between two byte arrays of equal length. */
export function maxAbsDiff(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} != ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

export function meanAbsDiff(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} != ${b.length}`);
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i] - b[i]);
  return s / a.length;
}
