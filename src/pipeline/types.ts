// The transport-free classifier's contract: raw CDR in, raw CDR out. The ROS adapter, the bag
// replayer and the tests all drive the same implementation through it.
import type { FrameError } from '../errors';
import type { Hypothesis } from '../engine/types';

export type ImageKind = 'image' | 'compressed'; // sensor_msgs/msg/Image | sensor_msgs/msg/CompressedImage

export interface Stamp {
  sec: number;
  nanosec: number;
}

export interface Header {
  stamp: Stamp;
  frame_id: string;
}

export interface LatencyMs {
  decode_ms: number;
  queue_ms: number;
  preprocess_ms: number;
  inference_ms: number;
  postprocess_ms: number;
  total_ms: number;
}

export type FrameOutcome =
  | {
      ok: true;
      sequence: number;
      header: Header;
      top: Hypothesis[]; // after score_threshold, at most top_k
      latency: LatencyMs;
      classificationCdr: Uint8Array; // vision_msgs/msg/Classification
      latencyCdr: Uint8Array; // mobilenetv4_classifier/msg/ClassificationLatency
    }
  | {
      ok: false;
      sequence: number;
      header?: Header; // present when the CDR header could be read
      error: FrameError;
    };

/** ROS type names of what the pipeline consumes and produces. */
export const TYPES = {
  image: 'sensor_msgs/msg/Image',
  compressed: 'sensor_msgs/msg/CompressedImage',
  classification: 'vision_msgs/msg/Classification',
  latency: 'mobilenetv4_classifier/msg/ClassificationLatency',
  labelInfo: 'vision_msgs/msg/LabelInfo',
  diagnostics: 'diagnostic_msgs/msg/DiagnosticArray',
} as const;
