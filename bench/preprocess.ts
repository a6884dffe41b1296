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

// Not measurable from Node: the vendor's Python/OpenCV 4.6 path on this VM (reference/anchors.md,
// 2026-11-28, hot input): resize LINEAR + cvtColor I420 + NV12 interleave, and INTER_AREA + same.
const VENDOR_BILINEAR_US: Record<string, number> = { '640x480': 266, '1280x720': 299, '1920x1080': 337 };
const OPENCV_AREA_US: Record<string, number> = { '640x480': 1352, '1280x720': 2898, '1920x1080': 5608 };

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
      sizes: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log('usage: mnv4 bench preprocess [--json] [--iterations N (default 80)] [--ring-mib M (default 512)] [--sizes 640x480,1920x1080]');
    return 0;
  }
  const iterations = Number(values.iterations ?? 80);
  const ringMib = Number(values['ring-mib'] ?? 512);
  const sizes = values.sizes ? values.sizes.split(',').map((v) => v.split('x').map(Number) as [number, number]) : SIZES;
  if (!(iterations >= 1) || !(ringMib >= 16) || sizes.some(([w, h]) => !(w >= 224 && h >= 224 && w % 2 === 0 && h % 2 === 0))) {
    console.error('mnv4 bench preprocess: --iterations >= 1, --ring-mib >= 16, --sizes WxH,... even and >= 224');
    return 2;
  }
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

  for (const [w, h] of sizes) {
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
      // The anchors' vendor OpenCV path was timed on a hot frame (the same buffer call after call):
      // 'ours bilinear hot' does the same, in its own loop so the cold variants do not evict it.
      if (enc === 'bgr8') {
        const hot = makeFrame();
        const copy: RawFrame = { ...hot, data: new Uint8Array(hot.data) };
        record(enc, size, ['ours bilinear hot'],
          await measureInterleaved([{ name: 'ours bilinear hot', call: (f) => toNv12(f, BILINEAR, out) }], () => copy, iterations, 10));
      }
      const slow = variants.filter((v) => v.name.startsWith('sharp'));
      if (slow.length) record(enc, size, slow.map((v) => v.name), await measureInterleaved(slow, makeFrame, Math.max(5, iterations >> 2), 3));
    }
    // JPEG: decoding dominates; ours = sharp decode to raw + our area conversion.
    // A camera-like picture (gradients, mild noise): JPEGs of random bytes decode unrealistically slowly.
    const scene = new Uint8Array(w * h * 3);
    const noise = ring.take(w * h * 3).data;
    for (let i = 0; i < scene.length; i++) {
      const px = (i / 3) | 0, x = px % w, y = (px / w) | 0, c = i % 3;
      scene[i] = Math.min(255, Math.max(0, (c === 0 ? (x * 255) / w : c === 1 ? (y * 255) / h : ((x + y) * 255) / (w + h)) + (noise[i] & 15) - 8));
    }
    const jpeg = await sharp(scene, { raw: { width: w, height: h, channels: 3 } }).jpeg({ quality: 90 }).toBuffer();
    const rgb = new Uint8Array(224 * 224 * 3);
    // Largest JPEG DCT shrink (1/2, 1/4, 1/8) that keeps both sides >= 224: libjpeg then decodes
    // only the coefficients it needs, and our area filter does the rest exactly.
    let shrink = 8;
    while (shrink > 1 && (Math.ceil(w / shrink) < 224 || Math.ceil(h / shrink) < 224)) shrink /= 2;
    const decodeAndConvert = async (img: ReturnType<typeof sharp>) => {
      const { data, info } = await img.raw().toBuffer({ resolveWithObject: true });
      toNv12({ width: info.width, height: info.height, encoding: 'rgb8', step: info.width * 3, data }, AREA, out);
    };
    const jpegVariants: Variant[] = [
      { name: 'ours area', call: () => decodeAndConvert(sharp(jpeg)) },
      {
        name: `ours area shrink-on-load 1/${shrink}`,
        call: () => decodeAndConvert(sharp(jpeg).resize(Math.ceil(w / shrink), Math.ceil(h / shrink), { fit: 'fill', kernel: 'nearest' })),
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
  for (const [w, h] of sizes) {
    const size = `${w}x${h}`;
    for (const input of ['bgr8', 'yuyv', 'nv12']) {
      const area = med(input, size, 'ours area')!, bil = med(input, size, 'ours bilinear')!;
      const read = med(input, size, 'read floor')!, box = med(input, size, 'libyuv box')!, lbil = med(input, size, 'libyuv bilinear')!;
      ratios.push({ input, size, name: 'area / read floor (goal <= 1.3)', value: area / read });
      ratios.push({ input, size, name: 'area / libyuv box (goal <= 0.5)', value: area / box });
      ratios.push({ input, size, name: 'bilinear / libyuv bilinear', value: bil / lbil });
      if (input === 'bgr8' && VENDOR_BILINEAR_US[size] !== undefined) {
        ratios.push({ input, size, name: 'bilinear hot / vendor OpenCV (anchor)', value: med(input, size, 'ours bilinear hot')! / VENDOR_BILINEAR_US[size] });
        ratios.push({ input, size, name: 'area / OpenCV INTER_AREA (anchor)', value: area / OPENCV_AREA_US[size] });
      }
      const sh = med(input, size, 'sharp+js');
      if (sh !== undefined) ratios.push({ input, size, name: 'area / (sharp+js)', value: area / sh });
    }
    const shrunk = rows.find((r) => r.input === 'jpeg' && r.size === size && r.variant.includes('shrink'))!;
    ratios.push({ input: 'jpeg', size, name: 'ours (full decode) / (sharp+js)', value: med('jpeg', size, 'ours area')! / med('jpeg', size, 'sharp+js')! });
    ratios.push({ input: 'jpeg', size, name: 'ours (shrink-on-load) / (sharp+js)', value: shrunk.medianUs / med('jpeg', size, 'sharp+js')! });
  }

  if (values.json) {
    console.log(JSON.stringify({ unit: 'us', iterations, ringMib, rows, ratios }, null, 1));
    return 0;
  }
  for (const [w, h] of sizes) {
    const size = `${w}x${h}`;
    log(`\n${size}`);
    for (const input of ['bgr8', 'yuyv', 'nv12', 'jpeg']) {
      const cells = rows.filter((r) => r.input === input && r.size === size).map((r) => `${r.variant} ${r.medianUs.toFixed(0)}`);
      log(`  ${input.padEnd(5)} ${cells.join(' | ')}`);
    }
    for (const r of ratios.filter((x) => x.size === size)) log(`    ${r.input.padEnd(5)} ${r.name.padEnd(34)} ${r.value.toFixed(2)}`);
  }
  log('\n(anchor) ratios use the OpenCV timings of reference/anchors.md (same VM, earlier, hot input), not this run');
  return 0;
}
