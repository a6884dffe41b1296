// Offline replay: every Image/CompressedImage message of a bag through the node's own pipeline
// (same CDR codecs, same engine), results into a results bag at the inputs' receive times.
// Policy `block` (default): wait for room in the engine before each frame, so every frame is
// processed. With `rate`, frames are fed at their recorded pace (scaled) and the engine runs the
// live drop policy, so what a robot would drop shows up as `dropped` errors. Either way every
// input frame ends as a result or an error: frames == classified + errors is checked at the end.
import type { FrameOutcome, Header, ImageKind, LatencyMs } from '../pipeline/types';
import { TYPES } from '../pipeline/types';
import type { FrameErrorCode } from '../errors';
import type { Hypothesis } from '../engine/types';
import { QOS_DEFAULT, QOS_LATCHED, qosProfileYaml } from './qos';
import type { BagMessage, BagTopic, StorageReader } from './types';
import { nsToStamp } from './types';
import type { BagWriter } from './writer';
import { latencySummary, percentiles, type Percentiles, type Stage } from './stats';

export const RESULT_TOPICS = {
  classification: '/classification',
  latency: '/classification/latency',
  labelInfo: '/label_info',
} as const;

/** The slice of ClassifierPipeline the replay drives. */
export interface PipelineLike {
  process(kind: ImageKind, cdr: Uint8Array): Promise<FrameOutcome>;
  /** Resolves when a frame can be taken without being dropped (decode slot and engine queue). */
  ready(): Promise<void>;
  labelInfoCdr(stamp?: { sec: number; nanosec: number }): Uint8Array;
}

export interface FrameRecord {
  index: number; // input order, from 0
  topic: string;
  kind: ImageKind;
  logTime: bigint;
  header?: Header;
  top?: Hypothesis[];
  latency?: LatencyMs;
  error?: { code: FrameErrorCode; message: string };
  /** Monotonic ms from the start of the replay to this frame's outcome. */
  doneMs?: number;
  /** Kept only for frames picked by `keepData` (report thumbnails). */
  cdr?: Uint8Array;
}

export interface ReplayError {
  stamp: { sec: number; nanosec: number };
  frame_id: string;
  reason: string;
  code: FrameErrorCode;
  topic: string;
  receive_time: { sec: number; nanosec: number };
}

export interface ReplayResult {
  frames: number;
  classified: number;
  errors: ReplayError[];
  dropped: number;
  topics: string[];
  wallMs: number;
  fps: number; // classified frames per wall-clock second
  latency: Record<Stage, Percentiles>;
  classes: Record<string, number>; // top-1 label -> frames
  records: FrameRecord[];
}

