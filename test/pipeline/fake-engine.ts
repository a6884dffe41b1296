// An in-test Engine whose result is a pure function of the frame it receives (its bytes and
// geometry), so a test can prove that the right frame reached the right output. In 'manual'
// mode submissions wait until the test completes them, in any order.
import type { Engine, EngineInfo, EngineResult, EngineStats, Hypothesis, StageTimings } from '../../src/engine/types';
import { FrameError, type FrameErrorCode } from '../../src/errors';
import type { RawFrame } from '../../src/image/types';

/** FNV-1a over the frame's rows (honouring step) and its geometry/encoding. */
export function frameHash(f: RawFrame): number {
  let h = 0x811c9dc5;
  const mix = (b: number) => {
    h ^= b & 0xff;
    h = Math.imul(h, 0x01000193) >>> 0;
  };
  for (const ch of `${f.width}x${f.height}:${f.encoding}:${f.step}`) mix(ch.charCodeAt(0));
  for (let i = 0; i < f.data.byteLength; i++) mix(f.data[i]);
  return h >>> 0;
}

/** The 5 hypotheses the fake engine reports for a frame, scores descending, summing below 1. */
export function expectedTop(f: RawFrame, k = 5): Hypothesis[] {
  const h = frameHash(f);
  const out: Hypothesis[] = [];
  for (let i = 0; i < k; i++) out.push({ classIndex: (h + i * 7919) % 1000, score: 0.5 / 2 ** i + ((h >>> (i * 3)) & 7) / 1000 });
  return out;
}

export const FAKE_TIMINGS: StageTimings = { queueMs: 0.25, preprocessMs: 1.5, inferenceMs: 3.25, postprocessMs: 0.125 };

interface Pending {
  frame: RawFrame;
  copy: Uint8Array;
  resolve: (r: EngineResult) => void;
  seq: number;
}

export interface FakeEngineOptions {
  backend?: EngineInfo['backend'];
  model?: string;
  manual?: boolean;
  /** Fail every frame with this code (an engine fault: inference_failed). */
  failAll?: FrameErrorCode;
  /** Fail frames for which this returns a code. */
  failIf?: (f: RawFrame) => FrameErrorCode | undefined;
  /** Report hypotheses in scrambled order, to prove the pipeline sorts. */
  scramble?: boolean;
}

export class FakeEngine implements Engine {
  readonly info: EngineInfo;
  readonly received: RawFrame[] = [];
  readonly pending: Pending[] = [];
  topK = 5;
  closed = false;
  private seq = 0;
  private completed = 0;
  private failed = 0;

  constructor(private readonly opts: FakeEngineOptions = {}) {
    this.info = {
      backend: opts.backend ?? 'cpu',
      model: opts.model ?? 'fake-model',
      inputWidth: 224,
      inputHeight: 224,
      numClasses: 1000,
      description: 'test engine',
    };
  }

  submit(frame: RawFrame): Promise<EngineResult> {
    const seq = this.seq++;
    this.received.push(frame);
    if (this.closed) return Promise.resolve({ ok: false, seq, error: new FrameError('shutdown', 'engine closed') });
    return new Promise((resolve) => {
      const p: Pending = { frame, copy: frame.data.slice(), resolve, seq };
      if (this.opts.manual) this.pending.push(p);
      else queueMicrotask(() => this.finish(p));
    });
  }

  private finish(p: Pending): void {
    // The pipeline must keep the frame's bytes unmodified until the result: check it.
    if (Buffer.compare(Buffer.from(p.copy), Buffer.from(p.frame.data.buffer, p.frame.data.byteOffset, p.frame.data.byteLength)) !== 0) {
      throw new Error('frame data changed while the engine held it');
    }
    const code = this.opts.failAll ?? this.opts.failIf?.(p.frame);
    if (code) {
      this.failed++;
      p.resolve({ ok: false, seq: p.seq, error: new FrameError(code, `fake engine: ${code}`) });
      return;
    }
    this.completed++;
    let top = expectedTop(p.frame).slice(0, this.topK);
    if (this.opts.scramble) top = [top[2], top[0], top[4], top[1], top[3]].filter((h) => h !== undefined);
    p.resolve({ ok: true, seq: p.seq, top, timings: { ...FAKE_TIMINGS } });
  }

  /** Manual mode: completes the pending submission at `index` (0 = oldest still pending). */
  complete(index = 0): void {
    const [p] = this.pending.splice(index, 1);
    if (!p) throw new Error(`no pending submission at ${index}`);
    this.finish(p);
  }

  completeAll(): void {
    while (this.pending.length) this.complete(0);
  }

  ready(): Promise<void> {
    return Promise.resolve();
  }

  update(changes: { topK?: number }): void {
    if (changes.topK !== undefined) this.topK = changes.topK;
  }

  stats(): EngineStats {
    return {
      submitted: this.seq,
      completed: this.completed,
      failed: this.failed,
      dropped: 0,
      queueDepth: this.pending.length,
      inFlight: this.pending.length,
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const p of this.pending.splice(0)) p.resolve({ ok: false, seq: p.seq, error: new FrameError('shutdown', 'engine closed') });
  }
}
