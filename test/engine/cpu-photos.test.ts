// Real photos through the CPU backend's NV12 path (frame -> NV12 -> RGB -> model), with the
// reference MobileNetV2 and center_crop: every photo keeps its expected top-1 (SOURCES.md), also
// when first placed in a 1280x720 and a 1920x1080 camera frame in every supported encoding (frames
// made here with an independent RGB -> YUV conversion), and the NV12 path's top-5 probabilities stay
// within 0.05 of the direct RGB path on the same image (centre crop + an independent area resize
// straight into the model; see TOLERANCE for the one photo that needs more).
import { strict as assert } from 'assert';
import * as path from 'path';
import sharp from 'sharp';
import { CpuEngine } from '../../src/engine/cpu/engine';
import { ModelRunner } from '../../src/engine/cpu/runner';
import { resolveModel } from '../../src/engine/registry';
import type { EngineResult } from '../../src/engine/types';
import type { PreprocessOptions, RawFrame } from '../../src/image/types';

// The converter (src/image/nv12.ts), typed here by the slice this test uses.
const { nv12ToRgb, toNv12 } = require('../../src/image/nv12') as {
  toNv12(frame: RawFrame, opts: PreprocessOptions, out?: Uint8Array): Uint8Array;
  nv12ToRgb(nv12: Uint8Array, width: number, height: number, out?: Uint8Array): Uint8Array;
};

const images = path.join(__dirname, '..', 'fixtures', 'images');
const EXPECTED: Record<string, number> = {
  'cat.png': 285, 'parrot.jpg': 88, 'hot_dog.jpg': 934, 'bird.png': 19,
  'squirrel_cls.jpg': 335, 'baboon.jpg': 372, 'orange.jpg': 950, 'camera.png': 872,
};
// The squirrel photo sits on this uint8 model's squirrel-vs-titi edge: the direct RGB path alone
// moves class 335 from 0.79 to 0.93 between ordinary resize kernels (bilinear .. nearest), so it
// cannot resolve 0.05. Measured NV12-vs-RGB differences on class 335 with the current converter:
// 0.06 at its own size and for 720p RGB frames, 0.11 for 1080p RGB frames, 0.13 for 1080p nv12/nv21
// input (chroma subsampled once by the camera encoding, again by the conversion). Every other photo
// stays within 0.04 in every encoding and keeps the 0.05 bound.
const TOLERANCE: Record<string, number> = { 'squirrel_cls.jpg': 0.15 };
const PRE: PreprocessOptions = { width: 224, height: 224, resizeMode: 'center_crop', filter: 'area', cropRatio: 1 };
const COLOUR_ENCODINGS = ['rgb8', 'bgr8', 'rgba8', 'bgra8', 'yuyv', 'uyvy', 'nv12', 'nv21'] as const;
const CAMERA_SIZES: Array<[number, number]> = [[1280, 720], [1920, 1080]];

// ---- independent frame builders (BT.601 limited range, the usual 8-bit integer form) ----------------
const yOf = (r: number, g: number, b: number) => ((66 * r + 129 * g + 25 * b + 128) >> 8) + 16;
const uOf = (r: number, g: number, b: number) => ((-38 * r - 74 * g + 112 * b + 128) >> 8) + 128;
const vOf = (r: number, g: number, b: number) => ((112 * r - 94 * g - 18 * b + 128) >> 8) + 128;

/** Full-resolution Y and unrounded-per-pixel U, V of an RGB image. */
interface Planes {
  Y: Uint8Array;
  U: Int32Array;
  V: Int32Array;
}

/**
 * Packed RGB (w*h*3) -> a frame in `encoding`; chroma is the mean of the pixels it covers. `yuv`
 * caches the per-pixel Y, U, V of an image across the YUV encodings of it.
 */
