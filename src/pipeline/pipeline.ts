// The transport-free classifier: raw sensor_msgs CDR in, raw vision_msgs / latency CDR out.
// The ROS adapter, the bag replayer and the tests drive this same class. Every input yields
// exactly one FrameOutcome (a result, or an error that still carries the input's header when the
// header could be read), so nothing is lost silently.
import { decodeCompressedImage, decodeImage, peekHeader } from '../cdr/messages';
import {
  DiagnosticLevel,
  encodeClassification,
  encodeDiagnosticArray,
  encodeLabelInfo,
  encodeLatency,
  type KeyValue,
} from '../cdr/messages';
import type { Engine, EngineResult, Hypothesis, StageTimings } from '../engine/types';
import { FrameError, type FrameErrorCode } from '../errors';
import { decodeCompressed } from '../image/compressed';
import type { RawFrame } from '../image/types';
import { FRAME_ERROR_CODES, PipelineStats } from './stats';
import type { FrameOutcome, Header, ImageKind, LatencyMs, Stamp } from './types';

export interface PipelineOptions {
  engine: Engine;
  /** Class names by index (ImageNet-1k: 1000), published in label_info. */
  labels: readonly string[];
  /** Model variant name for the latency message and diagnostics (e.g. conv_small). */
  variant: string;
  topK: number;
  scoreThreshold: number;
  /** Deliver outcomes in input order even when the engine completes out of order (default false). */
  inOrder?: boolean;
  /** Monotonic clock in nanoseconds (default process.hrtime.bigint); injectable for tests. */
  now?: () => bigint;
  /** Sliding window of /diagnostics in seconds (default 5). */
  diagnosticsWindowS?: number;
  /** Largest compressed image accepted, in pixels (see image/compressed.ts). */
  maxCompressedPixels?: number;
  /** The DiagnosticStatus name (default `mobilenetv4_classifier: inference`). */
  diagnosticsName?: string;
  /**
   * Compressed frames decoded at once (default 4; sharp runs them on the libuv pool). A compressed
   * frame arriving beyond that is answered 'dropped' at once instead of queueing unboundedly behind
   * a decoder that cannot keep up. Callers that await ready() before process() never hit this.
   */
  maxConcurrentDecodes?: number;
}

export interface LiveOptions {
  topK?: number;
  scoreThreshold?: number;
}

/** What a frame's processing produced before it is released (possibly after reordering). */
type Completed =
  | { ok: true; header: Header; top: Hypothesis[]; classificationCdr: Uint8Array; decodeMs: number; timings: StageTimings; queueDepth: number; backend: string; variant: string; t0: bigint }
  | { ok: false; header?: Header; error: FrameError };

interface Slot {
  resolve: (o: FrameOutcome) => void;
  done?: Completed;
}

/** Submissions outstanding on one engine, so a swap can wait for them before closing it. */
interface EngineUse {
  inFlight: number;
  idle: Array<() => void>;
}

const ZERO_STAMP: Stamp = { sec: 0, nanosec: 0 };

function checkTopK(k: number): void {
  if (!Number.isInteger(k) || k < 1 || k > 1000) throw new RangeError(`top_k must be an integer in 1..1000, got ${k}`);
}

function checkThreshold(t: number): void {
  if (typeof t !== 'number' || !(t >= 0 && t <= 1)) throw new RangeError(`score_threshold must be in [0, 1], got ${t}`);
}

function asFrameError(err: unknown, code: FrameErrorCode, context: string): FrameError {
  if (err instanceof FrameError) return err;
  const msg = err instanceof Error ? err.message : String(err);
  return new FrameError(code, `${context}: ${msg}`);
}

export class ClassifierPipeline {
  private engineRef: Engine;
  private readonly uses = new WeakMap<Engine, EngineUse>();
  private readonly labels: readonly string[];
  private variant: string;
  private topK: number;
  private threshold: number;
  private readonly inOrder: boolean;
  private readonly now: () => bigint;
  private readonly epoch: bigint;
  private readonly stats: PipelineStats;
  private readonly maxCompressedPixels: number | undefined;
  private readonly diagName: string;
  private readonly maxDecodes: number;
  private decoding = 0;
  private decodeSlotWaiters: Array<() => void> = [];

  private nextSeq = 0;
  private nextRelease = 0;
  private readonly slots = new Map<number, Slot>();
  private dropped = 0;
  private swapChain: Promise<void> = Promise.resolve();
  private closed = false;
  private readonly unreleased = new Set<Promise<FrameOutcome>>();

