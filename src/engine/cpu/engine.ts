// CpuEngine: the Engine contract on ONNX Runtime in worker threads. The main thread only queues,
// hands frame bytes to a worker and resolves promises; colour conversion, inference and top-k run
// in the workers (onnxruntime-node's session.run() computes on the calling JS thread).
//
// Frame bytes reach a worker without a per-frame copy on the main thread where possible:
//  - data over a SharedArrayBuffer is shared as is (no copy);
//  - data that spans a whole ArrayBuffer of its own is transferred: the caller's buffer is
//    detached (length 0) from the moment the frame is dispatched;
//  - anything else (a view into a larger buffer, e.g. a CDR message) is copied once into a
//    buffer from a small pool, transferred, and returned by the worker for reuse.
import * as path from 'path';
import { Worker } from 'worker_threads';
import { FrameError, ModelError } from '../../errors';
import { validateFrame } from '../../image/nv12';
import type { RawFrame } from '../../image/types';
import type { InputContract } from '../registry';
import { DROP_POLICIES, type Engine, type EngineInfo, type EngineOptions, type EngineResult, type EngineStats } from '../types';
import { monoMs, type FrameRequest, type MainToWorker, type WorkerInit, type WorkerToMain } from './protocol';

export interface CpuEngineConfig extends EngineOptions {
  modelPath: string;
  modelName: string;
  contract: InputContract;
  /**
   * Move (transfer) frame buffers that a frame owns entirely to the worker instead of copying them
   * into a pooled buffer. Off by default: the Engine contract reads frames in place, and a transfer
   * detaches the caller's buffer. Worth it only for callers that hand over large frames they never
   * read again.
   */
  transferOwnedBuffers?: boolean;
}

export const MAX_THREADS = 8;
const CLOSE_GRACE_MS = 10000;

interface Pending {
  seq: number;
  frame: RawFrame;
  submittedAt: number;
  resolve: (r: EngineResult) => void;
}

// 'hung': its current frame outlived inferTimeoutMs; it is told to close and no longer counted.
type SlotState = 'starting' | 'ready' | 'retiring' | 'hung' | 'dead';

interface Slot {
  worker: Worker;
  state: SlotState;
  /** Frames posted to this worker, oldest first (it processes them in order). */
  jobs: Pending[];
  exited: Promise<void>;
  /** Fires when the oldest frame in this worker has taken longer than inferTimeoutMs. */
  watchdog?: NodeJS.Timeout;
}

/** How frame bytes went to the workers (see the header comment). */
export interface TransferStats {
  transferred: number;
  copied: number;
  shared: number;
}

function validateOptions(o: EngineOptions): void {
  const bad = (m: string) => {
    throw new RangeError(`CPU engine: ${m}`);
  };
  if (!Number.isInteger(o.numThreads) || o.numThreads < 1 || o.numThreads > MAX_THREADS) bad(`numThreads must be an integer 1..${MAX_THREADS}, got ${o.numThreads}`);
  if (!Number.isInteger(o.queueSize) || o.queueSize < 1) bad(`queueSize must be an integer >= 1, got ${o.queueSize}`);
  if (!DROP_POLICIES.includes(o.dropPolicy)) bad(`dropPolicy must be one of ${DROP_POLICIES.join(', ')}, got ${o.dropPolicy}`);
  if (!Number.isInteger(o.topK) || o.topK < 1 || o.topK > 1000) bad(`topK must be an integer 1..1000, got ${o.topK}`);
  const { width, height } = o.preprocess;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 2 || height < 2 || width % 2 || height % 2) {
    bad(`preprocess size must be even and >= 2, got ${width}x${height}`);
  }
}

function workerEntry(): { file: string; ts: boolean } {
  const ext = path.extname(__filename);
  return { file: path.join(__dirname, `worker${ext}`), ts: ext === '.ts' };
}

