// Every bad frame gets a typed FrameError before C++, and the binding itself refuses bad calls
// with an Error (never a crash, also under AddressSanitizer).
import { strict as assert } from 'assert';
import { FrameError, FrameErrorCode } from '../../src/errors';
import { loadNative } from '../../src/native';
import { MAX_FRAME_SIDE, toNv12, toNv12Async, validateFrame } from '../../src/image/nv12';
import { readImageFile } from '../../src/image/file';
import { DEFAULT_PREPROCESS, RawFrame } from '../../src/image/types';

const good: RawFrame = { width: 6, height: 4, encoding: 'bgr8', step: 18, data: new Uint8Array(72) };
const nv12Good: RawFrame = { width: 6, height: 4, encoding: 'nv12', step: 6, data: new Uint8Array(36) };

const cases: Array<[string, RawFrame, FrameErrorCode, RegExp]> = [
  ['unknown encoding', { ...good, encoding: 'bayer_rggb8' }, 'unknown_encoding', /unknown image encoding 'bayer_rggb8'/],
  ['16-bit encoding', { ...good, encoding: 'mono16' }, 'unknown_encoding', /mono16/],
  ['step smaller than a row', { ...good, step: 17 }, 'bad_step', /step 17 is smaller than one bgr8 row of 6 pixels \(18 bytes\)/],
  ['non-integer step', { ...good, step: 18.5 }, 'bad_step', /step/],
  ['data shorter than step*height', { ...good, data: new Uint8Array(71) }, 'short_data', /needs 72 bytes of data, got 71/],
  ['nv12 without its UV plane', { ...nv12Good, data: new Uint8Array(24) }, 'short_data', /needs 36 bytes/],
  ['zero width', { ...good, width: 0 }, 'zero_size', /no pixels \(0x4\)/],
  ['zero height', { ...good, height: 0, data: new Uint8Array(0) }, 'zero_size', /no pixels/],
  ['negative width', { ...good, width: -2 }, 'zero_size', /no pixels/],
  ['width over the cap', { ...good, width: MAX_FRAME_SIDE + 1, step: (MAX_FRAME_SIDE + 1) * 3 }, 'too_large', /exceeds the limit of 16384/],
  ['height over the cap', { ...good, height: 100000 }, 'too_large', /exceeds the limit/],
  ['odd width for yuyv', { width: 5, height: 4, encoding: 'yuyv', step: 10, data: new Uint8Array(40) }, 'odd_size', /width 5 is odd/],
  ['odd width for uyvy', { width: 7, height: 2, encoding: 'yuv422', step: 14, data: new Uint8Array(28) }, 'odd_size', /width 7 is odd/],
  ['odd height for nv12', { width: 6, height: 3, encoding: 'nv12', step: 6, data: new Uint8Array(27) }, 'odd_size', /height 3 is odd/],
  ['odd height for nv21', { width: 6, height: 5, encoding: 'nv21', step: 6, data: new Uint8Array(60) }, 'odd_size', /height 5 is odd/],
];

describe('[native] NV12 conversion refuses bad frames', () => {
  it('accepts the good frames these cases are derived from', () => {
    validateFrame(good);
    validateFrame(nv12Good);
    toNv12(good);
    toNv12(nv12Good);
  });

  for (const [what, frame, code, message] of cases) {
    it(`${what}: FrameError ${code}`, async () => {
      const check = (err: unknown) => {
        assert.ok(err instanceof FrameError, `not a FrameError: ${err}`);
        assert.equal(err.code, code);
        assert.match(err.message, message);
        return true;
      };
      assert.throws(() => toNv12(frame, DEFAULT_PREPROCESS), check);
      await assert.rejects(toNv12Async(frame, DEFAULT_PREPROCESS), check);
    });
  }

  it('odd sizes are fine for formats without subsampled chroma', () => {
    for (const encoding of ['rgb8', 'bgra8', 'mono8']) {
      const bpp = encoding === 'mono8' ? 1 : encoding === 'rgb8' ? 3 : 4;
      toNv12({ width: 5, height: 3, encoding, step: 5 * bpp, data: new Uint8Array(15 * bpp) });
    }
  });

  it('refuses unusable options with a RangeError', () => {
    assert.throws(() => toNv12(good, { ...DEFAULT_PREPROCESS, width: 223 }), /must be even/);
    assert.throws(() => toNv12(good, { ...DEFAULT_PREPROCESS, resizeMode: 'fill' as never }), /unknown resize mode 'fill'/);
    assert.throws(() => toNv12(good, { ...DEFAULT_PREPROCESS, filter: 'cubic' as never }), /unknown resize filter/);
    assert.throws(() => toNv12(good, { ...DEFAULT_PREPROCESS, resizeMode: 'center_crop', cropRatio: 0 }), /crop ratio/);
    assert.throws(() => toNv12(good, DEFAULT_PREPROCESS, new Uint8Array(100)), /output buffer has 100 bytes/);
  });
});

