// The native worker pool behind the Engine contract: BPU (libdnn on the board, or the simulator
// library behind the same C API) or the synthetic test backend. Frames are validated here with
// clear messages, then read in place by C++ worker threads; the JS thread only hands frames over
// and resolves promises.
import * as path from 'path';
import { FrameError, ModelError, type FrameErrorCode } from '../errors';
import type { RawFrame } from '../image/types';
import { encodingToFormat, validateFrame, validateOptions } from '../image/nv12';
import { loadNative } from '../native';
import { packageRoot } from '../paths';
import {
  DROP_POLICIES,
  type Engine,
  type EngineInfo,
  type EngineOptions,
  type EngineResult,
  type EngineStats,
  type Hypothesis,
} from './types';

/** Longest per-inference wait accepted (10 minutes). */
export const MAX_INFER_TIMEOUT_MS = 600_000;

export const NATIVE_BACKENDS = ['bpu', 'bpu-sim', 'synthetic'] as const;
export type NativeBackendKind = (typeof NATIVE_BACKENDS)[number];

/** The synthetic backend: logits are a function of the NV12 bytes (see native/src/engine/synthetic_backend.h). */
export interface SyntheticBackendOptions {
  inputWidth?: number;
  inputHeight?: number;
  numClasses?: number;
  latencyByLuma?: boolean; // scale the latency by mean Y / 128
  failHashes?: number[]; // FNV-1a hashes of NV12 inputs whose inference fails (in the wait for the result)
  failSubmitHashes?: number[]; // ... whose submission fails (nothing starts)
  logitOffset?: number; // added to every logit (softmax stability tests)
}

export interface NativeEngineConfig extends EngineOptions {
  backend: NativeBackendKind;
  modelPath: string; // .bin on the board, simulator model file for bpu-sim, unused by synthetic
  libPath?: string;
  modelName: string;
  expectedClasses?: number; // refuse a model whose class count differs (0 or absent: accept)
  syntheticLatencyMs?: number;
  synthetic?: SyntheticBackendOptions;
}

interface EngineHandle {
  readonly submitView: Float64Array;
  readonly resultView: Float64Array;
  submit(data: Uint8Array, width: number, height: number, step: number, format: number, seq: number): number;
  update(changes: { numThreads?: number; topK?: number }): void;
  setWantRoom(want: boolean): void;
  hasRoom(): boolean;
  stats(): { queueDepth: number; busy: number; numThreads: number; outstanding: number; slots: number; workerError: string };
  info(): ModelFacts;
  diagnostics(): string;
  close(): number[];
}

interface EngineCallbacks {
  onResult(seq: number, status: number, count: number, message?: string): void;
  onRoom(): void;
  onClosed(): void;
}

interface EngineBinding {
  engineLoad(config: Record<string, unknown>): Promise<object>;
  EngineHandle: new (model: object, options: Record<string, number>, callbacks: EngineCallbacks) => EngineHandle;
  engineModelInfo(model: object): ModelFacts;
  engineLiveThreads(): number;
  engineSimExpectedLogits(libPath: string, modelPath: string, nv12: Uint8Array, numClasses: number): Float32Array;
}

interface ModelFacts {
  inputWidth: number;
  inputHeight: number;
  numClasses: number;
  description: string;
}

/** Worker threads of every native engine alive in this process (0 once all are closed). */
export function nativeLiveThreads(): number {
  return loadNative<EngineBinding>().engineLiveThreads();
}

/**
 * The logits the BPU simulator says a correct client reads for these NV12 bytes on that simulator
 * model file (asked of the simulator library itself, not of the backend under test).
 */
export function simulatorExpectedLogits(nv12: Uint8Array, modelPath: string, numClasses = 1000, libPath = defaultSimulatorLib()): Float32Array {
  return loadNative<EngineBinding>().engineSimExpectedLogits(libPath, modelPath, nv12, numClasses);
}

/** Where the simulator library is looked for when no libPath is given. */
export function defaultSimulatorLib(): string {
  return process.env.MNV4_BPU_SIM_LIB ?? path.join(packageRoot, 'native', 'bpu_sim', 'build', 'libhbdnn_sim.so');
}

// Numeric values shared with native/src/engine/pool.h (FrameStatus).
const STATUS_CODES: Record<number, FrameErrorCode> = {
  1: 'dropped',
  2: 'shutdown',
  3: 'inference_failed',
  4: 'timeout',
  5: 'unsupported_format',
};
const RESIZE_MODE_IDS = { stretch: 0, center_crop: 1, letterbox: 2 } as const;
const FILTER_IDS = { area: 0, bilinear: 1 } as const;

