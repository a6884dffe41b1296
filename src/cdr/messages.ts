// Codecs of the ROS 2 messages the classifier consumes and produces, straight on CDR bytes.
// Field order and types follow the .msg texts in definitions.ts.
import { FrameError } from '../errors';
import type { Header, LatencyMs } from '../pipeline/types';
import { CdrReader } from './reader';
import { CdrSink, encodeCdr } from './writer';

export interface ImageMessage {
  header: Header;
  height: number;
  width: number;
  encoding: string;
  is_bigendian: number;
  step: number;
  /** A view into the serialized message, not a copy: keep the message alive while it is used. */
  data: Uint8Array;
}

export interface CompressedImageMessage {
  header: Header;
  format: string;
  /** A view into the serialized message, not a copy. */
  data: Uint8Array;
}

export interface ObjectHypothesis {
  class_id: string;
  score: number;
}

export interface VisionClass {
  class_id: number; // uint16
  class_name: string;
}

/** Values of the package's ClassificationLatency message after its header. */
export interface LatencyFields extends LatencyMs {
  sequence: number | bigint;
  model_variant: string;
  backend: string;
  dropped_frames: number | bigint;
  queue_depth: number;
}

/** diagnostic_msgs/msg/DiagnosticStatus level constants. */
export const DiagnosticLevel = { OK: 0, WARN: 1, ERROR: 2, STALE: 3 } as const;
export type DiagnosticLevelValue = (typeof DiagnosticLevel)[keyof typeof DiagnosticLevel];

export interface KeyValue {
  key: string;
  value: string;
}

export interface DiagnosticStatus {
  level: number; // byte: one of DiagnosticLevel
  name: string;
  message: string;
  hardware_id: string;
  values: KeyValue[];
}

// ---------------------------------------------------------------------------------------------
// Decoding

function readHeader(r: CdrReader): Header {
  const sec = r.int32('header.stamp.sec');
  const nanosec = r.uint32('header.stamp.nanosec');
  const frame_id = r.string('header.frame_id');
  return { stamp: { sec, nanosec }, frame_id };
}

/** Decodes sensor_msgs/msg/Image; throws FrameError('truncated_cdr' | 'bad_cdr'). */
export function decodeImage(buf: Uint8Array): ImageMessage {
  const r = new CdrReader(buf, 'sensor_msgs/msg/Image');
  const header = readHeader(r);
  const height = r.uint32('height');
  const width = r.uint32('width');
  const encoding = r.string('encoding');
  const is_bigendian = r.uint8('is_bigendian');
  const step = r.uint32('step');
  const data = r.bytes('data');
  return { header, height, width, encoding, is_bigendian, step, data };
}

/** Decodes sensor_msgs/msg/CompressedImage; throws FrameError('truncated_cdr' | 'bad_cdr'). */
export function decodeCompressedImage(buf: Uint8Array): CompressedImageMessage {
  const r = new CdrReader(buf, 'sensor_msgs/msg/CompressedImage');
  const header = readHeader(r);
  const format = r.string('format');
  const data = r.bytes('data');
  return { header, format, data };
}

/**
 * The std_msgs/Header at the start of any stamped message, or undefined when even that cannot be
 * read. Never throws: it lets an error outcome for a malformed frame still carry its stamp.
 */
export function peekHeader(buf: Uint8Array): Header | undefined {
  try {
    return readHeader(new CdrReader(buf, 'message'));
  } catch (err) {
    if (err instanceof FrameError) return undefined;
    throw err;
  }
}

// Decoders of the outputs, for tools that read result bags and for round-trip tests.

export interface ClassificationMessage {
  header: Header;
  results: ObjectHypothesis[];
}

export function decodeClassification(buf: Uint8Array): ClassificationMessage {
  const r = new CdrReader(buf, 'vision_msgs/msg/Classification');
  const header = readHeader(r);
  // Each ObjectHypothesis takes at least 4 (string length) + 8 (float64) bytes.
  const n = r.sequenceLength('results', 12);
  const results: ObjectHypothesis[] = [];
  for (let i = 0; i < n; i++) {
    const class_id = r.string(`results[${i}].class_id`);
    const score = r.float64(`results[${i}].score`);
    results.push({ class_id, score });
  }
  return { header, results };
}

export function decodeLatency(buf: Uint8Array): { header: Header } & LatencyFields {
  const r = new CdrReader(buf, 'mobilenetv4_classifier/msg/ClassificationLatency');
  const header = readHeader(r);
  return {
    header,
    sequence: r.uint64('sequence'),
    model_variant: r.string('model_variant'),
    backend: r.string('backend'),
    decode_ms: r.float64('decode_ms'),
    queue_ms: r.float64('queue_ms'),
    preprocess_ms: r.float64('preprocess_ms'),
    inference_ms: r.float64('inference_ms'),
    postprocess_ms: r.float64('postprocess_ms'),
    total_ms: r.float64('total_ms'),
    dropped_frames: r.uint64('dropped_frames'),
    queue_depth: r.uint32('queue_depth'),
  };
}

export interface LabelInfoMessage {
  header: Header;
  class_map: VisionClass[];
  threshold: number;
}

