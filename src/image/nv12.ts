// Typed wrapper of the native frame -> NV12 conversion (native/src/convert/). Frames are validated
// here with messages a user understands (FrameError codes) before any byte reaches C++; the native
// side checks again for memory safety.
import { FrameError } from '../errors';
import { loadNative } from '../native';
import { DEFAULT_PREPROCESS, PreprocessOptions, RawFrame, RAW_ENCODINGS, RawEncoding, ResizeFilter, ResizeMode } from './types';

/** Largest accepted frame side in pixels (native kMaxSourceSide); larger frames are refused. */
export const MAX_FRAME_SIDE = 16384;

/** Native PixelFormat values (native/src/convert/nv12.h). */
export const PIXEL_FORMAT: Record<RawEncoding, number> = {
  rgb8: 0,
  bgr8: 1,
  rgba8: 2,
  bgra8: 3,
  mono8: 4,
  yuv422: 5, // ROS yuv422 is UYVY byte order
  uyvy: 5,
  yuv422_yuy2: 6,
  yuyv: 6,
  nv12: 7,
  nv21: 8,
};

const MODE: Record<ResizeMode, number> = { stretch: 0, center_crop: 1, letterbox: 2 };
const FILTER: Record<ResizeFilter, number> = { area: 0, bilinear: 1 };

/** Bytes per pixel of the first plane's rows. */
export function bytesPerPixel(enc: RawEncoding): number {
  switch (enc) {
    case 'rgb8': case 'bgr8': return 3;
    case 'rgba8': case 'bgra8': return 4;
    case 'yuv422': case 'uyvy': case 'yuv422_yuy2': case 'yuyv': return 2;
    default: return 1;
  }
}

export function isRawEncoding(enc: string): enc is RawEncoding {
  return (RAW_ENCODINGS as readonly string[]).includes(enc);
}

/** Native format number of a ROS encoding; FrameError('unknown_encoding') otherwise. */
export function encodingToFormat(enc: string): number {
  if (!isRawEncoding(enc)) {
    throw new FrameError('unknown_encoding', `unknown image encoding '${enc}' (supported: ${RAW_ENCODINGS.join(', ')})`);
  }
  return PIXEL_FORMAT[enc];
}

/** Bytes a frame of this geometry must at least have (`step*height`, plus the UV plane for NV12/NV21). */
export function requiredBytes(enc: RawEncoding, step: number, height: number): number {
  const semiPlanar = enc === 'nv12' || enc === 'nv21';
  return step * height + (semiPlanar ? step * (height / 2) : 0);
}

/** Throws a FrameError describing the first problem of `frame`, or returns when it can be converted. */
export function validateFrame(frame: RawFrame): void {
  const enc = frame.encoding;
  encodingToFormat(enc);
  const e = enc as RawEncoding;
  const { width, height, step } = frame;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new FrameError('zero_size', `frame has no pixels (${width}x${height})`);
  }
  if (width > MAX_FRAME_SIDE || height > MAX_FRAME_SIDE) {
    throw new FrameError('too_large', `frame ${width}x${height} exceeds the limit of ${MAX_FRAME_SIDE} pixels per side`);
  }
  const four2x = e === 'yuv422' || e === 'uyvy' || e === 'yuv422_yuy2' || e === 'yuyv' || e === 'nv12' || e === 'nv21';
  if (four2x && width % 2 !== 0) {
    throw new FrameError('odd_size', `${enc} frame width ${width} is odd; 4:2:x chroma needs an even width`);
  }
  if ((e === 'nv12' || e === 'nv21') && height % 2 !== 0) {
    throw new FrameError('odd_size', `${enc} frame height ${height} is odd; 4:2:0 chroma needs an even height`);
  }
  const row = width * bytesPerPixel(e);
  if (!Number.isInteger(step) || step < row) {
    throw new FrameError('bad_step', `step ${step} is smaller than one ${enc} row of ${width} pixels (${row} bytes)`);
  }
  const need = requiredBytes(e, step, height);
  if (!(frame.data instanceof Uint8Array) || frame.data.length < need) {
    const have = frame.data instanceof Uint8Array ? frame.data.length : 0;
    throw new FrameError('short_data', `${enc} frame ${width}x${height} with step ${step} needs ${need} bytes of data, got ${have}`);
  }
}

/** Throws a RangeError when the pre-processing options are unusable. */
export function validateOptions(opts: PreprocessOptions): void {
  const { width, height } = opts;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0 || width % 2 || height % 2 ||
      width > MAX_FRAME_SIDE || height > MAX_FRAME_SIDE) {
    throw new RangeError(`output size ${width}x${height} must be even, positive and at most ${MAX_FRAME_SIDE}`);
  }
  if (!(opts.resizeMode in MODE)) throw new RangeError(`unknown resize mode '${opts.resizeMode}' (stretch, center_crop, letterbox)`);
  if (!(opts.filter in FILTER)) throw new RangeError(`unknown resize filter '${opts.filter}' (area, bilinear)`);
  const r = opts.cropRatio ?? 1;
  if (!(r > 0 && r <= 1)) throw new RangeError(`crop ratio ${r} must be in (0, 1]`);
}

/** Size in bytes of an NV12 image. */
export function nv12Size(width: number, height: number): number {
  return width * height * 3 / 2;
}

