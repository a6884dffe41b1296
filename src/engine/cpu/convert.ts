// The first half of the CPU backend's colour path: frame -> NV12 with the project's native converter
// (the bytes the BPU would get). The model runner takes it from there (NV12 -> RGB with the exact
// inverse of that conversion, what the BPU does on chip, then the model's own input contract).
// Loaded lazily so that importing the engine costs nothing.
import type { PreprocessOptions, RawFrame } from '../../image/types';

/** The slice of src/image/nv12.ts used here (both wrap the native converter). */
interface Nv12Module {
  toNv12(frame: RawFrame, opts: PreprocessOptions, out?: Uint8Array): Uint8Array;
}

export class ColourPath {
  readonly nv12: Uint8Array;
  private readonly convertFn: Nv12Module['toNv12'];

  constructor(private readonly opts: PreprocessOptions) {
    const { width, height } = opts;
    this.nv12 = new Uint8Array((width * height * 3) / 2);
    this.convertFn = (require('../../image/nv12') as Nv12Module).toNv12;
  }

  /** Frame -> NV12 into the preallocated buffer; throws FrameError for a bad frame. */
  toNv12(frame: RawFrame): Uint8Array {
    return this.convertFn(frame, this.opts, this.nv12);
  }
}