  constructor(opts: PipelineOptions) {
    checkTopK(opts.topK);
    checkThreshold(opts.scoreThreshold);
    if (!Array.isArray(opts.labels) || opts.labels.length === 0) throw new TypeError('labels must be a non-empty array of class names');
    if (opts.labels.length > 65535) throw new RangeError('labels: LabelInfo class ids are uint16, at most 65535 classes');
    this.engineRef = opts.engine;
    this.labels = opts.labels;
    this.variant = opts.variant;
    this.topK = opts.topK;
    this.threshold = opts.scoreThreshold;
    this.inOrder = opts.inOrder ?? false;
    this.now = opts.now ?? (() => process.hrtime.bigint());
    this.epoch = this.now();
    this.stats = new PipelineStats(opts.diagnosticsWindowS ?? 5);
    this.maxCompressedPixels = opts.maxCompressedPixels;
    this.diagName = opts.diagnosticsName ?? 'mobilenetv4_classifier: inference';
    this.maxDecodes = opts.maxConcurrentDecodes ?? 4;
    if (!Number.isInteger(this.maxDecodes) || this.maxDecodes < 1) throw new RangeError('maxConcurrentDecodes must be an integer >= 1');
    this.engineRef.update({ topK: this.topK });
  }

  /** The engine new frames go to. */
  get engine(): Engine {
    return this.engineRef;
  }

  get options(): { topK: number; scoreThreshold: number; inOrder: boolean; variant: string } {
    return { topK: this.topK, scoreThreshold: this.threshold, inOrder: this.inOrder, variant: this.variant };
  }

  /** Totals since start: received, classified, failed, failed by FrameError code. */
  totals(): ReturnType<PipelineStats['snapshot']> {
    return this.stats.snapshot();
  }

  /**
   * Back-pressure for callers that must not lose frames (replay with the block policy): resolves
   * when a compressed decode slot is free and the current engine's queue has room.
   */
  async ready(): Promise<void> {
    while (this.decoding >= this.maxDecodes) await new Promise<void>((r) => this.decodeSlotWaiters.push(r));
    await this.engineRef.ready();
  }

  /**
   * Counts a frame that a caller dropped before it reached the pipeline (e.g. the node's bounded
   * wait for room), so drops show in the latency messages' totals and in /diagnostics.
   */
  recordDrop(message: string): void {
    this.dropped++;
    this.stats.failed(this.ms(this.now()), 'dropped', message);
  }

  private ms(t: bigint): number {
    return Number(t - this.epoch) / 1e6;
  }

  /**
   * Classifies one serialized sensor_msgs/Image (`kind` 'image') or CompressedImage
   * ('compressed'). `cdr` is read in place (the frame's pixels are a view into it) and must stay
   * unmodified until the promise resolves. Never rejects.
   */
  process(kind: ImageKind, cdr: Uint8Array): Promise<FrameOutcome> {
    const seq = this.nextSeq++;
    const t0 = this.now();
    this.stats.received(this.ms(t0));
    let resolve!: (o: FrameOutcome) => void;
    const p = new Promise<FrameOutcome>((r) => (resolve = r));
    this.slots.set(seq, { resolve });
    this.unreleased.add(p);
    void p.then(() => this.unreleased.delete(p));
    if (this.closed) {
      this.complete(seq, { ok: false, header: peekHeader(cdr), error: new FrameError('shutdown', 'the classifier is shut down') });
    } else {
      this.run(kind, cdr, t0).then(
        (c) => this.complete(seq, c),
        // run() catches everything it expects; this is a last resort so no input goes unanswered.
        (err) => this.complete(seq, { ok: false, header: peekHeader(cdr), error: asFrameError(err, 'inference_failed', 'internal error') }),
      );
    }
    return p;
  }

