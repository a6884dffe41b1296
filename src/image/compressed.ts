// Decodes the payload of a sensor_msgs/CompressedImage (JPEG or PNG) into a RawFrame with sharp
// (libvips, on the libuv thread pool, off the JS thread). The frame is then resized to the model
// input by the native area filter, so here a JPEG only uses libjpeg's DCT-domain downscale
// ("shrink-on-load", 1/2, 1/4 or 1/8: an average over each block, no aliasing) as far as it keeps
// at least twice the target size, and nothing else is resampled.
import sharp, { type Metadata, type OutputInfo } from 'sharp';
import { FrameError } from '../errors';
import type { RawFrame } from './types';

export type CompressedCodec = 'jpeg' | 'png';

export interface CompressedDecodeOptions {
  /** Size the frame is headed for (the model input); shrink-on-load keeps >= 2x of it. */
  targetWidth: number;
  targetHeight: number;
  /**
   * Largest width*height accepted, checked against the header before any pixel is decoded, so a
   * PNG that claims 100000x100000 costs microseconds. Default: 8192*8192 (64 MP).
   */
  maxInputPixels?: number;
  /** Allow the JPEG DCT-domain downscale (default true); false always decodes at full size. */
  shrinkOnLoad?: boolean;
}

export interface DecodedCompressed {
  frame: RawFrame; // rgb8, or mono8 for greyscale sources
  codec: CompressedCodec;
  sourceWidth: number;
  sourceHeight: number;
  /** 1, 2, 4 or 8: the JPEG shrink-on-load factor used. */
  shrink: number;
  /** Monotonic milliseconds spent here (header parse + decode). */
  decodeMs: number;
}

export const DEFAULT_MAX_INPUT_PIXELS = 8192 * 8192;

/**
 * The codec named by a CompressedImage `format`: `jpeg`, `jpg`, `png`, or image_transport's
 * `"<pixfmt>; <codec> compressed <pixfmt>"`. Depth maps (`compressedDepth`) and other codecs are
 * unsupported. An empty format (some drivers leave it blank) is resolved from the data's magic bytes.
 */
export function codecOfFormat(format: string): CompressedCodec | '' | undefined {
  const f = format.trim().toLowerCase();
  if (f === '') return '';
  if (f.includes('compresseddepth')) return undefined;
  const m = /(?:^|[^a-z0-9])(jpeg|jpg|png)(?:$|[^a-z0-9])/.exec(f);
  if (!m) return undefined;
  return m[1] === 'png' ? 'png' : 'jpeg';
}

function sniff(data: Uint8Array): CompressedCodec | undefined {
  if (data.length >= 3 && data[0] === 0xff && data[1] === 0xd8 && data[2] === 0xff) return 'jpeg';
  if (
    data.length >= 8 &&
    data[0] === 0x89 && data[1] === 0x50 && data[2] === 0x4e && data[3] === 0x47 &&
    data[4] === 0x0d && data[5] === 0x0a && data[6] === 0x1a && data[7] === 0x0a
  ) {
    return 'png';
  }
  return undefined;
}

