// Stand-ins for the engine and the pipeline, for tests of the adapter's own logic (what it
// subscribes, publishes, logs, and how it reacts to parameters and shutdown). The end-to-end tests
// use the real ones.
import { FrameError } from '../../src/errors';
import type { Engine, EngineInfo, EngineResult, EngineStats } from '../../src/engine/types';
import type { RawFrame } from '../../src/image/types';
import type { FrameOutcome, ImageKind, Stamp } from '../../src/pipeline/types';
import type { ClassifierDeps, DiagStatus, EngineRequest, PipelineConfig, PipelinePort } from '../../src/ros/ports';

export class StubEngine implements Engine {
  readonly updates: Record<string, unknown>[] = [];
  closed = false;
  readonly info: EngineInfo;
  constructor(readonly request: EngineRequest) {
    this.info = { backend: request.backend === 'auto' ? 'cpu' : request.backend, model: request.model, inputWidth: 224, inputHeight: 224, numClasses: 1000, description: 'stub' };
  }
  submit(_frame: RawFrame): Promise<EngineResult> {
    return Promise.resolve({ ok: false, seq: 0, error: new FrameError('inference_failed', 'stub') });
  }
  ready(): Promise<void> {
    return Promise.resolve();
  }
  update(changes: Record<string, unknown>): void {
    this.updates.push(changes);
  }
  stats(): EngineStats {
    return { submitted: 0, completed: 0, failed: 0, dropped: 0, queueDepth: 0, inFlight: 0 };
  }
  async close(): Promise<void> {
    this.closed = true;
  }
}

type Pending = { kind: ImageKind; cdr: Uint8Array; resolve: (o: FrameOutcome) => void };

/** Holds each frame until the test settles it; results are views into larger buffers on purpose. */
export class StubPipeline implements PipelinePort {
  readonly pending: Pending[] = [];
  readonly options: { topK?: number; scoreThreshold?: number }[] = [];
  readonly swaps: Engine[] = [];
  readonly stamps: Stamp[] = [];
  threshold: number;
  closed = false;
  private seq = 0;
  constructor(readonly config: PipelineConfig) {
    this.threshold = config.scoreThreshold;
  }
  process(kind: ImageKind, cdr: Uint8Array): Promise<FrameOutcome> {
    if (this.closed) return Promise.resolve({ ok: false, sequence: this.seq++, error: new FrameError('shutdown', 'closed') });
    return new Promise((resolve) => this.pending.push({ kind, cdr, resolve }));
  }
  /** Resolves the oldest frame ok; its outputs are subarray views that do not start at offset 0. */
  succeed(): Pending {
    const p = this.pending.shift()!;
    const big = new Uint8Array(64);
    big.set(p.cdr.subarray(0, 8), 16);
    p.resolve({
      ok: true,
      sequence: this.seq++,
      header: { stamp: { sec: 1, nanosec: 2 }, frame_id: 'cam' },
      top: [{ classIndex: 1, score: 0.9 }],
      latency: { decode_ms: 0, queue_ms: 0, preprocess_ms: 0, inference_ms: 0, postprocess_ms: 0, total_ms: 0 },
      classificationCdr: big.subarray(16, 24),
      latencyCdr: big.subarray(24, 40),
    });
    return p;
  }
  fail(code: 'corrupt_image' | 'dropped' | 'shutdown', message = 'broken'): void {
    const p = this.pending.shift()!;
    p.resolve({ ok: false, sequence: this.seq++, header: { stamp: { sec: 5, nanosec: 7 }, frame_id: 'cam' }, error: new FrameError(code, message) });
  }
  readonly drops: string[] = [];
  recordDrop(message: string): void {
    this.drops.push(message);
  }
  /** Room for another frame: the test opens and closes it (block-policy back-pressure). */
  room: Promise<void> = Promise.resolve();
  ready(): Promise<void> {
    return this.room;
  }
  labelInfoCdr(): Uint8Array {
    return Uint8Array.from([0, 1, 0, 0, Math.round(this.threshold * 100)]);
  }
  diagnosticsCdr(stamp: Stamp): Uint8Array {
    this.stamps.push(stamp);
    return Uint8Array.from([0, 1, 0, 0, 42]);
  }
  setOptions(o: { topK?: number; scoreThreshold?: number }): void {
    this.options.push(o);
    if (o.scoreThreshold !== undefined) this.threshold = o.scoreThreshold;
  }
  /** Holds swaps open until it resolves (the old engine still draining). */
  swapGate: Promise<void> = Promise.resolve();
  swapsStarted = 0;
  async swapEngine(next: Engine, _variant?: string): Promise<void> {
    this.swapsStarted++;
    await this.swapGate;
    this.swaps.push(next);
  }
  async close(): Promise<void> {
    this.closed = true;
    for (const p of this.pending.splice(0)) p.resolve({ ok: false, sequence: this.seq++, error: new FrameError('shutdown', 'closed') });
  }
}

export interface StubDeps extends ClassifierDeps {
  engines: StubEngine[];
  pipelines: StubPipeline[];
  statuses: DiagStatus[][];
  /** Models whose load fails, with the message. */
  failing: Map<string, string>;
  /** Lets a test hold a load open. */
  gate?: Promise<void>;
}

export function stubDeps(): StubDeps {
  const d: StubDeps = {
    engines: [],
    pipelines: [],
    statuses: [],
    failing: new Map(),
    async openEngine(req) {
      if (d.gate) await d.gate;
      const fail = d.failing.get(req.model);
      if (fail) throw new Error(fail);
      const e = new StubEngine(req);
      d.engines.push(e);
      return { engine: e, reason: 'stub' };
    },
    createPipeline(c) {
      const p = new StubPipeline(c);
      d.pipelines.push(p);
      return p;
    },
    labels: () => Array.from({ length: 1000 }, (_, i) => `class ${i}`),
    checkModel: (req) =>
      ['conv_small', 'conv_medium', 'reference-mobilenetv2', 'broken'].includes(req.model) ? undefined : `unknown model '${req.model}'; known: conv_small, conv_medium, reference-mobilenetv2`,
    encodeDiagnostics(_stamp, statuses) {
      d.statuses.push(statuses);
      return Uint8Array.from([0, 1, 0, 0, statuses.length]);
    },
  };
  return d;
}