interface ConvertBinding {
  convertToNv12(src: Uint8Array, width: number, height: number, step: number, format: number, dst: Uint8Array,
    dstWidth: number, dstHeight: number, mode: number, filter: number, cropRatio: number): void;
  convertToNv12Async(src: Uint8Array, width: number, height: number, step: number, format: number, dst: Uint8Array,
    dstWidth: number, dstHeight: number, mode: number, filter: number, cropRatio: number): Promise<void>;
  nv12ToRgb(nv12: Uint8Array, width: number, height: number, dst: Uint8Array): void;
  nv12ToTensor(nv12: Uint8Array, width: number, height: number, dst: Float32Array, planar: boolean, table: Float32Array): void;
  nv12Geometry(srcWidth: number, srcHeight: number, dstWidth: number, dstHeight: number, mode: number,
    cropRatio: number): number[];
}

function binding(): ConvertBinding {
  return loadNative<ConvertBinding>();
}

function prepare(frame: RawFrame, opts: PreprocessOptions, out?: Uint8Array): Uint8Array {
  validateFrame(frame);
  validateOptions(opts);
  const size = nv12Size(opts.width, opts.height);
  if (out === undefined) return new Uint8Array(size);
  if (out.length < size) throw new RangeError(`output buffer has ${out.length} bytes, NV12 ${opts.width}x${opts.height} needs ${size}`);
  return out;
}

function args(frame: RawFrame, opts: PreprocessOptions, dst: Uint8Array) {
  return [frame.data, frame.width, frame.height, frame.step, encodingToFormat(frame.encoding), dst,
    opts.width, opts.height, MODE[opts.resizeMode], FILTER[opts.filter], opts.cropRatio ?? 1] as const;
}

/**
 * Converts a frame to NV12 (Y plane then interleaved U,V; BT.601 limited range) of opts.width x
 * opts.height, synchronously on this thread. Writes into `out` when given (at least nv12Size bytes).
 */
export function toNv12(frame: RawFrame, opts: PreprocessOptions = DEFAULT_PREPROCESS, out?: Uint8Array): Uint8Array {
  const dst = prepare(frame, opts, out);
  binding().convertToNv12(...args(frame, opts, dst));
  return dst;
}

/** As toNv12, on a libuv pool thread; `frame.data` and `out` must stay unchanged until it settles. */
export async function toNv12Async(frame: RawFrame, opts: PreprocessOptions = DEFAULT_PREPROCESS, out?: Uint8Array): Promise<Uint8Array> {
  const dst = prepare(frame, opts, out);
  await binding().convertToNv12Async(...args(frame, opts, dst));
  return dst;
}

/**
 * NV12 -> packed RGB (width*height*3 bytes), the inverse BT.601 limited-range conversion the BPU
 * applies on chip (OpenCV COLOR_YUV2RGB_NV12 formula; each U,V pair covers its 2x2 block).
 */
export function nv12ToRgb(nv12: Uint8Array, width: number, height: number, out?: Uint8Array): Uint8Array {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0 || width % 2 || height % 2) {
    throw new RangeError(`NV12 size ${width}x${height} must be positive and even`);
  }
  if (nv12.length < nv12Size(width, height)) {
    throw new RangeError(`NV12 ${width}x${height} needs ${nv12Size(width, height)} bytes, got ${nv12.length}`);
  }
  const dst = out ?? new Uint8Array(width * height * 3);
  binding().nv12ToRgb(nv12, width, height, dst);
  return dst;
}

/**
 * NV12 -> a model's float input in one native pass: nv12ToRgb, then `table[c * 256 + v]` for
 * channel c (R, G, B) and value v (a per-channel normalisation such as (v - mean) / std), written as
 * NCHW planes (`planar`) or NHWC. Equal to nv12ToRgb followed by that look-up, without the RGB image.
 */
export function nv12ToTensor(nv12: Uint8Array, width: number, height: number, out: Float32Array, planar: boolean, table: Float32Array): Float32Array {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0 || width % 2 || height % 2) {
    throw new RangeError(`NV12 size ${width}x${height} must be positive and even`);
  }
  if (nv12.length < nv12Size(width, height)) {
    throw new RangeError(`NV12 ${width}x${height} needs ${nv12Size(width, height)} bytes, got ${nv12.length}`);
  }
  if (out.length < width * height * 3) throw new RangeError(`tensor has ${out.length} elements, needs ${width * height * 3}`);
  if (table.length < 768) throw new RangeError(`normalisation table has ${table.length} entries, needs 768`);
  binding().nv12ToTensor(nv12, width, height, out, planar, table);
  return out;
}

export interface Nv12Geometry {
  /** Source rectangle that is resized. */
  crop: { x: number; y: number; width: number; height: number };
  /** Output rectangle it lands in; letterbox pads outside it. */
  inner: { x: number; y: number; width: number; height: number };
}

/** The native geometry for a frame size and options (for the reference tests and diagnostics). */
export function nativeGeometry(srcWidth: number, srcHeight: number, opts: PreprocessOptions): Nv12Geometry {
  const v = binding().nv12Geometry(srcWidth, srcHeight, opts.width, opts.height, MODE[opts.resizeMode], opts.cropRatio ?? 1);
  return { crop: { x: v[0], y: v[1], width: v[2], height: v[3] }, inner: { x: v[4], y: v[5], width: v[6], height: v[7] } };
}