  private async run(kind: ImageKind, cdr: Uint8Array, t0: bigint): Promise<Completed> {
    let header: Header;
    let frame: RawFrame;
    try {
      if (kind === 'image') {
        const m = decodeImage(cdr);
        header = m.header;
        frame = { width: m.width, height: m.height, encoding: m.encoding, step: m.step, data: m.data };
      } else if (kind === 'compressed') {
        const m = decodeCompressedImage(cdr);
        header = m.header;
        if (this.decoding >= this.maxDecodes) {
          return { ok: false, header, error: new FrameError('dropped', `${this.decoding} compressed frames are already being decoded`) };
        }
        this.decoding++;
        try {
          const info = this.engineRef.info;
          const d = await decodeCompressed(m.format, m.data, {
            targetWidth: info.inputWidth,
            targetHeight: info.inputHeight,
            maxInputPixels: this.maxCompressedPixels,
          });
          frame = d.frame;
        } catch (err) {
          return { ok: false, header, error: asFrameError(err, 'corrupt_image', 'image decode failed') };
        } finally {
          this.decoding--;
          for (const w of this.decodeSlotWaiters.splice(0)) w();
        }
      } else {
        return { ok: false, header: peekHeader(cdr), error: new FrameError('unsupported_format', `unknown image kind "${String(kind)}"`) };
      }
    } catch (err) {
      return { ok: false, header: peekHeader(cdr), error: asFrameError(err, 'bad_cdr', 'message decode failed') };
    }
    const decodeMs = Number(this.now() - t0) / 1e6;
    if (this.closed) return { ok: false, header, error: new FrameError('shutdown', 'the classifier shut down while the frame was decoded') };

    const engine = this.engineRef; // chosen now: a swap during decode sends this frame to the new engine
    const variant = this.variant;
    const use = this.use(engine);
    use.inFlight++;
    let r: EngineResult;
    let queueDepth = 0;
    try {
      r = await engine.submit(frame);
      queueDepth = engine.stats().queueDepth;
    } catch (err) {
      // The contract says submit never rejects; a faulty engine still must not lose the frame.
      r = { ok: false, seq: -1, error: asFrameError(err, 'inference_failed', 'engine error') };
    } finally {
      use.inFlight--;
      if (use.inFlight === 0) for (const f of use.idle.splice(0)) f();
    }
    if (!r.ok) return { ok: false, header, error: r.error };

    const top = this.select(r.top);
    const classificationCdr = encodeClassification(
      header,
      top.map((h) => ({ class_id: String(h.classIndex), score: h.score })),
    );
    return { ok: true, header, top, classificationCdr, decodeMs, timings: r.timings, queueDepth, backend: engine.info.backend, variant, t0 };
  }

  /** Highest scores first, at least score_threshold, at most top_k. */
  private select(top: readonly Hypothesis[]): Hypothesis[] {
    const sorted = top.slice().sort((a, b) => b.score - a.score);
    const out: Hypothesis[] = [];
    for (const h of sorted) {
      if (out.length >= this.topK) break;
      if (h.score >= this.threshold) out.push(h);
    }
    return out;
  }

  private complete(seq: number, c: Completed): void {
    const slot = this.slots.get(seq);
    if (!slot) return;
    if (!this.inOrder) {
      this.slots.delete(seq);
      slot.resolve(this.safeRelease(seq, c));
      return;
    }
    slot.done = c;
    for (;;) {
      const next = this.slots.get(this.nextRelease);
      if (!next || !next.done) break;
      this.slots.delete(this.nextRelease);
      next.resolve(this.safeRelease(this.nextRelease, next.done));
      this.nextRelease++;
    }
  }

  /** release(), but an engine result that cannot be encoded (e.g. timings missing) still yields an outcome. */
  private safeRelease(seq: number, c: Completed): FrameOutcome {
    try {
      return this.release(seq, c);
    } catch (err) {
      return this.release(seq, { ok: false, header: c.header, error: asFrameError(err, 'inference_failed', 'the engine result could not be encoded') });
    }
  }

  /** Turns a completed frame into its outcome at the moment it is delivered. */
  private release(seq: number, c: Completed): FrameOutcome {
    const t = this.now();
    if (!c.ok) {
      this.dropped++;
      this.stats.failed(this.ms(t), c.error.code, c.error.message);
      return c.header ? { ok: false, sequence: seq, header: c.header, error: c.error } : { ok: false, sequence: seq, error: c.error };
    }
    const latency: LatencyMs = {
      decode_ms: c.decodeMs,
      queue_ms: c.timings.queueMs,
      preprocess_ms: c.timings.preprocessMs,
      inference_ms: c.timings.inferenceMs,
      postprocess_ms: c.timings.postprocessMs,
      // Receipt to delivery: includes thread hand-overs and, with inOrder, the wait for earlier frames.
      total_ms: Number(t - c.t0) / 1e6,
    };
    this.stats.classified(this.ms(t), latency.total_ms);
    const latencyCdr = encodeLatency(c.header, {
      sequence: seq,
      model_variant: c.variant,
      backend: c.backend,
      ...latency,
      dropped_frames: this.dropped,
      queue_depth: c.queueDepth,
    });
    return { ok: true, sequence: seq, header: c.header, top: c.top, latency, classificationCdr: c.classificationCdr, latencyCdr };
  }

  private use(engine: Engine): EngineUse {
    let u = this.uses.get(engine);
    if (!u) {
      u = { inFlight: 0, idle: [] };
      this.uses.set(engine, u);
    }
    return u;
  }

  private idle(engine: Engine): Promise<void> {
    const u = this.use(engine);
    if (u.inFlight === 0) return Promise.resolve();
    return new Promise((r) => u.idle.push(r));
  }

  /** top_k and score_threshold apply to frames completing from now on. */
  setOptions(changes: LiveOptions): void {
    if (changes.topK !== undefined) checkTopK(changes.topK);
    if (changes.scoreThreshold !== undefined) checkThreshold(changes.scoreThreshold);
    if (changes.topK !== undefined) {
      this.topK = changes.topK;
      this.engineRef.update({ topK: changes.topK });
    }
    if (changes.scoreThreshold !== undefined) this.threshold = changes.scoreThreshold;
  }