export class CpuEngine implements Engine {
  readonly info: EngineInfo;
  private readonly slots = new Set<Slot>();
  private readonly queue: Pending[] = [];
  private readonly readyWaiters: Array<() => void> = [];
  private readonly pool: ArrayBuffer[] = [];
  private readonly counts = { submitted: 0, completed: 0, failed: 0, dropped: 0 };
  private readonly transfers: TransferStats = { transferred: 0, copied: 0, shared: 0 };
  private seq = 0;
  private numThreads: number;
  private topK: number;
  private closing = false;
  private closed?: Promise<void>;
  private lastWorkerError = '';
  /** Replacement workers that failed to load the model in a row; stops respawning at 3. */
  private initFailures = 0;
  private opened = false;

  private constructor(private readonly config: CpuEngineConfig) {
    this.numThreads = config.numThreads;
    this.topK = config.topK;
    this.info = {
      backend: 'cpu',
      model: config.modelName,
      inputWidth: config.preprocess.width,
      inputHeight: config.preprocess.height,
      numClasses: 1000,
      description: `ONNX Runtime (CPU) ${path.basename(config.modelPath)}, ${config.numThreads} worker thread(s), intra-op 1`,
    };
  }

  /** Starts the workers and loads the model in each; a bad model file rejects with a ModelError. */
  static async open(config: CpuEngineConfig): Promise<CpuEngine> {
    validateOptions(config);
    const engine = new CpuEngine(config);
    const starts = [];
    for (let i = 0; i < config.numThreads; i++) starts.push(engine.spawn());
    const results = await Promise.allSettled(starts);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      await engine.close();
      throw failed.reason;
    }
    engine.opened = true;
    return engine;
  }

  submit(frame: RawFrame): Promise<EngineResult> {
    const seq = ++this.seq;
    this.counts.submitted++;
    return new Promise<EngineResult>((resolve) => {
      const job: Pending = { seq, frame, submittedAt: monoMs(), resolve };
      if (this.closing) return this.finish(job, this.error(seq, 'shutdown', 'the engine is closed'));
      if (this.opened && this.initFailures >= 3 && this.workerCount() === 0) {
        return this.finish(job, this.error(seq, 'inference_failed', `no CPU worker is running: ${this.lastWorkerError}`));
      }
      // Checked here too (the worker checks again) so that a bad frame never takes queue space
      // or pushes a good one out under drop_oldest.
      try {
        validateFrame(frame);
      } catch (err) {
        if (!(err instanceof FrameError)) throw err;
        return this.finish(job, { ok: false, seq, error: err });
      }
      if (this.queue.length >= this.config.queueSize) {
        if (this.config.dropPolicy === 'drop_newest') {
          return this.finish(job, this.error(seq, 'dropped', `queue full (${this.config.queueSize}); the new frame was dropped (drop_newest)`));
        }
        if (this.config.dropPolicy === 'drop_oldest') {
          const old = this.queue.shift() as Pending;
          this.finish(old, this.error(old.seq, 'dropped', `queue full (${this.config.queueSize}); dropped for a newer frame (drop_oldest)`));
        }
        // block: never drop; a caller that ignored ready() just makes the queue longer.
      }
      this.queue.push(job);
      this.dispatch();
    });
  }

  ready(): Promise<void> {
    if (this.closing || this.config.dropPolicy !== 'block' || this.queue.length < this.config.queueSize) return Promise.resolve();
    return new Promise((resolve) => this.readyWaiters.push(resolve));
  }

  update(changes: Partial<Pick<EngineOptions, 'numThreads' | 'topK'>>): void {
    if (changes.topK !== undefined) {
      if (!Number.isInteger(changes.topK) || changes.topK < 1 || changes.topK > 1000) throw new RangeError(`topK must be an integer 1..1000, got ${changes.topK}`);
      this.topK = changes.topK;
    }
    if (changes.numThreads !== undefined) {
      const n = changes.numThreads;
      if (!Number.isInteger(n) || n < 1 || n > MAX_THREADS) throw new RangeError(`numThreads must be an integer 1..${MAX_THREADS}, got ${n}`);
      this.numThreads = n;
      if (!this.closing) this.rebalance();
    }
  }

  stats(): EngineStats {
    let inFlight = 0;
    for (const s of this.slots) inFlight += s.jobs.length;
    return { ...this.counts, queueDepth: this.queue.length, inFlight };
  }

  /** Live worker threads (not counting those being retired). */
  workerCount(): number {
    let n = 0;
    for (const s of this.slots) if (s.state === 'starting' || s.state === 'ready') n++;
    return n;
  }

  transferStats(): TransferStats {
    return { ...this.transfers };
  }

  close(): Promise<void> {
    if (this.closed) return this.closed;
    this.closing = true;
    for (const job of this.queue.splice(0)) this.finish(job, this.error(job.seq, 'shutdown', 'the engine is shutting down'));
    this.wakeReady();
    this.closed = (async () => {
      // Frames already in a worker finish; each worker then releases its session and exits.
      for (const s of this.slots) if (s.state === 'ready' || s.state === 'starting') this.retire(s);
      // A worker that has not exited CLOSE_GRACE_MS later (stuck in a run) is let go, not
      // terminated: terminating a thread inside onnxruntime-node's run() makes its binding throw
      // a C++ exception it cannot hand to JS, which aborts the whole process (seen with 1.30).
      // Unref'd, it no longer holds the process open; its frames fail as timed out and close()
      // resolves, so a node that swapped models keeps running.
      await Promise.all([...this.slots].map((s) => {
        let timer: NodeJS.Timeout | undefined;
        const gaveUp = new Promise<void>((resolve) => {
          timer = setTimeout(() => {
            s.worker.unref();
            for (const job of s.jobs.splice(0)) {
              this.finish(job, this.error(job.seq, 'timeout', `the CPU worker did not finish this frame within ${CLOSE_GRACE_MS} ms of close`));
            }
            resolve();
          }, CLOSE_GRACE_MS);
          timer.unref();
        });
        return Promise.race([s.exited, gaveUp]).finally(() => clearTimeout(timer));
      }));
    })();
    return this.closed;
  }

  // ---- internals -----------------------------------------------------------------------------

  private error(seq: number, code: FrameError['code'], message: string): EngineResult {
    return { ok: false, seq, error: new FrameError(code, message) };
  }

  private finish(job: Pending, result: EngineResult): void {
    if (result.ok) this.counts.completed++;
    else if (result.error.code === 'dropped') this.counts.dropped++;
    else this.counts.failed++;
    job.resolve(result);
  }

  private wakeReady(): void {
    while (this.readyWaiters.length > 0 && (this.closing || this.queue.length < this.config.queueSize)) {
      (this.readyWaiters.shift() as () => void)();
    }
  }

  private spawn(): Promise<void> {
    const init: WorkerInit = { modelPath: this.config.modelPath, contract: this.config.contract, preprocess: this.config.preprocess };
    const { file, ts } = workerEntry();
    const workerData = { mnv4CpuWorker: init };
    // Under ts-node (tests) the worker registers ts-node itself before loading the .ts entry.
    const worker = ts
      ? new Worker(`require('ts-node/register/transpile-only'); require(${JSON.stringify(file)});`, { eval: true, workerData })
      : new Worker(file, { workerData });
    let exitResolve!: () => void;
    const slot: Slot = { worker, state: 'starting', jobs: [], exited: new Promise<void>((r) => (exitResolve = r)) };
    this.slots.add(slot);
    return new Promise<void>((resolve, reject) => {
      let started = false;
      worker.on('message', (msg: WorkerToMain) => {
        if (msg.type === 'ready') {
          started = true;
          this.initFailures = 0;
          resolve();
          if (slot.state === 'starting') {
            slot.state = 'ready';
            this.rebalance();
            this.dispatch();
          }
        } else if (msg.type === 'init_error') {
          started = true;
          this.lastWorkerError = msg.message;
          reject(msg.name === 'ModelError' ? new ModelError(msg.message) : new Error(msg.message));
          void worker.terminate();
        } else {
          this.onResult(slot, msg);
        }
      });
      worker.on('error', (err) => {
        this.lastWorkerError = err.message;
        if (!started) {
          started = true;
          reject(new Error(`CPU worker failed to start: ${err.message}`));
        }
      });
      worker.on('exit', (code) => {
        const wasState = slot.state;
        slot.state = 'dead';
        if (slot.watchdog) clearTimeout(slot.watchdog);
        this.slots.delete(slot);
        if (!started) {
          started = true;
          reject(new Error(`CPU worker exited with code ${code} before loading the model`));
        }
        for (const job of slot.jobs.splice(0)) {
          this.finish(job, this.error(job.seq, 'inference_failed', `the CPU worker stopped (${this.lastWorkerError || `exit code ${code}`})`));
        }
        exitResolve();
        if (this.opened && !this.closing && wasState !== 'retiring') {
          // An unexpected exit: replace the worker, unless replacements keep failing to start.
          if (wasState === 'starting') this.initFailures++;
          if (this.initFailures < 3) this.rebalance();
          else if (this.workerCount() === 0) this.failQueued(`no CPU worker could start: ${this.lastWorkerError}`);
        }
      });
    });
  }

  private failQueued(message: string): void {
    for (const job of this.queue.splice(0)) this.finish(job, this.error(job.seq, 'inference_failed', message));
    this.wakeReady();
  }

  /** The worker finishes the frames it has, then releases its session and exits. */
  private armWatchdog(slot: Slot): void {
    if (slot.watchdog) clearTimeout(slot.watchdog);
    slot.watchdog = undefined;
    const ms = this.config.inferTimeoutMs;
    if (ms > 0 && slot.jobs.length > 0 && (slot.state === 'ready' || slot.state === 'retiring')) {
      slot.watchdog = setTimeout(() => this.onHung(slot), ms);
      slot.watchdog.unref();
    }
  }

  /**
   * The worker's current frame outlived inferTimeoutMs. onnxruntime cannot cancel a run and the
   * thread must not be terminated inside it (see close), so the frame fails as timed out, the
   * worker is told to close once the run returns (and unref'd meanwhile), frames queued behind it
   * go back to the front of the queue, and a replacement starts.
   */
  private onHung(slot: Slot): void {
    slot.watchdog = undefined;
    if (slot.state !== 'ready' && slot.state !== 'retiring') return;
    const wasRetiring = slot.state === 'retiring';
    slot.state = 'hung';
    slot.worker.unref();
    slot.worker.postMessage({ type: 'close' } satisfies MainToWorker);
    const [current, ...behind] = slot.jobs.splice(0);
    if (current) {
      this.finish(current, this.error(current.seq, 'timeout', `no result within infer_timeout_ms (${this.config.inferTimeoutMs} ms); the CPU worker running it is replaced`));
    }
    // A frame whose buffer was transferred to that worker cannot be sent again.
    for (const job of behind.reverse()) {
      if (this.closing) this.finish(job, this.error(job.seq, 'shutdown', 'the engine is shutting down'));
      else if (this.config.transferOwnedBuffers === true) this.finish(job, this.error(job.seq, 'timeout', 'its CPU worker hung on an earlier frame'));
      else this.queue.unshift(job);
    }
    if (!this.closing && !wasRetiring) this.rebalance();
    this.dispatch();
  }

  private retire(slot: Slot): void {
    slot.state = 'retiring';
    slot.worker.postMessage({ type: 'close' } satisfies MainToWorker);
  }

  /** Starts or retires workers to match numThreads (idle and starting ones retire first). */
  private rebalance(): void {
    let live = this.workerCount();
    if (live < this.numThreads) {
      for (; live < this.numThreads; live++) {
        this.spawn().catch((err: Error) => {
          this.lastWorkerError = err.message;
        });
      }
      return;
    }
    const order = [...this.slots].filter((s) => s.state === 'starting' || s.state === 'ready');
    order.sort((a, b) => (a.state === b.state ? a.jobs.length - b.jobs.length : a.state === 'starting' ? -1 : 1));
    for (const s of order) {
      if (live <= this.numThreads) return;
      this.retire(s);
      live--;
    }
  }

  /**
   * Hands queued frames to workers: first one to each idle worker, then, under `block`, a second
   * one each so that a worker never waits for the main thread between frames. The drop policies
   * keep one per worker so that frames waiting here stay droppable (freshest wins).
   */
  private dispatch(): void {
    const depth = this.config.dropPolicy === 'block' ? 2 : 1;
    for (let level = 0; level < depth && this.queue.length > 0; level++) {
      for (const slot of this.slots) {
        if (this.queue.length === 0) break;
        if (slot.state !== 'ready' || slot.jobs.length !== level) continue;
        const job = this.queue.shift() as Pending;
        slot.jobs.push(job);
        this.send(slot, job);
        if (!slot.watchdog) this.armWatchdog(slot);
      }
    }
    this.wakeReady();
  }

  private send(slot: Slot, job: Pending): void {
    const { frame } = job;
    const d = frame.data;
    let data = d;
    let pooled = false;
    const transfer: ArrayBuffer[] = [];
    if (typeof SharedArrayBuffer !== 'undefined' && d.buffer instanceof SharedArrayBuffer) {
      this.transfers.shared++;
    } else if (this.config.transferOwnedBuffers === true && d.byteOffset === 0 && d.byteLength === d.buffer.byteLength && d.byteLength > 0) {
      transfer.push(d.buffer as ArrayBuffer);
      this.transfers.transferred++;
    } else {
      const buf = this.takePooled(d.byteLength);
      data = new Uint8Array(buf, 0, d.byteLength);
      data.set(d);
      transfer.push(buf);
      pooled = true;
      this.transfers.copied++;
    }
    const req: FrameRequest = {
      type: 'frame', seq: job.seq, topK: this.topK,
      width: frame.width, height: frame.height, encoding: frame.encoding, step: frame.step,
      data, pooled, submittedAt: job.submittedAt,
    };
    try {
      slot.worker.postMessage(req, transfer);
    } catch {
      // An untransferable buffer (e.g. from Node's Buffer pool): send a copy instead.
      if (!pooled) {
        this.transfers.transferred--;
        this.transfers.copied++;
        const buf = this.takePooled(d.byteLength);
        const copy = new Uint8Array(buf, 0, d.byteLength);
        copy.set(d);
        slot.worker.postMessage({ ...req, data: copy, pooled: true }, [buf]);
      } else {
        // Reached from dispatch(), often inside a worker's message handler: fail this frame, never
        // throw there.
        const i = slot.jobs.indexOf(job);
        if (i >= 0) slot.jobs.splice(i, 1);
        this.finish(job, this.error(job.seq, 'inference_failed', 'cannot post the frame to the CPU worker'));
      }
    }
  }

  private takePooled(size: number): ArrayBuffer {
    let best = -1;
    for (let i = 0; i < this.pool.length; i++) {
      if (this.pool[i].byteLength >= size && (best < 0 || this.pool[i].byteLength < this.pool[best].byteLength)) best = i;
    }
    if (best >= 0) return this.pool.splice(best, 1)[0];
    return new ArrayBuffer(size);
  }

  private onResult(slot: Slot, msg: Extract<WorkerToMain, { type: 'result' }>): void {
    if (msg.buffer && this.pool.length < MAX_THREADS * 2) this.pool.push(msg.buffer);
    const i = slot.jobs.findIndex((j) => j.seq === msg.seq);
    const job = i >= 0 ? slot.jobs.splice(i, 1)[0] : undefined;
    if (job) this.armWatchdog(slot); // the clock restarts for the worker's next frame
    if (job) {
      this.finish(
        job,
        msg.ok
          ? { ok: true, seq: msg.seq, top: msg.top, timings: msg.timings }
          : { ok: false, seq: msg.seq, error: new FrameError(msg.code, msg.message), timings: msg.timings },
      );
    }
    this.dispatch();
  }
}
