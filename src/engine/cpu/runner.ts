// One ONNX Runtime session with its input contract and preallocated tensors. Runs wherever it is
// created: the CPU engine makes one per worker thread. session.run() computes on the calling JS
// thread, so never keep one on the main thread of a node that has anything else to do.
import * as fs from 'fs';
import type * as ort from 'onnxruntime-node';
import { ModelError } from '../../errors';
import type { InputContract } from '../registry';
import type { Hypothesis } from '../types';
import { nv12ToRgb, nv12ToTensor } from '../../image/nv12';
import { IMAGENET_CLASSES, classProbabilities, fillInput, normalisationTable, topK } from './contract';

export interface RunnerOptions {
  modelPath: string;
  contract: InputContract;
  width: number;
  height: number;
  /** ORT intra-op threads; the engine uses 1 and parallelises with worker threads. */
  intraOpNumThreads?: number;
}

export interface ModelInfo {
  inputName: string;
  inputShape: ReadonlyArray<number | string>;
  outputName: string;
  outputShape: ReadonlyArray<number | string>;
}

// Loaded on first use, so that importing this module (e.g. by a test file in the AddressSanitizer
// job, which runs no ORT) does not load ONNX Runtime's native library.
function ortModule(): typeof import('onnxruntime-node') {
  return require('onnxruntime-node') as typeof import('onnxruntime-node');
}

const ONNX_TYPE: Record<InputContract['input']['dtype'], string> = { float32: 'float32', uint8: 'uint8' };

export class ModelRunner {
  readonly info: ModelInfo;
  /** The input tensor's storage: fill it (or use runRgb) and call run(). */
  readonly input: Float32Array | Uint8Array;
  readonly output: Float32Array;
  private readonly feeds: Record<string, ort.Tensor>;
  private readonly fetches: Record<string, ort.Tensor>;
  private readonly probs = new Float64Array(IMAGENET_CLASSES);
  private readonly lut: Float32Array;
  private rgb: Uint8Array | undefined; // uint8 contracts only

  private constructor(
    private readonly session: ort.InferenceSession,
    readonly opts: RunnerOptions,
    info: ModelInfo,
  ) {
    this.info = info;
    this.lut = normalisationTable(opts.contract);
    const { width, height, contract } = opts;
    const shape = contract.input.layout === 'nchw' ? [1, 3, height, width] : [1, height, width, 3];
    this.input = contract.input.dtype === 'float32' ? new Float32Array(width * height * 3) : new Uint8Array(width * height * 3);
    this.output = new Float32Array(contract.output.classes);
    const { Tensor } = ortModule();
    this.feeds = { [contract.input.name]: new Tensor(ONNX_TYPE[contract.input.dtype] as 'float32', this.input as Float32Array, shape) };
    // ORT writes into a preallocated output tensor handed in as a fetch.
    const outShape = info.outputShape.map((d) => (typeof d === 'number' && d > 0 ? d : 1));
    this.fetches = { [contract.output.name]: new Tensor('float32', this.output, outShape) };
  }

  /** Loads and checks the model against its contract; every failure is a ModelError naming the file. */
  static async create(opts: RunnerOptions): Promise<ModelRunner> {
    const { modelPath } = opts;
    let stat: fs.Stats;
    try {
      stat = fs.statSync(modelPath);
    } catch {
      throw new ModelError(`model file ${modelPath} does not exist`);
    }
    if (!stat.isFile()) throw new ModelError(`model file ${modelPath} is not a file`);
    let session: ort.InferenceSession;
    try {
      session = await ortModule().InferenceSession.create(modelPath, {
        intraOpNumThreads: opts.intraOpNumThreads ?? 1,
        interOpNumThreads: 1,
        executionMode: 'sequential',
        graphOptimizationLevel: 'all',
      });
    } catch (err) {
      const msg = String((err as Error).message ?? err).split('\n')[0];
      throw new ModelError(`${modelPath} is not a loadable ONNX model: ${msg}`);
    }
    try {
      const info = checkModel(session, opts);
      return new ModelRunner(session, opts, info);
    } catch (err) {
      await session.release().catch(() => undefined);
      throw err;
    }
  }

