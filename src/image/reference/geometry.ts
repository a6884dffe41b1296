// Where the resized picture goes, per resize mode: a crop of the source is resized into an inner
// rectangle of the output (letterbox pads the rest). Same integer rules as the native
// ComputeGeometry (native/src/convert/nv12.cc); all products stay far below 2^53.
import { PreprocessOptions } from '../types';

export interface Rect { x: number; y: number; width: number; height: number }
export interface Geometry { crop: Rect; inner: Rect }

export function computeGeometry(w: number, h: number, opts: PreprocessOptions): Geometry {
  const dw = opts.width, dh = opts.height;
  let crop: Rect = { x: 0, y: 0, width: w, height: h };
  let inner: Rect = { x: 0, y: 0, width: dw, height: dh };
  const sourceIsWider = w * dh >= h * dw;
  if (opts.resizeMode === 'center_crop') {
    // Largest centred rectangle with the output's aspect ratio, then scaled by cropRatio.
    const fw = sourceIsWider ? Math.min(w, Math.floor((h * dw + Math.floor(dh / 2)) / dh)) : w;
    const fh = sourceIsWider ? h : Math.min(h, Math.floor((w * dh + Math.floor(dw / 2)) / dw));
    const ratio = opts.cropRatio ?? 1;
    const cw = Math.max(1, Math.floor(fw * ratio + 0.5));
    const ch = Math.max(1, Math.floor(fh * ratio + 0.5));
    crop = { x: Math.floor((w - cw) / 2), y: Math.floor((h - ch) / 2), width: cw, height: ch };
  } else if (opts.resizeMode === 'letterbox') {
    // Aspect kept, the scaled side rounded to an even number, offsets even: no 2x2 chroma block
    // straddles picture and padding.
    let iw = sourceIsWider ? dw : 2 * Math.floor((w * dh + h) / (2 * h));
    let ih = sourceIsWider ? 2 * Math.floor((h * dw + w) / (2 * w)) : dh;
    iw = Math.min(dw, Math.max(2, iw));
    ih = Math.min(dh, Math.max(2, ih));
    const evenFloor = (v: number) => Math.floor(v / 2) & ~1;
    inner = { x: evenFloor(dw - iw), y: evenFloor(dh - ih), width: iw, height: ih };
  }
  return { crop, inner };
}
