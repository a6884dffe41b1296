// `mnv4 bench preprocess [--json]`: frame -> 224x224 NV12, our path against, in the same run and on
// the same frames: one read of the whole input frame (the floor of any non-aliasing down-scale),
// libyuv's averaging (box) and best bilinear sequences, and sharp's resize plus a JS RGB->NV12 step.
// Inputs are cold: every call gets the next frame of a ring far larger than the caches, as frames
// from a camera would be. All variants of one input run interleaved, so the ratios hold even when
// this shared VM changes speed.
import { randomFillSync } from 'crypto';
import { parseArgs } from 'util';
import sharp from 'sharp';
import { loadNative } from '../src/native';
import { bytesPerPixel, nv12Size, requiredBytes, toNv12 } from '../src/image/nv12';
import { PreprocessOptions, RawEncoding, RawFrame } from '../src/image/types';

interface BenchBinding {
  benchLibyuv(src: Uint8Array, width: number, height: number, step: number, format: number, dst: Uint8Array,
    dstWidth: number, dstHeight: number, mode: number, filter: number, cropRatio: number, sequence: number): void;
  benchReadPass(bytes: Uint8Array, offset: number, length: number): number;
}

const SIZES: Array<[number, number]> = [[640, 480], [1280, 720], [1920, 1080]];
const FORMAT: Record<string, number> = { bgr8: 1, yuyv: 6, nv12: 7 };
const AREA: PreprocessOptions = { width: 224, height: 224, resizeMode: 'stretch', filter: 'area' };
const BILINEAR: PreprocessOptions = { ...AREA, filter: 'bilinear' };

type Variant = { name: string; call: (frame: RawFrame) => unknown };
interface Row { input: string; size: string; variant: string; medianUs: number; p10Us: number; p90Us: number; n: number }

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/** Point-chroma BGR -> NV12 in plain JS (OpenCV's constants), the step sharp users would add. */
function bgrToNv12Js(bgr: Uint8Array, w: number, h: number, out: Uint8Array): void {
  const uvBase = w * h;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = (y * w + x) * 3;
      const b = bgr[i], g = bgr[i + 1], r = bgr[i + 2];
      out[y * w + x] = (269484 * r + 528482 * g + 102760 * b + 524288 + (16 << 20)) >> 20;
      if (((x | y) & 1) === 0) {
        const o = uvBase + (y >> 1) * w + x;
        out[o] = (-155188 * r - 305135 * g + 460324 * b + 524288 + (128 << 20)) >> 20;
        out[o + 1] = (460324 * r - 385875 * g - 74448 * b + 524288 + (128 << 20)) >> 20;
      }
    }
  }
}

class Ring {
  readonly bytes: Uint8Array;
  private next = 0;
  constructor(mib: number) {
    this.bytes = new Uint8Array(mib * 1024 * 1024);
    // Random content, written in pieces (randomFillSync caps one call at 2 GiB anyway).
    for (let off = 0; off < this.bytes.length; off += 1 << 26) randomFillSync(this.bytes, off, Math.min(1 << 26, this.bytes.length - off));
  }
  /** The next frame-sized, 64-byte-aligned slice, wrapping around. */
  take(size: number): { offset: number; data: Uint8Array } {
    const stride = (size + 63) & ~63;
    if (this.next + stride > this.bytes.length) this.next = 0;
    const offset = this.next;
    this.next += stride;
    return { offset, data: this.bytes.subarray(offset, offset + size) };
  }
}