function encode(rgb: Uint8Array, w: number, h: number, encoding: string, yuv = new Map<Uint8Array, Planes>()): RawFrame {
  if (encoding === 'rgb8' || encoding === 'bgr8' || encoding === 'rgba8' || encoding === 'bgra8') {
    const c = encoding.startsWith('rgba') || encoding.startsWith('bgra') ? 4 : 3;
    const swap = encoding.startsWith('bgr');
    const out = new Uint8Array(w * h * c);
    for (let i = 0, o = 0; i < w * h * 3; i += 3, o += c) {
      out[o] = rgb[swap ? i + 2 : i];
      out[o + 1] = rgb[i + 1];
      out[o + 2] = rgb[swap ? i : i + 2];
      if (c === 4) out[o + 3] = 255;
    }
    return { width: w, height: h, encoding, step: w * c, data: out };
  }
  let planes = yuv.get(rgb);
  if (!planes) {
    planes = { Y: new Uint8Array(w * h), U: new Int32Array(w * h), V: new Int32Array(w * h) };
    for (let p = 0, i = 0; p < w * h; p++, i += 3) {
      const r = rgb[i], g = rgb[i + 1], b = rgb[i + 2];
      planes.Y[p] = yOf(r, g, b);
      planes.U[p] = uOf(r, g, b);
      planes.V[p] = vOf(r, g, b);
    }
    yuv.set(rgb, planes);
  }
  const { Y, U, V } = planes;
  if (encoding === 'yuyv' || encoding === 'uyvy') {
    const out = new Uint8Array(w * h * 2);
    const yuyv = encoding === 'yuyv';
    for (let p = 0; p < w * h; p += 2) {
      const u = Math.round((U[p] + U[p + 1]) / 2), v = Math.round((V[p] + V[p + 1]) / 2);
      const o = p * 2;
      if (yuyv) {
        out[o] = Y[p]; out[o + 1] = u; out[o + 2] = Y[p + 1]; out[o + 3] = v;
      } else {
        out[o] = u; out[o + 1] = Y[p]; out[o + 2] = v; out[o + 3] = Y[p + 1];
      }
    }
    return { width: w, height: h, encoding, step: w * 2, data: out };
  }
  // nv12 / nv21
  const out = new Uint8Array((w * h * 3) / 2);
  out.set(Y);
  const vu = encoding === 'nv21';
  for (let y = 0; y < h; y += 2) {
    for (let x = 0; x < w; x += 2) {
      const p = y * w + x;
      const u = Math.round((U[p] + U[p + 1] + U[p + w] + U[p + w + 1]) / 4);
      const v = Math.round((V[p] + V[p + 1] + V[p + w] + V[p + w + 1]) / 4);
      const o = w * h + (y / 2) * w + x;
      out[o + (vu ? 1 : 0)] = u;
      out[o + (vu ? 0 : 1)] = v;
    }
  }
  return { width: w, height: h, encoding, step: w, data: out };
}

/**
 * The photo as a W x H camera frame whose centred H x H square is exactly the photo's own centred
 * square (scaled), so a center_crop sees the same scene; the sides are the rest of the photo, or a
 * mirror of it where the photo is too narrow.
 */
async function cameraFrame(file: string, W: number, H: number): Promise<Uint8Array> {
  const meta = await sharp(file).metadata();
  const w = meta.width!, h = meta.height!;
  const k = H / Math.min(w, h);
  const rw = w <= h ? H : Math.round(w * k), rh = h <= w ? H : Math.round(h * k);
  const scaled = await sharp(file).removeAlpha().toColourspace('srgb').resize(rw, rh, { fit: 'fill', kernel: 'cubic' }).raw().toBuffer();
  const ew = Math.min(rw, W), eh = Math.min(rh, H);
  const left = Math.floor((rw - ew) / 2), top = Math.floor((rh - eh) / 2);
  const padL = Math.floor((W - ew) / 2);
  const out = await sharp(scaled, { raw: { width: rw, height: rh, channels: 3 } })
    .extract({ left, top, width: ew, height: eh })
    .extend({ left: padL, right: W - ew - padL, top: 0, bottom: 0, extendWith: 'mirror' })
    .raw()
    .toBuffer();
  assert.equal(out.length, W * H * 3);
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}

