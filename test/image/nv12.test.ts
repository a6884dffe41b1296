import { strict as assert } from 'assert';
import { nativeGeometry, toNv12, toNv12Async, nv12ToRgb, nv12Size } from '../../src/image/nv12';
import { referenceToNv12, referenceNv12ToRgb } from '../../src/image/reference/nv12';
import { computeGeometry } from '../../src/image/reference/geometry';
import { PreprocessOptions, RAW_ENCODINGS, RawEncoding, RESIZE_FILTERS, RESIZE_MODES } from '../../src/image/types';
import { maxAbsDiff, randomFrame, rng } from './helpers';

const needsEven = (e: RawEncoding) => !['rgb8', 'bgr8', 'rgba8', 'bgra8', 'mono8'].includes(e);

// Source sizes: odd ones (where the format allows), a down-scale of about 5x (as 1080p -> 224),
// an up-scale, and an exact 2x reduction (OpenCV's special case).
function sizesFor(e: RawEncoding): Array<[number, number]> {
  const even = (v: number) => (needsEven(e) ? v & ~1 : v);
  return [[even(37), even(29)], [even(161), even(123)], [18, 14], [64, 48]];
}

describe('[native] NV12 conversion matches the TypeScript reference', () => {
  const outputs: Array<[number, number]> = [[32, 24], [24, 32]];
  for (const encoding of RAW_ENCODINGS) {
    for (const filter of RESIZE_FILTERS) {
      it(`${encoding} ${filter}: every mode, odd steps, within 1 per sample`, () => {
        let seed = 7;
        for (const [w, h] of sizesFor(encoding)) {
          for (const [dw, dh] of outputs) {
            for (const resizeMode of RESIZE_MODES) {
              const frame = randomFrame(encoding, w, h, (seed % 5) + 1, seed++);
              const opts: PreprocessOptions = { width: dw, height: dh, resizeMode, filter, cropRatio: resizeMode === 'center_crop' && seed % 2 ? 0.7 : 1 };
              const got = toNv12(frame, opts);
              const want = referenceToNv12(frame, opts);
              const diff = maxAbsDiff(got, want);
              assert.ok(diff <= 1, `${encoding} ${w}x${h} step ${frame.step} -> ${dw}x${dh} ${resizeMode} ${filter}: max diff ${diff}`);
            }
          }
        }
      });
    }
  }

  it('camera-sized frames to 224x224 (the real ratios and window lengths), within 1', () => {
    const cases: Array<[RawEncoding, number, number]> = [['bgr8', 641, 479], ['yuyv', 640, 480], ['nv12', 1280, 720], ['bgra8', 333, 1001]];
    let seed = 100;
    for (const [encoding, w, h] of cases) {
      for (const filter of RESIZE_FILTERS) {
        for (const resizeMode of RESIZE_MODES) {
          const frame = randomFrame(encoding, w, h, 7, seed++);
          const opts: PreprocessOptions = { width: 224, height: 224, resizeMode, filter };
          const diff = maxAbsDiff(toNv12(frame, opts), referenceToNv12(frame, opts));
          assert.ok(diff <= 1, `${encoding} ${w}x${h} ${resizeMode} ${filter}: max diff ${diff}`);
        }
      }
    }
  });

  it('extreme geometries: 1-pixel crops, thin frames, huge reduction ratios, within 1', () => {
    const cases: Array<[RawEncoding, number, number, PreprocessOptions]> = [
      ['bgr8', 101, 99, { width: 224, height: 224, resizeMode: 'center_crop', filter: 'area', cropRatio: 0.005 }],
      ['nv12', 100, 100, { width: 224, height: 224, resizeMode: 'center_crop', filter: 'bilinear', cropRatio: 0.01 }],
      ['rgb8', 3001, 3, { width: 2, height: 2, resizeMode: 'stretch', filter: 'area' }],
      ['mono8', 3, 2999, { width: 4, height: 2, resizeMode: 'stretch', filter: 'area' }],
      ['yuyv', 2, 300, { width: 2, height: 300, resizeMode: 'letterbox', filter: 'area' }],
      ['bgra8', 1, 1, { width: 6, height: 4, resizeMode: 'stretch', filter: 'bilinear' }],
      ['uyvy', 2, 2, { width: 8, height: 8, resizeMode: 'letterbox', filter: 'area' }],
    ];
    let seed = 500;
    for (const [encoding, w, h, opts] of cases) {
      const frame = randomFrame(encoding, w, h, 0, seed++);
      const diff = maxAbsDiff(toNv12(frame, opts), referenceToNv12(frame, opts));
      assert.ok(diff <= 1, `${encoding} ${w}x${h} ${JSON.stringify(opts)}: max diff ${diff}`);
    }
  });

  it('letterbox pads with Y 125, U 128, V 128 (RGB 127 grey after the BPU conversion)', () => {
    const frame = randomFrame('bgr8', 64, 32, 0, 1);
    const out = toNv12(frame, { width: 32, height: 32, resizeMode: 'letterbox', filter: 'area' });
    // 64x32 into 32x32: a 32x16 picture centred at rows 8..23.
    for (const row of [0, 7, 24, 31]) assert.deepEqual(out.subarray(row * 32, row * 32 + 32), new Uint8Array(32).fill(125));
    for (const uvRow of [0, 3, 12, 15]) assert.deepEqual(out.subarray(1024 + uvRow * 32, 1024 + uvRow * 32 + 32), new Uint8Array(32).fill(128));
    assert.notDeepEqual(out.subarray(8 * 32, 9 * 32), new Uint8Array(32).fill(125));
    assert.deepEqual(Array.from(nv12ToRgb(out, 32, 32).subarray(0, 3)), [127, 127, 127]);
  });

  it('native geometry equals the reference geometry', () => {
    const next = rng(3);
    for (let i = 0; i < 500; i++) {
      const w = 1 + (next() % 3000), h = 1 + (next() % 3000);
      const opts: PreprocessOptions = {
        width: 2 + 2 * (next() % 300), height: 2 + 2 * (next() % 300),
        resizeMode: RESIZE_MODES[next() % 3], filter: 'area', cropRatio: ((next() % 100) + 1) / 100,
      };
      assert.deepEqual(nativeGeometry(w, h, opts), computeGeometry(w, h, opts), `${w}x${h} ${JSON.stringify(opts)}`);
    }
  });

  it('the async call gives the same bytes as the sync call', async () => {
    const frame = randomFrame('bgr8', 97, 61, 3, 11);
    const opts: PreprocessOptions = { width: 40, height: 30, resizeMode: 'letterbox', filter: 'area' };
    const results = await Promise.all([1, 2, 3, 4].map(() => toNv12Async(frame, opts)));
    const sync = toNv12(frame, opts);
    for (const r of results) assert.deepEqual(r, sync);
  });

  it('writes into a caller buffer and leaves bytes beyond the image alone', () => {
    const frame = randomFrame('yuyv', 50, 40, 2, 5);
    const opts: PreprocessOptions = { width: 16, height: 12, resizeMode: 'stretch', filter: 'bilinear' };
    const out = new Uint8Array(nv12Size(16, 12) + 8).fill(77);
    toNv12(frame, opts, out);
    assert.deepEqual(out.subarray(nv12Size(16, 12)), new Uint8Array(8).fill(77));
    assert.deepEqual(out.subarray(0, nv12Size(16, 12)), referenceToNv12(frame, opts));
  });

  it('nv12ToRgb equals the reference inverse and round-trips grey and primaries', () => {
    const frame = randomFrame('nv12', 20, 10, 0, 9);
    const nv12 = frame.data;
    assert.deepEqual(nv12ToRgb(nv12, 20, 10), referenceNv12ToRgb(nv12, 20, 10));
    // RGB -> NV12 -> RGB on flat colours comes back within 2 levels (limited-range quantisation).
    for (const rgb of [[127, 127, 127], [255, 0, 0], [0, 255, 0], [0, 0, 255], [12, 200, 90]]) {
      const flat = { width: 4, height: 4, encoding: 'rgb8', step: 12, data: new Uint8Array(48).map((_, i) => rgb[i % 3]) };
      const back = nv12ToRgb(toNv12(flat, { width: 4, height: 4, resizeMode: 'stretch', filter: 'area' }), 4, 4);
      for (let i = 0; i < back.length; i++) assert.ok(Math.abs(back[i] - rgb[i % 3]) <= 2, `${rgb} -> ${back.subarray(0, 3)}`);
    }
  });
});