/** The native pixel format of a frame that can be converted, or the FrameError that refuses it. */
export function checkFrame(frame: RawFrame): number | FrameError {
  try {
    validateFrame(frame);
    return encodingToFormat(frame.encoding);
  } catch (err) {
    if (err instanceof FrameError) return err;
    throw err;
  }
}

function checkOptions(o: EngineOptions): void {
  const int = (v: number, lo: number, hi: number, name: string) => {
    if (!Number.isInteger(v) || v < lo || v > hi) throw new RangeError(`${name} must be an integer in ${lo}..${hi}, got ${v}`);
  };
  int(o.numThreads, 1, 8, 'numThreads');
  int(o.queueSize, 1, 1024, 'queueSize');
  int(o.topK, 1, 100000, 'topK');
  // The runtime takes an int32 of milliseconds (<= 0: wait forever); larger values would wrap.
  if (!Number.isInteger(o.inferTimeoutMs) || o.inferTimeoutMs < 0 || o.inferTimeoutMs > MAX_INFER_TIMEOUT_MS) {
    throw new RangeError(`inferTimeoutMs must be an integer from 0 (wait forever) to ${MAX_INFER_TIMEOUT_MS}, got ${o.inferTimeoutMs}`);
  }
  validateOptions(o.preprocess);
  if (!DROP_POLICIES.includes(o.dropPolicy)) throw new RangeError(`dropPolicy must be one of ${DROP_POLICIES.join(', ')}, got ${o.dropPolicy}`);
}

export class NativeEngine implements Engine {
  readonly info: EngineInfo;
  private readonly handle: EngineHandle;
  private readonly pending = new Map<number, (r: EngineResult) => void>();
  private readonly roomWaiters: Array<() => void> = [];
  private nextSeq = 0;
  private counts = { submitted: 0, completed: 0, failed: 0, dropped: 0 };
  private closing?: Promise<void>;
  private resolveClosed?: () => void;

  static async open(config: NativeEngineConfig): Promise<NativeEngine> {
    checkOptions(config);
    const native = loadNative<EngineBinding>();
    let libPath = config.libPath;
    if (config.backend === 'bpu') libPath ??= 'libdnn.so';
    if (config.backend === 'bpu-sim') libPath ??= defaultSimulatorLib();
    let model: object;
    try {
      model = await native.engineLoad({
        backend: config.backend === 'synthetic' ? 'synthetic' : 'bpu',
        libPath,
        modelPath: config.modelPath,
        inferTimeoutMs: config.inferTimeoutMs,
        expectedClasses: config.expectedClasses ?? 0,
        numThreads: config.numThreads,
        synthetic: { ...config.synthetic, latencyMs: config.syntheticLatencyMs ?? 0 },
      });
    } catch (err) {
      throw new ModelError(`cannot open ${config.backend} model '${config.modelName}': ${(err as Error).message}`);
    }
    const m = native.engineModelInfo(model);
    const pre = config.preprocess;
    if (pre.width !== m.inputWidth || pre.height !== m.inputHeight) {
      throw new ModelError(`model '${config.modelName}' takes ${m.inputWidth}x${m.inputHeight} NV12, but pre-processing is set to ${pre.width}x${pre.height}`);
    }
    if (config.topK > m.numClasses) throw new RangeError(`topK ${config.topK} exceeds the model's ${m.numClasses} classes`);
    return new NativeEngine(native, model, config);
  }

  private constructor(native: EngineBinding, model: object, config: NativeEngineConfig) {
    const callbacks: EngineCallbacks = {
      onResult: (seq, status, count, message) => this.onResult(seq, status, count, message),
      onRoom: () => this.wakeRoomWaiters(),
      onClosed: () => this.resolveClosed?.(),
    };
    const pre = config.preprocess;
    this.handle = new native.EngineHandle(
      model,
      {
        numThreads: config.numThreads,
        queueSize: config.queueSize,
        dropPolicy: DROP_POLICIES.indexOf(config.dropPolicy),
        topK: config.topK,
        resizeMode: RESIZE_MODE_IDS[pre.resizeMode],
        filter: FILTER_IDS[pre.filter],
        cropRatio: pre.cropRatio ?? 1,
      },
      callbacks,
    );
    const m = this.handle.info();
    this.info = {
      // The synthetic backend stands in for the BPU path in tests; its description says so.
      backend: config.backend === 'bpu' ? 'bpu' : 'bpu-sim',
      model: config.modelName,
      inputWidth: m.inputWidth,
      inputHeight: m.inputHeight,
      numClasses: m.numClasses,
      description: m.description,
    };
  }