/** The R channel of packed RGB (the greyscale photo has R = G = B). */
function greyOf(rgb: Uint8Array): Uint8Array {
  const out = new Uint8Array(rgb.length / 3);
  for (let i = 0; i < out.length; i++) out[i] = rgb[i * 3];
  return out;
}

/** The photo as a frame at its own size: rgb8, or mono8 for the greyscale one. */
async function photoFrame(file: string): Promise<RawFrame> {
  const meta = await sharp(file).metadata();
  const grey = meta.channels === 1;
  const { data, info } = await (grey ? sharp(file).extractChannel(0) : sharp(file).removeAlpha().toColourspace('srgb')).raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, encoding: grey ? 'mono8' : 'rgb8', step: info.width * info.channels, data: new Uint8Array(data) };
}

/**
 * Area resize (box average with fractional edge weights, like OpenCV INTER_AREA) of the cw x ch
 * window at (x0, y0) of packed RGB `src` (sw pixels a row) to dw x dh; separable, in float.
 */
function areaResize(src: Uint8Array, sw: number, x0: number, y0: number, cw: number, ch: number, dw: number, dh: number): Uint8Array {
  // taps(n, d): for output o, source indices first[o] .. first[o]+count[o]-1 with weights w[o*max+k]
  const taps = (n: number, d: number) => {
    const s = n / d, max = Math.ceil(s) + 1;
    const first = new Int32Array(d), count = new Int32Array(d), w = new Float64Array(d * max);
    for (let o = 0; o < d; o++) {
      const a = o * s, b = (o + 1) * s;
      first[o] = Math.floor(a);
      for (let i = Math.floor(a); i < Math.ceil(b); i++) w[o * max + count[o]++] = (Math.min(b, i + 1) - Math.max(a, i)) / s;
    }
    return { first, count, w, max };
  };
  const tx = taps(cw, dw), ty = taps(ch, dh);
  const tmp = new Float64Array(ch * dw * 3);
  for (let y = 0; y < ch; y++) {
    const row = ((y0 + y) * sw + x0) * 3;
    for (let ox = 0; ox < dw; ox++) {
      let r = 0, g = 0, b = 0;
      for (let k = 0; k < tx.count[ox]; k++) {
        const wt = tx.w[ox * tx.max + k], i = row + (tx.first[ox] + k) * 3;
        r += wt * src[i];
        g += wt * src[i + 1];
        b += wt * src[i + 2];
      }
      const o = (y * dw + ox) * 3;
      tmp[o] = r;
      tmp[o + 1] = g;
      tmp[o + 2] = b;
    }
  }
  const out = new Uint8Array(dw * dh * 3);
  for (let oy = 0; oy < dh; oy++) {
    for (let j = 0; j < dw * 3; j++) {
      let acc = 0;
      for (let k = 0; k < ty.count[oy]; k++) acc += ty.w[oy * ty.max + k] * tmp[(ty.first[oy] + k) * dw * 3 + j];
      out[oy * dw * 3 + j] = Math.min(255, Math.max(0, Math.round(acc)));
    }
  }
  return out;
}

function top5(p: Float64Array): number[] {
  return [...p.keys()].sort((a, b) => p[b] - p[a]).slice(0, 5);
}

function probsOf(r: EngineResult): Map<number, number> {
  assert.ok(r.ok, r.ok ? '' : `${r.error.code}: ${r.error.message}`);
  return new Map(r.top.map((h) => [h.classIndex, h.score]));
}