// Calls the binding directly, bypassing the TypeScript checks: the C++ validation must hold.
describe('[native] convert binding validates its arguments', () => {
  type Fn = (...a: unknown[]) => unknown;
  const native = loadNative<Record<string, Fn>>();
  const dst = new Uint8Array(224 * 224 * 3 / 2);
  const call = (over: Partial<Record<number, unknown>>) => {
    const a: unknown[] = [new Uint8Array(72), 6, 4, 18, 1, dst, 224, 224, 0, 0, 1];
    for (const [k, v] of Object.entries(over)) a[Number(k)] = v;
    return a;
  };
  const bad: Array<[string, unknown[], RegExp]> = [
    ['short data', call({ 0: new Uint8Array(71) }), /data has 71 bytes, the frame needs 72/],
    ['step below row', call({ 3: 17 }), /step 17 is smaller than one row of 18 bytes/],
    ['negative step', call({ 3: -18 }), /step -18/],
    ['zero size', call({ 1: 0 }), /zero size/],
    ['huge size', call({ 1: 1 << 30, 3: 1 << 30 }), /exceeds the limit/],
    ['unknown format', call({ 4: 42 }), /unknown pixel format 42/],
    ['negative format', call({ 4: -1 }), /unknown pixel format/],
    ['odd yuyv width', call({ 1: 5, 3: 10, 4: 6 }), /width 5 is odd/],
    ['odd nv12 height', call({ 2: 3, 3: 6, 4: 7 }), /height 3 is odd/],
    ['short nv12 (no UV plane)', call({ 0: new Uint8Array(24), 3: 6, 4: 7 }), /needs 36/],
    ['dst too short', call({ 5: new Uint8Array(10) }), /dst has 10 bytes/],
    ['odd output', call({ 5: new Uint8Array(10000), 6: 33, 7: 32 }), /must be positive and even/],
    ['unknown mode', call({ 8: 7 }), /unknown resize mode 7/],
    ['unknown filter', call({ 9: 9 }), /unknown resize filter 9/],
    ['NaN crop ratio', call({ 10: NaN }), /crop ratio/],
    ['src not a Uint8Array', call({ 0: [1, 2, 3] }), /src must be a Uint8Array/],
    ['Float32Array src', call({ 0: new Float32Array(72) }), /src must be a Uint8Array/],
    ['non-integer width', call({ 1: 6.5 }), /width must be an integer/],
    ['string height', call({ 2: '4' }), /height must be a number/],
  ];
  for (const [what, args, message] of bad) {
    it(`${what}: sync throws, async throws`, () => {
      assert.throws(() => native.convertToNv12(...args), message);
      assert.throws(() => native.convertToNv12Async(...args), message);
    });
  }
  it('too few arguments', () => {
    assert.throws(() => native.convertToNv12(new Uint8Array(4)), /11 arguments/);
  });
  it('nv12ToRgb refuses short buffers and odd sizes', () => {
    assert.throws(() => native.nv12ToRgb(new Uint8Array(10), 4, 4, new Uint8Array(48)), /too short/);
    assert.throws(() => native.nv12ToRgb(new Uint8Array(24), 4, 4, new Uint8Array(47)), /too short for RGB/);
    assert.throws(() => native.nv12ToRgb(new Uint8Array(24), 3, 4, new Uint8Array(48)), /even/);
  });
});

describe('image files', () => {
  it('reports a missing file and a file that is not an image', async () => {
    await assert.rejects(readImageFile('/nonexistent/x.png'), /cannot read image file \/nonexistent\/x.png: ENOENT/);
    await assert.rejects(readImageFile(__filename), (e: unknown) => e instanceof FrameError && e.code === 'corrupt_image');
  });
});
