// The engine contract: frames in, top-k out, off the JS thread. Two implementations share it:
// the native worker pool (BPU via libdnn, or the simulator behind the same C API) and the CPU
// backend (ONNX Runtime in worker threads).
import type { FrameError } from '../errors';
import type { PreprocessOptions, RawFrame } from '../image/types';

export const BACKEND_KINDS = ['bpu', 'bpu-sim', 'cpu'] as const;
export type BackendKind = (typeof BACKEND_KINDS)[number];

export const DROP_POLICIES = ['drop_oldest', 'drop_newest', 'block'] as const;
/**
 * drop_oldest: a full queue discards its oldest waiting frame (live cameras: freshest wins).
 * drop_newest: a full queue refuses the new frame.
 * block: nothing is dropped; callers wait on ready() before submitting (replay).
 */
export type DropPolicy = (typeof DROP_POLICIES)[number];

export interface EngineOptions {
  numThreads: number; // 1..8
  queueSize: number; // frames waiting, not counting those in workers
  dropPolicy: DropPolicy;
  topK: number;
  preprocess: PreprocessOptions;
  inferTimeoutMs: number; // per inference (BPU wait); 0 = wait forever
}

export interface Hypothesis {
  classIndex: number; // ImageNet-1k index 0..999 (timm order)
  score: number; // softmax probability
}

/** Monotonic milliseconds spent in each stage of one frame. */
export interface StageTimings {
  queueMs: number;
  preprocessMs: number;
  inferenceMs: number;
  postprocessMs: number;
}

export type EngineResult =
  | { ok: true; seq: number; top: Hypothesis[]; timings: StageTimings }
  | { ok: false; seq: number; error: FrameError; timings?: Partial<StageTimings> };

export interface EngineInfo {
  backend: BackendKind;
  model: string; // registry name or file path
  inputWidth: number;
  inputHeight: number;
  numClasses: number;
  description: string;
}

export interface EngineStats {
  submitted: number;
  completed: number;
  failed: number;
  dropped: number;
  queueDepth: number;
  inFlight: number;
}

export interface Engine {
  readonly info: EngineInfo;
  /**
   * Queues a frame. The promise never rejects: a bad frame, a drop or a backend fault resolves
   * with ok:false and a FrameError. `frame.data` must stay unmodified, and its ArrayBuffer must not
   * be transferred or detached, until it resolves: the native pool reads it in place on its worker
   * threads (N-API cannot pin it). Results may complete out of submission order.
   */
  submit(frame: RawFrame): Promise<EngineResult>;
  /** Resolves when the queue has room: back-pressure for the block policy. */
  ready(): Promise<void>;
  /** Live changes; numThreads starts or joins workers, topK applies to the next frames. */
  update(changes: Partial<Pick<EngineOptions, 'numThreads' | 'topK'>>): void;
  stats(): EngineStats;
  /** Stops intake, finishes or cancels queued frames (they resolve ok:false 'shutdown'), joins workers. */
  close(): Promise<void>;
}