describe('CPU backend on real photos through the NV12 path (reference MobileNetV2, center_crop)', function () {
  this.timeout(120000);
  let engine: CpuEngine;
  let direct: ModelRunner;
  before(async () => {
    const m = resolveModel('reference-mobilenetv2', 'cpu');
    engine = await CpuEngine.open({
      modelPath: m.modelPath, modelName: m.name, contract: m.contract!,
      numThreads: 2, queueSize: 4, dropPolicy: 'block', topK: 1000, inferTimeoutMs: 0,
      preprocess: PRE,
    });
    direct = await ModelRunner.create({ modelPath: m.modelPath, contract: m.contract!, width: 224, height: 224 });
  });
  after(async () => {
    await engine?.close();
    await direct?.release();
  });

  /** The direct RGB path: centre square, area resize to 224, straight into the model (no NV12). */
  async function directPath(rgb: Uint8Array, w: number, h: number): Promise<Float64Array> {
    const side = Math.min(w, h);
    direct.setRgb(areaResize(rgb, w, Math.floor((w - side) / 2), Math.floor((h - side) / 2), side, side, 224, 224));
    await direct.run();
    return Float64Array.from(direct.probabilities());
  }

  for (const [name, expected] of Object.entries(EXPECTED)) {
    it(`${name}: top-1 ${expected} at its own size and in 720p/1080p frames of every encoding`, async () => {
      const file = path.join(images, name);
      const meta = await sharp(file).metadata();
      const photo = await sharp(file).removeAlpha().toColourspace('srgb').raw().toBuffer(); // grey -> R=G=B
      let ref = await directPath(new Uint8Array(photo.buffer, photo.byteOffset, photo.length), meta.width!, meta.height!);
      let refTop5 = top5(ref);
      assert.equal(refTop5[0], expected, 'direct RGB path top-1');

      const frame = await photoFrame(file);
      // The worker's answer is exactly that of the same NV12 round trip done here on the frame's bytes.
      const here = nv12ToRgb(toNv12(frame, PRE), 224, 224);
      direct.setRgb(here);
      await direct.run();
      const hereProbs = Float64Array.from(direct.probabilities());
      const own = probsOf(await engine.submit({ ...frame, data: new Uint8Array(frame.data) }));
      for (const [c, p] of own) assert.ok(Math.abs(p - hereProbs[c]) < 1e-6, `class ${c}: worker ${p} vs main thread ${hereProbs[c]}`);
      const checkTop5 = (got: Map<number, number>, what: string, tol: number) => {
        const best = [...got.entries()].reduce((a, b) => (b[1] > a[1] ? b : a));
        assert.equal(best[0], expected, `${what}: top-1 ${best[0]} (${best[1].toFixed(3)})`);
        for (const c of refTop5) {
          const d = Math.abs((got.get(c) ?? 0) - ref[c]);
          assert.ok(d <= tol, `${what}: class ${c} NV12 ${(got.get(c) ?? 0).toFixed(4)} vs RGB ${ref[c].toFixed(4)}`);
        }
      };
      const tol = TOLERANCE[name] ?? 0.05;
      checkTop5(own, 'own size', tol);

      for (const [W, H] of CAMERA_SIZES) {
        const cam = await cameraFrame(file, W, H);
        ref = await directPath(cam, W, H);
        refTop5 = top5(ref);
        const encodings: string[] = meta.channels === 1 ? [...COLOUR_ENCODINGS, 'mono8'] : [...COLOUR_ENCODINGS];
        const pending: Array<Promise<[string, EngineResult]>> = [];
        const yuv = new Map<Uint8Array, Planes>();
        for (const enc of encodings) {
          const frame = enc === 'mono8'
            ? { width: W, height: H, encoding: 'mono8', step: W, data: greyOf(cam) }
            : encode(cam, W, H, enc, yuv);
          await engine.ready();
          pending.push(engine.submit(frame).then((r) => [enc, r]));
        }
        for (const [enc, r] of await Promise.all(pending)) checkTop5(probsOf(r), `${W}x${H} ${enc}`, tol);
      }
    });
  }
});