export interface ReplayOptions {
  /** Image topics to replay; default every Image and CompressedImage topic of the bag. */
  topics?: readonly string[];
  /** Playback rate relative to the recording; undefined = as fast as possible. */
  rate?: number;
  /**
   * Wait for room before each frame (the block policy: nothing dropped). Default: only when there
   * is no `rate`; a paced replay then runs the engine's live drop policy. Paced and blocking
   * together (the demo) keeps a camera's pace without losing frames.
   */
  block?: boolean;
  /** Frames waiting or in the engine at most (bounds memory); the engine's queue + workers. */
  maxInFlight: number;
  labels: readonly string[];
  writer?: BagWriter;
  /** Frames (by input index) whose CDR is kept in `records` for thumbnails. */
  keepData?: (index: number, total: number) => boolean;
  onProgress?: (done: number, total: number) => void;
  /** Time source for pacing (ms, monotonic); injectable for tests. */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export const IMAGE_TYPES: Record<string, ImageKind> = { [TYPES.image]: 'image', [TYPES.compressed]: 'compressed' };

/** The image topics to replay, checked against the bag; throws naming the available ones. */
export function selectTopics(bagTopics: readonly BagTopic[], wanted?: readonly string[]): BagTopic[] {
  const images = bagTopics.filter((t) => IMAGE_TYPES[t.type] !== undefined);
  const list = images.map((t) => `${t.name} (${t.type})`).join(', ') || 'none';
  if (!wanted || wanted.length === 0) {
    if (images.length === 0) throw new Error(`the bag has no sensor_msgs/msg/Image or CompressedImage topic (topics: ${bagTopics.map((t) => t.name).join(', ') || 'none'})`);
    return images;
  }
  return wanted.map((name) => {
    const t = bagTopics.find((x) => x.name === name);
    if (!t) throw new Error(`topic ${name} is not in the bag; image topics: ${list}`);
    if (IMAGE_TYPES[t.type] === undefined) throw new Error(`topic ${name} is ${t.type}, not an image topic; image topics: ${list}`);
    return t;
  });
}

function errorOf(rec: FrameRecord): ReplayError {
  const receive = nsToStamp(rec.logTime);
  return {
    // A frame whose header could not be read is named by its receive time.
    stamp: rec.header?.stamp ?? receive,
    frame_id: rec.header?.frame_id ?? '',
    reason: rec.error ? `${rec.error.code}: ${rec.error.message}` : 'unknown',
    code: rec.error?.code ?? 'bad_cdr',
    topic: rec.topic,
    receive_time: receive,
  };
}

export class ReplayInvariantError extends Error {}

export async function replay(bag: StorageReader, pipeline: PipelineLike, opts: ReplayOptions): Promise<ReplayResult> {
  const topics = selectTopics(bag.info.topics, opts.topics);
  const total = topics.reduce((n, t) => n + t.messageCount, 0);
  const kindOf = new Map(topics.map((t) => [t.name, IMAGE_TYPES[t.type]]));
  const now = opts.now ?? (() => performance.now());
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const w = opts.writer;
  const block = opts.block ?? opts.rate === undefined;

  if (w) {
    await w.addTopic({ name: RESULT_TOPICS.classification, type: TYPES.classification, qos: qosProfileYaml(QOS_DEFAULT) });
    await w.addTopic({ name: RESULT_TOPICS.latency, type: TYPES.latency, qos: qosProfileYaml(QOS_DEFAULT) });
    await w.addTopic({ name: RESULT_TOPICS.labelInfo, type: TYPES.labelInfo, qos: qosProfileYaml(QOS_LATCHED) });
  }

  const records: FrameRecord[] = [];
  const pending: { rec: FrameRecord; outcome: Promise<FrameOutcome>; settled: boolean }[] = [];
  let done = 0;
  let labelInfoWritten = false;

  const settle = async (): Promise<void> => {
    const { rec, outcome } = pending.shift()!;
    const o = await outcome;
    if (o.header) rec.header = o.header;
    if (o.ok) {
      rec.top = o.top;
      rec.latency = o.latency;
      if (w) {
        await w.write(RESULT_TOPICS.classification, rec.logTime, o.classificationCdr);
        await w.write(RESULT_TOPICS.latency, rec.logTime, o.latencyCdr);
      }
    } else {
      rec.error = { code: o.error.code, message: o.error.message };
    }
    rec.doneMs = now() - t0;
    done++;
    opts.onProgress?.(done, total);
  };

  const t0 = now();
  let firstLog: bigint | undefined;
  let index = 0;
  const messages: AsyncGenerator<BagMessage> = bag.messages({ topics: topics.map((t) => t.name) });
  for await (const m of messages) {
    const kind = kindOf.get(m.topic)!;
    if (w && !labelInfoWritten) {
      // Latched class map, logged with the first frame so a player publishes it before any result.
      await w.write(RESULT_TOPICS.labelInfo, m.logTime, pipeline.labelInfoCdr(nsToStamp(m.logTime)));
      labelInfoWritten = true;
    }
    if (opts.rate !== undefined) {
      firstLog ??= m.logTime;
      const due = t0 + Number(m.logTime - firstLog) / 1e6 / opts.rate;
      const wait = due - now();
      if (wait > 0) await sleep(wait);
    }
    if (block) {
      while (pending.length >= opts.maxInFlight) await settle();
      await pipeline.ready();
    }
    const rec: FrameRecord = { index, topic: m.topic, kind, logTime: m.logTime };
    if (opts.keepData?.(index, total)) rec.cdr = m.data;
    records.push(rec);
    const entry = { rec, outcome: pipeline.process(kind, m.data), settled: false };
    void entry.outcome.then(() => (entry.settled = true));
    pending.push(entry);
    index++;
    // Results are written in input order as soon as the oldest ones are back; without back-pressure
    // (live policy) the backlog of outcomes is still bounded.
    while (pending.length && (pending[0].settled || pending.length > opts.maxInFlight * 4)) await settle();
  }
  while (pending.length) await settle();
  const wallMs = now() - t0;

  const ok = records.filter((r) => r.top !== undefined);
  const errors = records.filter((r) => r.error !== undefined).map(errorOf);
  const frames = records.length;
  if (frames !== ok.length + errors.length) {
    throw new ReplayInvariantError(`lost results: ${frames} frames in, ${ok.length} classified + ${errors.length} errors out`);
  }
  const classes: Record<string, number> = {};
  for (const r of ok) {
    const top1 = r.top![0];
    const name = top1 ? (opts.labels[top1.classIndex] ?? `class ${top1.classIndex}`) : '(below threshold)';
    classes[name] = (classes[name] ?? 0) + 1;
  }
  return {
    frames,
    classified: ok.length,
    errors,
    dropped: errors.filter((e) => e.code === 'dropped').length,
    topics: topics.map((t) => t.name),
    wallMs,
    fps: wallMs > 0 ? Math.round((ok.length / wallMs) * 1e5) / 100 : 0,
    latency: latencySummary(ok.map((r) => r.latency!)),
    classes,
    records,
  };
}

/** The `--json` summary. */
export function summaryJson(r: ReplayResult): Record<string, unknown> {
  return {
    frames: r.frames,
    classified: r.classified,
    errors: r.errors.map((e) => ({ stamp: e.stamp, frame_id: e.frame_id, reason: e.reason, topic: e.topic })),
    dropped: r.dropped,
    latency_ms: Object.fromEntries(Object.entries(r.latency).map(([k, v]) => [k.replace(/_ms$/, ''), v])),
    fps: r.fps,
    classes: r.classes,
    topics: r.topics,
  };
}

export { percentiles };
