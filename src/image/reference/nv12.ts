// Plain reference of frame -> NV12, written for clarity rather than speed. The native kernels
// (native/src/convert/) must match it within 1 per sample; the tests compare the two. Steps:
//   1. geometry: a crop of the source is resized into an inner rectangle of the output (geometry.ts)
//   2. every source pixel becomes channels: R,G,B (RGB formats), grey (mono8), or Y,U,V (YUV
//      formats, whose U,V pair is repeated on each pixel of its 4:2:2 pair or 4:2:0 block)
//   3. each channel plane is resized with the filter ('area' or OpenCV-exact 'bilinear') to 8 bits
//   4. RGB -> YUV with OpenCV's BT.601 limited-range 20-bit constants; U,V of each 2x2 output block
//      from its top-left pixel
//   5. letterbox padding: RGB (127,127,127) = Y 125, U 128, V 128
import { RawEncoding, RawFrame, PreprocessOptions } from '../types';
import { computeGeometry, Rect } from './geometry';

const SHIFT = 20;
const HALF = 1 << (SHIFT - 1);

export function rgbToY(r: number, g: number, b: number): number {
  return clamp8((269484 * r + 528482 * g + 102760 * b + HALF + (16 << SHIFT)) >> SHIFT);
}
export function rgbToU(r: number, g: number, b: number): number {
  return clamp8((-155188 * r - 305135 * g + 460324 * b + HALF + (128 << SHIFT)) >> SHIFT);
}
export function rgbToV(r: number, g: number, b: number): number {
  return clamp8((460324 * r - 385875 * g - 74448 * b + HALF + (128 << SHIFT)) >> SHIFT);
}

/** NV12 -> R,G,B of one pixel (OpenCV COLOR_YUV2RGB_NV12). */
export function yuvToRgb(y: number, u: number, v: number): [number, number, number] {
  const yy = Math.max(0, y - 16) * 1220542;
  const du = u - 128, dv = v - 128;
  return [
    clamp8((yy + HALF + 1673527 * dv) >> SHIFT),
    clamp8((yy + HALF - 852492 * dv - 409993 * du) >> SHIFT),
    clamp8((yy + HALF + 2116026 * du) >> SHIFT),
  ];
}

export const PAD_Y = 125;
export const PAD_UV = 128;

function clamp8(v: number): number {
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

type Kind = 'rgb' | 'grey' | 'yuv';

function kindOf(enc: RawEncoding): Kind {
  if (enc === 'mono8') return 'grey';
  if (enc === 'rgb8' || enc === 'bgr8' || enc === 'rgba8' || enc === 'bgra8') return 'rgb';
  return 'yuv';
}

/** The channels of source pixel (x, y): [R,G,B], [grey] or [Y,U,V]. */
export function pixelChannels(frame: RawFrame, x: number, y: number): number[] {
  const d = frame.data, s = frame.step;
  const row = y * s;
  switch (frame.encoding as RawEncoding) {
    case 'rgb8': return [d[row + 3 * x], d[row + 3 * x + 1], d[row + 3 * x + 2]];
    case 'bgr8': return [d[row + 3 * x + 2], d[row + 3 * x + 1], d[row + 3 * x]];
    case 'rgba8': return [d[row + 4 * x], d[row + 4 * x + 1], d[row + 4 * x + 2]];
    case 'bgra8': return [d[row + 4 * x + 2], d[row + 4 * x + 1], d[row + 4 * x]];
    case 'mono8': return [d[row + x]];
    case 'yuv422':
    case 'uyvy': { // U0 Y0 V0 Y1
      const pair = row + 4 * (x >> 1);
      return [d[row + 2 * x + 1], d[pair], d[pair + 2]];
    }
    case 'yuv422_yuy2':
    case 'yuyv': { // Y0 U0 Y1 V0
      const pair = row + 4 * (x >> 1);
      return [d[row + 2 * x], d[pair + 1], d[pair + 3]];
    }
    case 'nv12':
    case 'nv21': {
      const uv = s * frame.height + (y >> 1) * s + (x & ~1);
      const [u, v] = frame.encoding === 'nv12' ? [d[uv], d[uv + 1]] : [d[uv + 1], d[uv]];
      return [d[row + x], u, v];
    }
    default: throw new Error(`unknown encoding ${frame.encoding}`);
  }
}

/** A single-channel 8-bit plane. */
interface Plane { width: number; height: number; data: Uint8Array }

/** One output index's taps along an axis: source indices and integer weights. */
interface Taps { index: number[]; weight: number[] }

/**
 * Area weights for n source pixels -> m outputs. Output d covers [d*n/m, (d+1)*n/m); a source
 * pixel's weight is its overlap, quantised by cumulative rounding so the weights sum to `one`.
 */
export function areaTaps(n: number, m: number, one: number): Taps[] {
  const taps: Taps[] = [];
  for (let d = 0; d < m; d++) {
    const start = d * n, end = start + n; // in 1/m source pixels
    const t: Taps = { index: [], weight: [] };
    let covered = 0, prev = 0;
    for (let i = Math.floor(start / m); i * m < end; i++) {
      covered += Math.min(end, (i + 1) * m) - Math.max(start, i * m);
      const rounded = Math.floor((covered * one * 2 + n) / (2 * n));
      t.index.push(i);
      t.weight.push(rounded - prev);
      prev = rounded;
    }
    taps.push(t);
  }
  return taps;
}

function roundHalfEven(v: number): number {
  const f = Math.floor(v);
  const diff = v - f;
  if (diff > 0.5) return f + 1;
  if (diff < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/**
 * OpenCV resize(INTER_LINEAR) coordinates and 11-bit weights: centre-aligned, computed in float32.
 * Columns clamp index and weight at the borders; rows clamp only the index (as OpenCV does).
 */
export function linearTaps(n: number, m: number, clampWeights: boolean): Taps[] {
  const scale = 1 / (m / n);
  const taps: Taps[] = [];
  for (let d = 0; d < m; d++) {
    let f = Math.fround((d + 0.5) * scale - 0.5);
    let s = Math.floor(f);
    f = Math.fround(f - s);
    if (clampWeights && s < 0) { s = 0; f = 0; }
    if (clampWeights && s >= n - 1) { s = n - 1; f = 0; }
    const clampIndex = (i: number) => Math.min(Math.max(i, 0), n - 1);
    taps.push({
      index: [clampIndex(s), clampIndex(s + 1)],
      weight: [roundHalfEven(Math.fround(1 - f) * 2048), roundHalfEven(f * 2048)],
    });
  }
  return taps;
}

function resizeArea(p: Plane, w: number, h: number): Plane {
  const xt = areaTaps(p.width, w, 4096), yt = areaTaps(p.height, h, 128);
  const out = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let sum = 0;
      yt[y].index.forEach((sy, j) => {
        xt[x].index.forEach((sx, i) => { sum += p.data[sy * p.width + sx] * yt[y].weight[j] * xt[x].weight[i]; });
      });
      out[y * w + x] = Math.floor((sum + (1 << 18)) / (1 << 19));
    }
  }
  return { width: w, height: h, data: out };
}

function resizeBilinear(p: Plane, w: number, h: number): Plane {
  // OpenCV replaces INTER_LINEAR by the 2x2 mean for exact 2x reductions; the area filter with the
  // weights above computes exactly (sum + 2) >> 2 there.
  if (p.width === 2 * w && p.height === 2 * h) return resizeArea(p, w, h);
  const xt = linearTaps(p.width, w, true), yt = linearTaps(p.height, h, false);
  // Horizontal pass: exact integers (value * 2048).
  const horizontal = (sy: number, x: number) =>
    p.data[sy * p.width + xt[x].index[0]] * xt[x].weight[0] + p.data[sy * p.width + xt[x].index[1]] * xt[x].weight[1];
  const out = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    const [r0, r1] = yt[y].index, [b0, b1] = yt[y].weight;
    for (let x = 0; x < w; x++) {
      // OpenCV's vertical SIMD rounding: drop 4 bits, multiply-high by the 11-bit weights, round off 2 bits.
      const v = (((horizontal(r0, x) >> 4) * b0) >> 16) + (((horizontal(r1, x) >> 4) * b1) >> 16);
      out[y * w + x] = clamp8((v + 2) >> 2);
    }
  }
  return { width: w, height: h, data: out };
}