  submit(frame: RawFrame): Promise<EngineResult> {
    const seq = this.nextSeq++;
    this.counts.submitted++;
    if (this.closing) return Promise.resolve(this.fail(seq, new FrameError('shutdown', 'the engine is closed')));
    const format = checkFrame(frame);
    if (format instanceof FrameError) return Promise.resolve(this.fail(seq, format));
    let status: number;
    try {
      status = this.handle.submit(frame.data, frame.width, frame.height, frame.step, format, seq);
    } catch (err) {
      return Promise.resolve(this.fail(seq, new FrameError('unsupported_format', (err as Error).message)));
    }
    const evicted = this.handle.submitView[0];
    if (evicted >= 0) this.settle(evicted, this.fail(evicted, new FrameError('dropped', 'dropped: a newer frame took its place in the full queue')));
    if (status === 1) return Promise.resolve(this.fail(seq, new FrameError('dropped', 'dropped: the queue is full')));
    if (status === 2) return Promise.resolve(this.fail(seq, new FrameError('shutdown', 'the engine is closed')));
    return new Promise<EngineResult>((resolve) => this.pending.set(seq, resolve));
  }

  /**
   * Resolves when a frame can be submitted without a drop and without outrunning the hand-over of
   * results (queue below queueSize and fewer than queueSize + numThreads frames unanswered).
   */
  ready(): Promise<void> {
    if (this.closing || this.handle.hasRoom()) return Promise.resolve();
    this.handle.setWantRoom(true);
    return new Promise<void>((resolve) => this.roomWaiters.push(resolve));
  }

  update(changes: Partial<Pick<EngineOptions, 'numThreads' | 'topK'>>): void {
    if (changes.numThreads !== undefined && (!Number.isInteger(changes.numThreads) || changes.numThreads < 1 || changes.numThreads > 8)) {
      throw new RangeError(`numThreads must be an integer in 1..8, got ${changes.numThreads}`);
    }
    if (changes.topK !== undefined && (!Number.isInteger(changes.topK) || changes.topK < 1 || changes.topK > this.info.numClasses)) {
      throw new RangeError(`topK must be an integer in 1..${this.info.numClasses}, got ${changes.topK}`);
    }
    this.handle.update(changes);
  }

  stats(): EngineStats {
    const s = this.handle.stats();
    return { ...this.counts, queueDepth: s.queueDepth, inFlight: s.busy };
  }

  /** Worker threads currently running for this engine. */
  threads(): number {
    return this.handle.stats().numThreads;
  }

  /** Why the last worker added by update() could not start (its session failed), or ''. */
  workerError(): string {
    return this.handle.stats().workerError;
  }

  /** Job slots the pool has allocated so far: bounded by the queue and threads, not by the frame count. */
  jobSlots(): number {
    return this.handle.stats().slots;
  }

  /** The backend's own facts (for the simulator: live tasks and unfreed memory). */
  backendDiagnostics(): unknown {
    return JSON.parse(this.handle.diagnostics());
  }

  close(): Promise<void> {
    if (this.closing) return this.closing;
    this.closing = new Promise<void>((resolve) => {
      this.resolveClosed = resolve;
    });
    for (const seq of this.handle.close()) this.settle(seq, this.fail(seq, new FrameError('shutdown', 'the engine closed before this frame was processed')));
    this.wakeRoomWaiters();
    return this.closing;
  }

  private onResult(seq: number, status: number, count: number, message?: string): void {
    const v = this.handle.resultView;
    const timings = { queueMs: v[0], preprocessMs: v[1], inferenceMs: v[2], postprocessMs: v[3] };
    if (status === 0) {
      const top: Hypothesis[] = new Array(count);
      for (let i = 0; i < count; i++) top[i] = { classIndex: v[4 + i], score: v[4 + count + i] };
      this.counts.completed++;
      this.settle(seq, { ok: true, seq, top, timings });
    } else {
      const code = STATUS_CODES[status] ?? 'inference_failed';
      this.settle(seq, this.fail(seq, new FrameError(code, message ?? code), timings));
    }
    if (this.roomWaiters.length > 0 && this.handle.hasRoom()) this.wakeRoomWaiters();
  }

  private fail(seq: number, error: FrameError, timings?: EngineResult['timings']): EngineResult {
    if (error.code === 'dropped') this.counts.dropped++;
    else this.counts.failed++;
    return timings ? { ok: false, seq, error, timings } : { ok: false, seq, error };
  }

  private settle(seq: number, result: EngineResult): void {
    const resolve = this.pending.get(seq);
    if (!resolve) return;
    this.pending.delete(seq);
    resolve(result);
  }

  private wakeRoomWaiters(): void {
    if (this.roomWaiters.length === 0) return;
    if (!this.closing) this.handle.setWantRoom(false);
    for (const resolve of this.roomWaiters.splice(0)) resolve();
  }
}