  /** Packed RGB (width*height*3) -> input tensor. */
  setRgb(rgb: Uint8Array): void {
    fillInput(rgb, this.opts.width, this.opts.height, this.opts.contract, this.input, this.lut);
  }

  /**
   * NV12 (width x height) -> input tensor through the same NV12 -> RGB as the BPU does on chip.
   * Float inputs take one native pass (no RGB image, no JS loop over pixels); uint8 inputs go
   * through RGB, which they take as is.
   */
  setNv12(nv12: Uint8Array): void {
    const { width, height, contract } = this.opts;
    if (contract.input.dtype === 'float32') {
      nv12ToTensor(nv12, width, height, this.input as Float32Array, contract.input.layout === 'nchw', this.lut);
    } else {
      this.rgb ??= new Uint8Array(width * height * 3);
      this.setRgb(nv12ToRgb(nv12, width, height, this.rgb));
    }
  }

  /** Runs the model on the current input; the raw output row lands in `output`. */
  async run(): Promise<Float32Array> {
    await this.session.run(this.feeds, this.fetches);
    return this.output;
  }

  /** Softmax top-k of the current output, ImageNet-1k indices. */
  top(k: number): Hypothesis[] {
    classProbabilities(this.output, this.opts.contract, this.probs);
    return topK(this.probs, k);
  }

  /** All 1000 class probabilities of the current output (a view, overwritten by the next call). */
  probabilities(): Float64Array {
    classProbabilities(this.output, this.opts.contract, this.probs);
    return this.probs;
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

function dimOk(actual: number | string | undefined, wanted: number): boolean {
  // Symbolic (string) or unknown (-1) dimensions accept anything.
  return typeof actual === 'string' || actual === -1 || actual === wanted;
}

function checkModel(session: ort.InferenceSession, opts: RunnerOptions): ModelInfo {
  const { modelPath, contract, width, height } = opts;
  const inputs = session.inputMetadata;
  const outputs = session.outputMetadata;
  const names = (m: readonly ort.InferenceSession.ValueMetadata[]) => m.map((v) => v.name).join(', ');
  const inp = inputs.find((m) => m.name === contract.input.name);
  if (!inp) throw new ModelError(`model ${modelPath} has input(s) [${names(inputs)}]; its contract expects '${contract.input.name}'`);
  if (inputs.length !== 1) throw new ModelError(`model ${modelPath} has ${inputs.length} inputs [${names(inputs)}]; a classifier with one image input is expected`);
  const out = outputs.find((m) => m.name === contract.output.name);
  if (!out) throw new ModelError(`model ${modelPath} has output(s) [${names(outputs)}]; its contract expects '${contract.output.name}'`);
  if (!inp.isTensor || !out.isTensor) throw new ModelError(`model ${modelPath}: input and output must be tensors`);
  if (inp.type !== contract.input.dtype) {
    throw new ModelError(`model ${modelPath}: input '${inp.name}' is ${inp.type}; its contract says ${contract.input.dtype}`);
  }
  if (out.type !== 'float32') throw new ModelError(`model ${modelPath}: output '${out.name}' is ${out.type}; float32 is expected`);
  const want = contract.input.layout === 'nchw' ? [1, 3, height, width] : [1, height, width, 3];
  const shape = inp.shape;
  if (shape.length !== 4 || !want.every((w, i) => dimOk(shape[i], w))) {
    throw new ModelError(
      `model ${modelPath}: input '${inp.name}' has shape [${shape.join(',')}]; expected [${want.join(',')}] ` +
        `(${contract.input.layout.toUpperCase()}, ${width}x${height})`,
    );
  }
  const oshape = out.shape;
  const classes = oshape[oshape.length - 1];
  if (oshape.length < 2 || !dimOk(classes, contract.output.classes) || oshape.slice(1, -1).some((d) => !dimOk(d, 1))) {
    throw new ModelError(
      `model ${modelPath}: output '${out.name}' has shape [${oshape.join(',')}]; expected [1,${contract.output.classes}] ` +
        `(${contract.output.classes} classes${contract.output.classOffset ? ', background first' : ''})`,
    );
  }
  return { inputName: inp.name, inputShape: shape, outputName: out.name, outputShape: oshape };
}
