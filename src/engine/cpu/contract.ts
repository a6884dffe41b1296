// The model side of the CPU backend, free of threads and ORT: packed RGB -> the model's input
// tensor, and the model's output -> softmax top-k over the 1000 ImageNet classes.
import type { InputContract } from '../registry';
import type { Hypothesis } from '../types';

export const IMAGENET_CLASSES = 1000;

/** Elements of the input tensor for one WxH frame. */
export function inputLength(width: number, height: number): number {
  return width * height * 3;
}

/**
 * The float32 value of every byte per channel (3 x 256, channel-major), so that normalising a frame
 * is a table look-up: lut[c*256 + v] = (v/255 - mean[c]) / std[c].
 */
export function normalisationTable(contract: InputContract): Float32Array {
  const lut = new Float32Array(768);
  const { mean, std } = contract.input;
  for (let c = 0; c < 3; c++) {
    const m = mean[c] * 255, s = 1 / (std[c] * 255);
    for (let v = 0; v < 256; v++) lut[c * 256 + v] = (v - m) * s;
  }
  return lut;
}

/**
 * Writes packed RGB (width*height*3 bytes, rows contiguous) into `out` following the contract:
 * uint8 copies the bytes (NHWC) or de-interleaves them (NCHW); float32 normalises each channel
 * with (v/255 - mean)/std, i.e. (v - 255*mean) * 1/(255*std), the mapper's mean/scale form, by
 * table look-up (pass the table made once by normalisationTable to avoid building it per call).
 */
export function fillInput(
  rgb: Uint8Array,
  width: number,
  height: number,
  contract: InputContract,
  out: Float32Array | Uint8Array,
  lut: Float32Array = normalisationTable(contract),
): void {
  const n = width * height;
  if (rgb.length < n * 3) throw new RangeError(`RGB buffer has ${rgb.length} bytes, need ${n * 3}`);
  if (out.length !== n * 3) throw new RangeError(`input tensor has ${out.length} elements, need ${n * 3}`);
  const { layout, dtype } = contract.input;
  if (dtype === 'uint8') {
    if (layout === 'nhwc') {
      out.set(rgb.subarray(0, n * 3));
      return;
    }
    for (let i = 0; i < n; i++) {
      out[i] = rgb[i * 3];
      out[n + i] = rgb[i * 3 + 1];
      out[2 * n + i] = rgb[i * 3 + 2];
    }
    return;
  }
  normaliseFloat(rgb, n, layout === 'nchw', out as Float32Array, lut);
}

// The float32 path on its own, so that its element accesses stay monomorphic (Float32Array).
function normaliseFloat(rgb: Uint8Array, n: number, planar: boolean, out: Float32Array, lut: Float32Array): void {
  if (planar) {
    for (let i = 0, j = 0; i < n; i++, j += 3) {
      out[i] = lut[rgb[j]];
      out[n + i] = lut[256 + rgb[j + 1]];
      out[2 * n + i] = lut[512 + rgb[j + 2]];
    }
  } else {
    for (let j = 0; j < n * 3; j += 3) {
      out[j] = lut[rgb[j]];
      out[j + 1] = lut[256 + rgb[j + 1]];
      out[j + 2] = lut[512 + rgb[j + 2]];
    }
  }
}

/**
 * Probabilities of the 1000 ImageNet classes from one output row, written into `probs` (length
 * 1000). Logits get a max-subtracted softmax over those 1000 entries (a background logit, when the
 * contract has one, is left out so that the reported classes sum to 1); probabilities are taken
 * as they are.
 */
export function classProbabilities(output: ArrayLike<number>, contract: InputContract, probs: Float64Array): void {
  const off = contract.output.classOffset;
  if (output.length < off + IMAGENET_CLASSES) {
    throw new RangeError(`model output has ${output.length} values, the contract needs ${off + IMAGENET_CLASSES}`);
  }
  if (contract.output.kind === 'probs') {
    for (let i = 0; i < IMAGENET_CLASSES; i++) probs[i] = output[off + i];
    return;
  }
  let max = -Infinity;
  for (let i = 0; i < IMAGENET_CLASSES; i++) if (output[off + i] > max) max = output[off + i];
  let sum = 0;
  for (let i = 0; i < IMAGENET_CLASSES; i++) {
    const e = Math.exp(output[off + i] - max);
    probs[i] = e;
    sum += e;
  }
  for (let i = 0; i < IMAGENET_CLASSES; i++) probs[i] /= sum;
}

/** The k most probable classes, best first; ties go to the lower class index. */
export function topK(probs: ArrayLike<number>, k: number): Hypothesis[] {
  const kk = Math.max(0, Math.min(k, probs.length));
  const idx: number[] = [];
  for (let i = 0; i < probs.length; i++) {
    const p = probs[i];
    if (idx.length === kk && (kk === 0 || p <= probs[idx[kk - 1]])) continue;
    let pos = idx.length;
    while (pos > 0 && probs[idx[pos - 1]] < p) pos--;
    idx.splice(pos, 0, i);
    if (idx.length > kk) idx.pop();
  }
  return idx.map((i) => ({ classIndex: i, score: probs[i] }));
}
