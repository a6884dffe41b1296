// Reads an image file (JPEG, PNG, WebP, ... whatever sharp decodes) into a RawFrame: `mono8` for
// greyscale images, `rgb8` otherwise (alpha dropped, EXIF orientation applied).
import * as fs from 'fs';
import sharp from 'sharp';
import { FrameError } from '../errors';
import { RawFrame } from './types';

/** Decoded-pixel cap (sharp's limitInputPixels), matching the native side limit of 16384 x 16384. */
export const MAX_IMAGE_PIXELS = 16384 * 16384;

export async function readImageFile(file: string): Promise<RawFrame> {
  let bytes: Buffer;
  try {
    bytes = await fs.promises.readFile(file);
  } catch (err) {
    throw new Error(`cannot read image file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  try {
    const img = sharp(bytes, { limitInputPixels: MAX_IMAGE_PIXELS }).rotate();
    const meta = await img.metadata();
    const grey = meta.channels !== undefined && meta.channels <= 2 && (meta.space === 'b-w' || meta.space === 'grey16');
    const { data, info } = await (grey ? img.extractChannel(0) : img.removeAlpha().toColourspace('srgb'))
      .raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
    const encoding = info.channels === 1 ? 'mono8' : 'rgb8';
    if (info.channels !== 1 && info.channels !== 3) throw new Error(`unexpected ${info.channels} channels after decoding`);
    const data8 = new Uint8Array(data.buffer, data.byteOffset, data.length);
    return { width: info.width, height: info.height, encoding, step: info.width * info.channels, data: data8 };
  } catch (err) {
    throw new FrameError('corrupt_image', `cannot decode image file ${file}: ${(err as Error).message}`);
  }
}