function ms(t0: bigint): number {
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

function libvipsReason(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  // libvips messages are multi-line ("VipsJpeg: ...\nvips2...") with the cause first.
  return msg.split('\n').filter((l) => l.trim().length > 0).slice(0, 2).join('; ');
}

/**
 * Decodes a CompressedImage payload. Throws FrameError: `unsupported_format` for codecs other
 * than JPEG/PNG, `corrupt_image` for data that does not decode (truncated, garbled, not the
 * named codec), `too_large` for images over maxInputPixels, `zero_size` for empty data.
 */
export async function decodeCompressed(format: string, data: Uint8Array, opts: CompressedDecodeOptions): Promise<DecodedCompressed> {
  const t0 = process.hrtime.bigint();
  const named = codecOfFormat(format);
  if (named === undefined) {
    throw new FrameError('unsupported_format', `CompressedImage format "${format}" is not supported (expected jpeg or png)`);
  }
  if (data.byteLength === 0) throw new FrameError('zero_size', 'CompressedImage has no data');
  const codec = sniff(data);
  if (codec === undefined) {
    if (named === '') {
      throw new FrameError('unsupported_format', 'CompressedImage format is empty and the data is neither JPEG nor PNG');
    }
    throw new FrameError('corrupt_image', `CompressedImage claims "${format}" but the data does not start with a ${named.toUpperCase()} signature`);
  }
  const maxPixels = opts.maxInputPixels ?? DEFAULT_MAX_INPUT_PIXELS;
  const input = Buffer.from(data.buffer, data.byteOffset, data.byteLength); // a view, no copy

  let meta: Metadata;
  try {
    meta = await sharp(input, { limitInputPixels: false }).metadata();
  } catch (err) {
    throw new FrameError('corrupt_image', `${codec.toUpperCase()} header unreadable: ${libvipsReason(err)}`);
  }
  const width = meta.width ?? 0;
  const height = meta.height ?? 0;
  if (width <= 0 || height <= 0) throw new FrameError('corrupt_image', `${codec.toUpperCase()} header gives no size`);
  if (width * height > maxPixels) {
    throw new FrameError(
      'too_large',
      `${codec.toUpperCase()} claims ${width}x${height} (${(width * height / 1e6).toFixed(1)} MP), ` +
        `over the ${(maxPixels / 1e6).toFixed(1)} MP limit`,
    );
  }

  let shrink = 1;
  if (codec === 'jpeg' && opts.shrinkOnLoad !== false) {
    for (const s of [8, 4, 2]) {
      if (Math.floor(width / s) >= 2 * opts.targetWidth && Math.floor(height / s) >= 2 * opts.targetHeight) {
        shrink = s;
        break;
      }
    }
  }
  const alpha = meta.hasAlpha ? 1 : 0;
  const grey = (meta.channels ?? 3) - alpha === 1;
  const outChannels = grey ? 1 : 3;

  // failOn 'error', not sharp's default 'warning': USB-camera MJPEG often carries benign libjpeg
  // warnings (e.g. extraneous bytes before a marker) that OpenCV's imdecode accepts; truncated
  // data is still refused. EXIF orientation is not applied, as compressed_image_transport does not.
  let pipeline = sharp(input, { limitInputPixels: maxPixels, failOn: 'error', sequentialRead: true });
  if (shrink > 1) {
    // Sizes that are exact divisors make sharp pick libjpeg's scale 1/shrink and leave at most a
    // one-pixel remainder to resample.
    pipeline = pipeline.resize(Math.floor(width / shrink), Math.floor(height / shrink), {
      fit: 'fill',
      fastShrinkOnLoad: true,
      kernel: 'linear',
    });
  }
  if (alpha) pipeline = pipeline.removeAlpha();
  pipeline = pipeline.toColourspace(grey ? 'b-w' : 'srgb').raw({ depth: 'uchar' });

  let out: { data: Buffer; info: OutputInfo };
  try {
    out = await pipeline.toBuffer({ resolveWithObject: true });
  } catch (err) {
    const reason = libvipsReason(err);
    if (/pixel limit/i.test(reason)) throw new FrameError('too_large', `${codec.toUpperCase()}: ${reason}`);
    throw new FrameError('corrupt_image', `${codec.toUpperCase()} ${width}x${height} does not decode: ${reason}`);
  }
  const { info } = out;
  if (info.channels !== outChannels) {
    throw new FrameError('unsupported_format', `${codec.toUpperCase()} decoded to ${info.channels} channels, expected ${outChannels}`);
  }
  return {
    frame: {
      width: info.width,
      height: info.height,
      encoding: grey ? 'mono8' : 'rgb8',
      step: info.width * outChannels,
      data: out.data,
    },
    codec,
    sourceWidth: width,
    sourceHeight: height,
    shrink,
    decodeMs: ms(t0),
  };
}
