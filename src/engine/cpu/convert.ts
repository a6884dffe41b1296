// The colour path of the CPU backend: frame -> NV12 with the project's native converter (the bytes
// the BPU would get), then NV12 -> RGB with the exact inverse of that conversion (what the BPU does
// on chip before its mean/scale). Loaded lazily so that importing the engine costs nothing.
import type { PreprocessOptions, RawFrame } from '../../image/types';

/** The slice of src/image/nv12.ts used here (both wrap the native converter). */
interface Nv12Module {
  toNv12(frame: RawFrame, opts: PreprocessOptions, out?: Uint8Array): Uint8Array;
  nv12ToRgb(nv12: Uint8Array, width: number, height: number, out?: Uint8Array): Uint8Array;
}

export class ColourPath {
  readonly nv12: Uint8Array;
  readonly rgb: Uint8Array;
  private readonly toNv12: Nv12Module['toNv12'];
  private readonly nv12ToRgb: Nv12Module['nv12ToRgb'];

  constructor(private readonly opts: PreprocessOptions) {
    const { width, height } = opts;
    this.nv12 = new Uint8Array((width * height * 3) / 2);
    this.rgb = new Uint8Array(width * height * 3);
    const mod = require('../../image/nv12') as Nv12Module;
    this.toNv12 = mod.toNv12;
    this.nv12ToRgb = mod.nv12ToRgb;
  }

  /** Frame -> NV12 -> RGB into the preallocated buffers; throws FrameError for a bad frame. */
  convert(frame: RawFrame): Uint8Array {
    this.toNv12(frame, this.opts, this.nv12);
    this.nv12ToRgb(this.nv12, this.opts.width, this.opts.height, this.rgb);
    return this.rgb;
  }
}
