// Rolling statistics of the pipeline for /diagnostics: frames received, classified and failed over
// a sliding time window (fps, failures by reason, total-latency percentiles), plus totals since
// start. Per frame it only writes into preallocated typed-array rings; the window is evaluated
// when a report is made (1 Hz), which is where sorting for percentiles happens.
import type { FrameErrorCode } from '../errors';

/** Every FrameError code, in a fixed order: one diagnostics key each, and the failure ring's values. */
export const FRAME_ERROR_CODES: readonly FrameErrorCode[] = [
  'unknown_encoding',
  'bad_step',
  'short_data',
  'zero_size',
  'too_large',
  'odd_size',
  'truncated_cdr',
  'bad_cdr',
  'corrupt_image',
  'unsupported_format',
  'inference_failed',
  'timeout',
  'dropped',
  'shutdown',
];
const CODE_INDEX = new Map<FrameErrorCode, number>(FRAME_ERROR_CODES.map((c, i) => [c, i]));

/** Codes that mean the engine itself failed a frame it accepted (not the input, not load shedding). */
export const ENGINE_FAILURE_CODES: ReadonlySet<FrameErrorCode> = new Set<FrameErrorCode>(['inference_failed', 'timeout']);

/** Fixed-capacity ring of (time, value) pairs; the oldest entry is overwritten when full. */
export class TimeRing {
  private readonly t: Float64Array;
  private readonly v: Float64Array;
  private head = 0; // next write
  private count = 0;

  constructor(readonly capacity: number) {
    this.t = new Float64Array(capacity);
    this.v = new Float64Array(capacity);
  }

  push(timeMs: number, value: number): void {
    this.t[this.head] = timeMs;
    this.v[this.head] = value;
    this.head = (this.head + 1) % this.capacity;
    if (this.count < this.capacity) this.count++;
  }

  get size(): number {
    return this.count;
  }

  /** Time of the oldest retained entry, or undefined when empty. */
  oldest(): number | undefined {
    if (this.count === 0) return undefined;
    return this.t[(this.head - this.count + this.capacity) % this.capacity];
  }

  /** Copies the values of entries with time >= since into out (oldest first); returns how many. */
  valuesSince(since: number, out: Float64Array): number {
    let n = 0;
    for (let k = 0; k < this.count; k++) {
      const i = (this.head - this.count + k + this.capacity) % this.capacity;
      if (this.t[i] >= since) out[n++] = this.v[i];
    }
    return n;
  }

  /** Calls fn for each entry with time >= since, oldest first. Returns how many there were. */
  forEachSince(since: number, fn?: (timeMs: number, value: number) => void): number {
    let n = 0;
    for (let k = 0; k < this.count; k++) {
      const i = (this.head - this.count + k + this.capacity) % this.capacity;
      if (this.t[i] >= since) {
        n++;
        if (fn) fn(this.t[i], this.v[i]);
      }
    }
    return n;
  }
}

export interface WindowReport {
  /** Seconds the figures cover: the window, or less just after start or when a ring wrapped. */
  spanS: number;
  received: number;
  classified: number;
  failed: number;
  failedByCode: Record<FrameErrorCode, number>;
  /** Frames that reached the engine (classified or failed with an engine failure code). */
  engineAttempts: number;
  engineFailures: number;
  fps: number;
  /** Percentiles of total_ms over the window's classified frames; NaN when there are none. */
  p50: number;
  p95: number;
  p99: number;
}

export interface Totals {
  received: number;
  classified: number;
  failed: number;
  failedByCode: Record<FrameErrorCode, number>;
}

function zeroCounts(): Record<FrameErrorCode, number> {
  const r = {} as Record<FrameErrorCode, number>;
  for (const c of FRAME_ERROR_CODES) r[c] = 0;
  return r;
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

export class PipelineStats {
  private readonly arrivals: TimeRing;
  private readonly successes: TimeRing; // value: total_ms
  private readonly failures: TimeRing; // value: index into FRAME_ERROR_CODES
  private readonly scratch: Float64Array; // window latencies, sorted in place per report
  private readonly totals: Totals = { received: 0, classified: 0, failed: 0, failedByCode: zeroCounts() };
  private startMs: number | undefined;
  private lastError: { code: FrameErrorCode; message: string } | undefined;

  /**
   * @param windowS length of the sliding window in seconds
   * @param capacity entries kept per ring; at more than capacity/windowS frames per second the
   *   window shrinks to the newest `capacity` frames (reported as spanS)
   */
  constructor(readonly windowS = 5, capacity = 4096) {
    this.arrivals = new TimeRing(capacity);
    this.successes = new TimeRing(capacity);
    this.failures = new TimeRing(capacity);
    this.scratch = new Float64Array(capacity);
  }

  received(nowMs: number): void {
    if (this.startMs === undefined) this.startMs = nowMs;
    this.totals.received++;
    this.arrivals.push(nowMs, 0);
  }

  classified(nowMs: number, totalMs: number): void {
    this.totals.classified++;
    this.successes.push(nowMs, totalMs);
  }

  failed(nowMs: number, code: FrameErrorCode, message: string): void {
    this.totals.failed++;
    this.totals.failedByCode[code]++;
    this.failures.push(nowMs, CODE_INDEX.get(code) ?? 0);
    this.lastError = { code, message };
  }

  /** Totals since start (copies; for reports and tests). */
  snapshot(): Totals {
    return { ...this.totals, failedByCode: { ...this.totals.failedByCode } };
  }

  get lastFailure(): { code: FrameErrorCode; message: string } | undefined {
    return this.lastError;
  }

  window(nowMs: number): WindowReport {
    const windowMs = this.windowS * 1000;
    let since = nowMs - windowMs;
    // If a ring wrapped inside the window, only the part all rings still hold is comparable.
    for (const ring of [this.arrivals, this.successes, this.failures]) {
      const o = ring.oldest();
      if (ring.size === ring.capacity && o !== undefined && o > since) since = o;
    }
    const start = this.startMs === undefined ? nowMs : Math.max(since, this.startMs);
    const spanMs = Math.max(nowMs - start, 0);

    const classified = this.successes.valuesSince(since, this.scratch);
    const latencies = this.scratch.subarray(0, classified).sort(); // typed arrays sort numerically
    const failedByCode = zeroCounts();
    let engineFailures = 0;
    const failed = this.failures.forEachSince(since, (_t, v) => {
      const code = FRAME_ERROR_CODES[v];
      failedByCode[code]++;
      if (ENGINE_FAILURE_CODES.has(code)) engineFailures++;
    });
    const received = this.arrivals.forEachSince(since);
    return {
      spanS: spanMs / 1000,
      received,
      classified,
      failed,
      failedByCode,
      engineAttempts: classified + engineFailures,
      engineFailures,
      // Clamped so a report just after the first frame does not divide by almost nothing.
      fps: classified / Math.max(spanMs / 1000, 0.1),
      p50: percentile(latencies, 50),
      p95: percentile(latencies, 95),
      p99: percentile(latencies, 99),
    };
  }
}
