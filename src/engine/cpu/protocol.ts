// Messages between the CPU engine (main thread) and its inference workers.
import type { FrameErrorCode } from '../../errors';
import type { PreprocessOptions } from '../../image/types';
import type { InputContract } from '../registry';
import type { Hypothesis, StageTimings } from '../types';

export interface WorkerInit {
  modelPath: string;
  contract: InputContract;
  preprocess: PreprocessOptions;
}

export interface FrameRequest {
  type: 'frame';
  seq: number;
  topK: number;
  width: number;
  height: number;
  encoding: string;
  step: number;
  data: Uint8Array;
  /** The buffer came from the engine's copy pool: send it back for reuse. */
  pooled: boolean;
  /** monoMs() at submit, for the queue stage. */
  submittedAt: number;
}

export type MainToWorker = FrameRequest | { type: 'close' };

export type WorkerToMain =
  | { type: 'ready'; inputShape: ReadonlyArray<number | string>; outputShape: ReadonlyArray<number | string> }
  | { type: 'init_error'; name: string; message: string }
  | { type: 'result'; seq: number; ok: true; top: Hypothesis[]; timings: StageTimings; buffer?: ArrayBuffer }
  | { type: 'result'; seq: number; ok: false; code: FrameErrorCode; message: string; timings: Partial<StageTimings>; buffer?: ArrayBuffer };

/**
 * Monotonic milliseconds shared by all threads of the process (CLOCK_MONOTONIC via hrtime), so a
 * timestamp taken on the main thread can be subtracted from one taken in a worker.
 */
export function monoMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}
