// Report thumbnails: the frame converted by the node's own NV12 path at a small size and back to
// RGB (so a thumbnail shows what the converter made of the frame), then a small JPEG data URI.
import sharp from 'sharp';
import { decodeCompressedImage, decodeImage } from '../cdr/messages';
import { decodeCompressed } from '../image/compressed';
import { nv12ToRgb, toNv12 } from '../image/nv12';
import type { RawFrame } from '../image/types';
import type { ImageKind } from '../pipeline/types';

export const THUMB_HEIGHT = 96;

function even(n: number): number {
  return Math.max(2, 2 * Math.round(n / 2));
}

/** A JPEG data URI of the frame, THUMB_HEIGHT pixels high; throws for a frame that cannot be read. */
export async function makeThumbnail(kind: ImageKind, cdr: Uint8Array, height = THUMB_HEIGHT): Promise<string> {
  let frame: RawFrame;
  if (kind === 'image') {
    const m = decodeImage(cdr);
    frame = { width: m.width, height: m.height, encoding: m.encoding, step: m.step, data: m.data };
  } else {
    const m = decodeCompressedImage(cdr);
    frame = (await decodeCompressed(m.format, m.data, { targetWidth: height * 2, targetHeight: height })).frame;
  }
  const h = even(Math.min(height, frame.height));
  const w = even((h * frame.width) / frame.height);
  const nv12 = toNv12(frame, { width: w, height: h, resizeMode: 'stretch', filter: 'area' });
  const rgb = nv12ToRgb(nv12, w, h);
  const jpeg = await sharp(Buffer.from(rgb.buffer, rgb.byteOffset, rgb.byteLength), { raw: { width: w, height: h, channels: 3 } })
    .jpeg({ quality: 75 })
    .toBuffer();
  return `data:image/jpeg;base64,${jpeg.toString('base64')}`;
}