  /**
   * Sends new frames to `next` at once; frames already submitted to the old engine finish there
   * and are delivered as usual; then the old engine is closed. Swaps are serialized. `variant`
   * names the new model in latency messages and diagnostics (frames finishing on the old engine
   * keep the old name).
   */
  swapEngine(next: Engine, variant?: string): Promise<void> {
    const run = async (): Promise<void> => {
      if (this.closed) {
        await next.close();
        throw new Error('the classifier is shut down');
      }
      const old = this.engineRef;
      if (old === next) return;
      next.update({ topK: this.topK });
      this.engineRef = next;
      if (variant !== undefined) this.variant = variant;
      await this.idle(old);
      await old.close();
    };
    const p = this.swapChain.then(run);
    this.swapChain = p.catch(() => undefined);
    return p;
  }

  /** vision_msgs/LabelInfo: class index -> name, and the current score threshold. */
  labelInfoCdr(stamp: Stamp = ZERO_STAMP): Uint8Array {
    return encodeLabelInfo(
      { stamp, frame_id: '' },
      this.labels.map((class_name, class_id) => ({ class_id, class_name })),
      this.threshold,
    );
  }

  /**
   * diagnostic_msgs/DiagnosticArray with one status. Level over the last window (diagnosticsWindowS):
   * - ERROR: frames reached the engine and every one of them failed in it (inference_failed or
   *   timeout) — the model or the accelerator is broken, nothing is being classified;
   * - WARN: frames were dropped or failed for any reason, or input arrived and nothing was
   *   classified (e.g. the engine is stalled or still loading);
   * - OK otherwise, including when no input arrives at all (an idle camera is not a fault here).
   */
  diagnosticsCdr(stamp: Stamp): Uint8Array {
    const w = this.stats.window(this.ms(this.now()));
    const totals = this.stats.snapshot();
    const engine = this.engineRef;
    const es = engine.stats();
    const reasons = FRAME_ERROR_CODES.filter((c) => w.failedByCode[c] > 0).map((c) => `${c} ${w.failedByCode[c]}`);
    const span = `${w.spanS.toFixed(1)} s`;

    let level: number = DiagnosticLevel.OK;
    let message: string;
    if (w.engineAttempts > 0 && w.engineFailures === w.engineAttempts) {
      level = DiagnosticLevel.ERROR;
      const last = this.stats.lastFailure;
      message = `the engine failed all ${w.engineFailures} frames in the last ${span}` + (last ? `: ${last.message}` : '');
    } else if (w.failed > 0) {
      level = DiagnosticLevel.WARN;
      message = `${w.failed} of ${w.received} frames dropped or failed in the last ${span} (${reasons.join(', ')})`;
    } else if (w.received > 0 && w.classified === 0) {
      level = DiagnosticLevel.WARN;
      message = `${w.received} frames received in the last ${span} and none classified yet`;
    } else if (w.received === 0 && w.classified === 0) {
      message = 'no input';
    } else {
      message = `classifying at ${w.fps.toFixed(1)} fps`;
    }

    const fmt = (v: number, d: number) => (Number.isFinite(v) ? v.toFixed(d) : 'nan');
    const values: KeyValue[] = [
      { key: 'fps', value: fmt(w.fps, 2) },
      { key: 'window_s', value: fmt(w.spanS, 2) },
      { key: 'frames_received', value: String(totals.received) },
      { key: 'frames_classified', value: String(totals.classified) },
      { key: 'frames_failed', value: String(totals.failed) },
      ...FRAME_ERROR_CODES.map((c) => ({ key: `drops.${c}`, value: String(totals.failedByCode[c]) })),
      { key: 'failed_in_window', value: String(w.failed) },
      { key: 'latency_p50_ms', value: fmt(w.p50, 3) },
      { key: 'latency_p95_ms', value: fmt(w.p95, 3) },
      { key: 'latency_p99_ms', value: fmt(w.p99, 3) },
      { key: 'backend', value: engine.info.backend },
      { key: 'model', value: engine.info.model },
      { key: 'model_variant', value: this.variant },
      { key: 'queue_depth', value: String(es.queueDepth) },
      { key: 'in_flight', value: String(es.inFlight) },
    ];
    return encodeDiagnosticArray({ stamp, frame_id: '' }, [
      { level, name: this.diagName, message, hardware_id: engine.info.backend, values },
    ]);
  }

  /**
   * Stops intake (later inputs get a 'shutdown' outcome), waits for pending swaps, closes the
   * engine (its queued frames resolve 'shutdown') and waits until every outcome is delivered.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.swapChain;
    await this.engineRef.close();
    await Promise.all(Array.from(this.unreleased));
  }
}