export function decodeLabelInfo(buf: Uint8Array): LabelInfoMessage {
  const r = new CdrReader(buf, 'vision_msgs/msg/LabelInfo');
  const header = readHeader(r);
  // VisionClass: uint16 + string length at least 6 bytes.
  const n = r.sequenceLength('class_map', 6);
  const class_map: VisionClass[] = [];
  for (let i = 0; i < n; i++) {
    const class_id = r.uint16(`class_map[${i}].class_id`);
    const class_name = r.string(`class_map[${i}].class_name`);
    class_map.push({ class_id, class_name });
  }
  return { header, class_map, threshold: r.float32('threshold') };
}

export function decodeDiagnosticArray(buf: Uint8Array): { header: Header; status: DiagnosticStatus[] } {
  const r = new CdrReader(buf, 'diagnostic_msgs/msg/DiagnosticArray');
  const header = readHeader(r);
  // DiagnosticStatus: a byte, three string lengths and a sequence length: at least 17 bytes.
  const n = r.sequenceLength('status', 17);
  const status: DiagnosticStatus[] = [];
  for (let i = 0; i < n; i++) {
    const level = r.uint8(`status[${i}].level`);
    const name = r.string(`status[${i}].name`);
    const message = r.string(`status[${i}].message`);
    const hardware_id = r.string(`status[${i}].hardware_id`);
    const m = r.sequenceLength(`status[${i}].values`, 8);
    const values: KeyValue[] = [];
    for (let j = 0; j < m; j++) {
      const key = r.string(`status[${i}].values[${j}].key`);
      values.push({ key, value: r.string(`status[${i}].values[${j}].value`) });
    }
    status.push({ level, name, message, hardware_id, values });
  }
  return { header, status };
}

// ---------------------------------------------------------------------------------------------
// Encoding. Each encoder returns CDR_LE bytes in a Uint8Array that owns its ArrayBuffer from
// offset 0 with no slack, so `Buffer.from(out.buffer)` publishes exactly the message (rclnodejs
// ignores byteOffset for typed arrays; see the ROS 2 reference notes).

function writeHeader(w: CdrSink, h: Header): void {
  w.int32(h.stamp.sec, 'header.stamp.sec');
  w.uint32(h.stamp.nanosec, 'header.stamp.nanosec');
  w.string(h.frame_id, 'header.frame_id');
}

export function encodeImage(msg: Omit<ImageMessage, 'is_bigendian'> & { is_bigendian?: number }): Uint8Array {
  return encodeCdr((w) => {
    writeHeader(w, msg.header);
    w.uint32(msg.height, 'height');
    w.uint32(msg.width, 'width');
    w.string(msg.encoding, 'encoding');
    w.uint8(msg.is_bigendian ?? 0, 'is_bigendian');
    w.uint32(msg.step, 'step');
    w.bytes(msg.data, 'data');
  });
}

export function encodeCompressedImage(msg: CompressedImageMessage): Uint8Array {
  return encodeCdr((w) => {
    writeHeader(w, msg.header);
    w.string(msg.format, 'format');
    w.bytes(msg.data, 'data');
  });
}

/** vision_msgs/msg/Classification */
export function encodeClassification(header: Header, results: readonly ObjectHypothesis[]): Uint8Array {
  return encodeCdr((w) => {
    writeHeader(w, header);
    w.uint32(results.length, 'results length');
    for (let i = 0; i < results.length; i++) {
      w.string(results[i].class_id, 'results[].class_id');
      w.float64(results[i].score, 'results[].score');
    }
  });
}

/** mobilenetv4_classifier/msg/ClassificationLatency */
export function encodeLatency(header: Header, f: LatencyFields): Uint8Array {
  return encodeCdr((w) => {
    writeHeader(w, header);
    w.uint64(f.sequence, 'sequence');
    w.string(f.model_variant, 'model_variant');
    w.string(f.backend, 'backend');
    w.float64(f.decode_ms, 'decode_ms');
    w.float64(f.queue_ms, 'queue_ms');
    w.float64(f.preprocess_ms, 'preprocess_ms');
    w.float64(f.inference_ms, 'inference_ms');
    w.float64(f.postprocess_ms, 'postprocess_ms');
    w.float64(f.total_ms, 'total_ms');
    w.uint64(f.dropped_frames, 'dropped_frames');
    w.uint32(f.queue_depth, 'queue_depth');
  });
}

/** vision_msgs/msg/LabelInfo */
export function encodeLabelInfo(header: Header, classMap: readonly VisionClass[], threshold: number): Uint8Array {
  return encodeCdr((w) => {
    writeHeader(w, header);
    w.uint32(classMap.length, 'class_map length');
    for (let i = 0; i < classMap.length; i++) {
      w.uint16(classMap[i].class_id, 'class_map[].class_id');
      w.string(classMap[i].class_name, 'class_map[].class_name');
    }
    w.float32(threshold, 'threshold');
  });
}

/** diagnostic_msgs/msg/DiagnosticArray */
export function encodeDiagnosticArray(header: Header, statuses: readonly DiagnosticStatus[]): Uint8Array {
  return encodeCdr((w) => {
    writeHeader(w, header);
    w.uint32(statuses.length, 'status length');
    for (const s of statuses) {
      w.uint8(s.level, 'status[].level');
      w.string(s.name, 'status[].name');
      w.string(s.message, 'status[].message');
      w.string(s.hardware_id, 'status[].hardware_id');
      w.uint32(s.values.length, 'status[].values length');
      for (const kv of s.values) {
        w.string(kv.key, 'status[].values[].key');
        w.string(kv.value, 'status[].values[].value');
      }
    }
  });
}