async function measureInterleaved(variants: Variant[], makeFrame: () => RawFrame, iterations: number, warmup: number) {
  const times = variants.map(() => [] as number[]);
  for (let it = 0; it < warmup + iterations; it++) {
    for (let k = 0; k < variants.length; k++) {
      const v = (k + it) % variants.length; // rotate the order so no variant always follows another
      const frame = makeFrame();
      const t0 = process.hrtime.bigint();
      const r = variants[v].call(frame);
      if (r instanceof Promise) await r;
      const t1 = process.hrtime.bigint();
      if (it >= warmup) times[v].push(Number(t1 - t0) / 1000);
    }
  }
  return times.map((t) => t.sort((a, b) => a - b));
}

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      json: { type: 'boolean' },
      iterations: { type: 'string' },
      'ring-mib': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log('usage: mnv4 bench preprocess [--json] [--iterations N (default 80)] [--ring-mib M (default 512)]');
    return 0;
  }
  const iterations = Number(values.iterations ?? 80);
  const ringMib = Number(values['ring-mib'] ?? 512);
  const native = loadNative<BenchBinding>();
  sharp.cache(false);
  const log = (s: string) => { if (!values.json) console.log(s); };
  log(`bench preprocess: -> 224x224 NV12, cold input (ring ${ringMib} MiB), median of ${iterations} per variant, µs`);
  const ring = new Ring(ringMib);
  const out = new Uint8Array(nv12Size(224, 224));
  const rows: Row[] = [];
  const record = (input: string, size: string, names: string[], times: number[][]) => {
    names.forEach((variant, i) => {
      rows.push({ input, size, variant, medianUs: quantile(times[i], 0.5), p10Us: quantile(times[i], 0.1), p90Us: quantile(times[i], 0.9), n: times[i].length });
    });
  };

  for (const [w, h] of SIZES) {
    const size = `${w}x${h}`;
    for (const enc of ['bgr8', 'yuyv', 'nv12'] as RawEncoding[]) {
      const step = w * bytesPerPixel(enc);
      const bytes = requiredBytes(enc, step, h);
      let lastOffset = 0;
      const makeFrame = (): RawFrame => {
        const s = ring.take(bytes);
        lastOffset = s.offset;
        return { width: w, height: h, encoding: enc, step, data: s.data };
      };
      const libyuv = (seq: number) => (f: RawFrame) =>
        native.benchLibyuv(f.data, w, h, step, FORMAT[enc], out, 224, 224, 0, seq, 1, seq);
      const variants: Variant[] = [
        { name: 'ours area', call: (f) => toNv12(f, AREA, out) },
        { name: 'ours bilinear', call: (f) => toNv12(f, BILINEAR, out) },
        { name: 'read floor', call: () => native.benchReadPass(ring.bytes, lastOffset, bytes) },
        { name: 'libyuv box', call: libyuv(0) },
        { name: 'libyuv bilinear', call: libyuv(1) },
      ];
      if (enc === 'bgr8') {
        const rgb = new Uint8Array(224 * 224 * 3);
        variants.push({
          name: 'sharp+js',
          call: async (f) => {
            const r = await sharp(f.data, { raw: { width: w, height: h, channels: 3 } }).resize(224, 224, { fit: 'fill' }).raw().toBuffer();
            rgb.set(r);
            bgrToNv12Js(rgb, 224, 224, out);
          },
        });
      }
      // sharp is ~10x slower: measure the others on all iterations, sharp on a quarter of them.
      const fast = variants.filter((v) => !v.name.startsWith('sharp'));
      record(enc, size, fast.map((v) => v.name), await measureInterleaved(fast, makeFrame, iterations, 10));
      const slow = variants.filter((v) => v.name.startsWith('sharp'));
      if (slow.length) record(enc, size, slow.map((v) => v.name), await measureInterleaved(slow, makeFrame, Math.max(5, iterations >> 2), 3));
    }
    // JPEG: decoding dominates; ours = sharp decode to raw + our area conversion.
    const scene = ring.take(w * h * 3).data;
    const jpeg = await sharp(scene, { raw: { width: w, height: h, channels: 3 } }).jpeg({ quality: 90 }).toBuffer();
    const rgb = new Uint8Array(224 * 224 * 3);
    const jpegVariants: Variant[] = [
      {
        name: 'ours area',
        call: async () => {
          const { data, info } = await sharp(jpeg).raw().toBuffer({ resolveWithObject: true });
          toNv12({ width: info.width, height: info.height, encoding: 'rgb8', step: info.width * 3, data }, AREA, out);
        },
      },
      {
        name: 'sharp+js',
        call: async () => {
          rgb.set(await sharp(jpeg).resize(224, 224, { fit: 'fill' }).raw().toBuffer());
          bgrToNv12Js(rgb, 224, 224, out);
        },
      },
    ];
    record('jpeg', size, jpegVariants.map((v) => v.name),
      await measureInterleaved(jpegVariants, () => ({ width: w, height: h, encoding: 'jpeg', step: 0, data: jpeg }), Math.max(5, iterations >> 2), 3));
  }

  const med = (input: string, size: string, variant: string) => rows.find((r) => r.input === input && r.size === size && r.variant === variant)?.medianUs;
  const ratios: Array<{ input: string; size: string; name: string; value: number }> = [];
  for (const [w, h] of SIZES) {
    const size = `${w}x${h}`;
    for (const input of ['bgr8', 'yuyv', 'nv12']) {
      const area = med(input, size, 'ours area')!, bil = med(input, size, 'ours bilinear')!;
      const read = med(input, size, 'read floor')!, box = med(input, size, 'libyuv box')!, lbil = med(input, size, 'libyuv bilinear')!;
      ratios.push({ input, size, name: 'area / read floor (goal <= 1.3)', value: area / read });
      ratios.push({ input, size, name: 'area / libyuv box (goal <= 0.5)', value: area / box });
      ratios.push({ input, size, name: 'bilinear / libyuv bilinear', value: bil / lbil });
      const sh = med(input, size, 'sharp+js');
      if (sh !== undefined) ratios.push({ input, size, name: 'area / (sharp+js)', value: area / sh });
    }
    ratios.push({ input: 'jpeg', size, name: 'ours / (sharp+js)', value: med('jpeg', size, 'ours area')! / med('jpeg', size, 'sharp+js')! });
  }

  if (values.json) {
    console.log(JSON.stringify({ unit: 'us', iterations, ringMib, rows, ratios }, null, 1));
    return 0;
  }
  for (const [w, h] of SIZES) {
    const size = `${w}x${h}`;
    log(`\n${size}`);
    for (const input of ['bgr8', 'yuyv', 'nv12', 'jpeg']) {
      const cells = rows.filter((r) => r.input === input && r.size === size).map((r) => `${r.variant} ${r.medianUs.toFixed(0)}`);
      log(`  ${input.padEnd(5)} ${cells.join(' | ')}`);
    }
    for (const r of ratios.filter((x) => x.size === size)) log(`    ${r.input.padEnd(5)} ${r.name.padEnd(34)} ${r.value.toFixed(2)}`);
  }
  log('\nanchors (reference/anchors.md, same VM, not this run): OpenCV INTER_AREA+I420 1080p 5600 µs, vendor OpenCV bilinear path 337 µs (resize+I420+interleave)');
  return 0;
}
