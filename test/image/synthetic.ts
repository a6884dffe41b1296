// The synthetic frames of scripts/make-opencv-fixtures.py, byte for byte (32-bit hash, no state).
import { RawFrame } from '../../src/image/types';

export function syntheticBgr(kind: 'noise' | 'scene', w: number, h: number): RawFrame {
  const data = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let c = 0; c < 3; c++) {
        let hsh = (Math.imul(x, 0x9E3779B1) + Math.imul(y, 0x85EBCA77) + Math.imul(c, 0xC2B2AE3D)) >>> 0;
        hsh = (hsh ^ (hsh >>> 15)) >>> 0;
        hsh = Math.imul(hsh, 0x2C1B3C6D) >>> 0;
        hsh = (hsh ^ (hsh >>> 12)) >>> 0;
        const noise = hsh & 255;
        let v = noise;
        if (kind === 'scene') {
          const base = c === 0 ? Math.floor((x * 255) / (w - 1)) : c === 1 ? Math.floor((y * 255) / (h - 1))
            : Math.floor(((x + y) * 255) / (w + h - 2));
          v = Math.min(255, Math.max(0, base + (((noise - 128) * 40) >> 7)));
        }
        data[(y * w + x) * 3 + c] = v;
      }
    }
  }
  return { width: w, height: h, encoding: 'bgr8', step: w * 3, data };
}