/** Reference frame -> NV12 (Y plane then interleaved U,V) of opts.width x opts.height. */
export function referenceToNv12(frame: RawFrame, opts: PreprocessOptions): Uint8Array {
  const enc = frame.encoding as RawEncoding;
  const kind = kindOf(enc);
  const { crop, inner } = computeGeometry(frame.width, frame.height, opts);
  const channels = kind === 'grey' ? 1 : 3;
  // Channel planes of the crop, each resized into the inner rectangle.
  const resized: Plane[] = [];
  for (let c = 0; c < channels; c++) {
    const plane: Plane = { width: crop.width, height: crop.height, data: new Uint8Array(crop.width * crop.height) };
    for (let y = 0; y < crop.height; y++) {
      for (let x = 0; x < crop.width; x++) plane.data[y * crop.width + x] = pixelChannels(frame, crop.x + x, crop.y + y)[c];
    }
    resized.push(opts.filter === 'area' ? resizeArea(plane, inner.width, inner.height) : resizeBilinear(plane, inner.width, inner.height));
  }
  return assemble(kind, resized, inner, opts.width, opts.height);
}

function assemble(kind: Kind, planes: Plane[], inner: Rect, w: number, h: number): Uint8Array {
  const out = new Uint8Array(w * h * 3 / 2);
  out.fill(PAD_Y, 0, w * h);
  out.fill(PAD_UV, w * h);
  const yuvAt = (x: number, y: number): [number, number, number] => {
    const i = y * inner.width + x;
    if (kind === 'yuv') return [planes[0].data[i], planes[1].data[i], planes[2].data[i]];
    const [r, g, b] = kind === 'grey' ? [planes[0].data[i], planes[0].data[i], planes[0].data[i]]
      : [planes[0].data[i], planes[1].data[i], planes[2].data[i]];
    return [rgbToY(r, g, b), rgbToU(r, g, b), rgbToV(r, g, b)];
  };
  for (let y = 0; y < inner.height; y++) {
    for (let x = 0; x < inner.width; x++) {
      const [Y, U, V] = yuvAt(x, y);
      const ox = inner.x + x, oy = inner.y + y;
      out[oy * w + ox] = Y;
      if (ox % 2 === 0 && oy % 2 === 0) { // top-left pixel of its 2x2 block carries the chroma
        out[w * h + (oy / 2) * w + ox] = U;
        out[w * h + (oy / 2) * w + ox + 1] = V;
      }
    }
  }
  return out;
}

/** Reference NV12 -> packed RGB. */
export function referenceNv12ToRgb(nv12: Uint8Array, w: number, h: number): Uint8Array {
  const out = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const uv = w * h + (y >> 1) * w + (x & ~1);
      out.set(yuvToRgb(nv12[y * w + x], nv12[uv], nv12[uv + 1]), (y * w + x) * 3);
    }
  }
  return out;
}
