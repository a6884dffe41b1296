// Independent TypeScript model of the synthetic backend (native/src/engine/synthetic_backend.cc) and
// frame factories for the native engine tests.
import type { Hypothesis } from '../../src/engine/types';
import type { RawFrame } from '../../src/image/types';
import { DEFAULT_PREPROCESS, type PreprocessOptions } from '../../src/image/types';

export const PRE: PreprocessOptions = { ...DEFAULT_PREPROCESS, width: 224, height: 224 };

export function fnv1a(bytes: Uint8Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) {
    h ^= bytes[i];
    h = Math.imul(h, 16777619) >>> 0;
  }
  return h >>> 0;
}

/** Top-k of the synthetic logits for an NV12 input, softmax computed in float64 from scratch. */
export function syntheticTopK(nv12: Uint8Array, numClasses: number, k: number): Hypothesis[] {
  const h = fnv1a(nv12);
  const logits = new Float64Array(numClasses);
  for (let c = 0; c < numClasses; c++) logits[c] = (((Math.imul(c + 1, 0x9e3779b1) ^ h) >>> 8) & 0xffff) / 4096;
  const max = Math.max(...logits);
  let sum = 0;
  for (const l of logits) sum += Math.exp(l - max);
  const order = [...logits.keys()].sort((a, b) => logits[b] - logits[a] || a - b);
  return order.slice(0, k).map((c) => ({ classIndex: c, score: Math.exp(logits[c] - max) / sum }));
}

/** Deterministic pseudo-random bytes (xorshift32), so frames are distinct but reproducible. */
export function randomBytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

export function bgrFrame(width: number, height: number, seed: number, padding = 0): RawFrame {
  const step = width * 3 + padding;
  return { width, height, step, encoding: 'bgr8', data: randomBytes(step * height, seed) };
}

export function nv12Frame(width: number, height: number, seed: number): RawFrame {
  return { width, height, step: width, encoding: 'nv12', data: randomBytes((width * height * 3) / 2, seed) };
}

/** A uniform grey mono8 frame: its converted Y plane is uniform too (latencyByLuma tests). */
export function greyFrame(width: number, height: number, value: number): RawFrame {
  return { width, height, step: width, encoding: 'mono8', data: new Uint8Array(width * height).fill(value) };
}

export async function until(cond: () => boolean, what: string, limitMs = 5000): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > limitMs) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
