// Frame and pre-processing vocabulary shared by intake, the engine and the CLI.

/** Encodings of sensor_msgs/Image we accept (ROS names plus D-Robotics' literal "nv12"). */
export const RAW_ENCODINGS = [
  'rgb8', 'bgr8', 'rgba8', 'bgra8', 'mono8',
  'yuv422', 'uyvy', 'yuv422_yuy2', 'yuyv',
  'nv12', 'nv21',
] as const;
export type RawEncoding = (typeof RAW_ENCODINGS)[number];

/** An uncompressed frame: `data` is a view (often into a CDR message), rows `step` bytes apart. */
export interface RawFrame {
  width: number;
  height: number;
  encoding: string;
  step: number;
  data: Uint8Array;
}

export const RESIZE_MODES = ['stretch', 'center_crop', 'letterbox'] as const;
export type ResizeMode = (typeof RESIZE_MODES)[number];

export const RESIZE_FILTERS = ['area', 'bilinear'] as const;
export type ResizeFilter = (typeof RESIZE_FILTERS)[number];

export interface PreprocessOptions {
  /** Output size, even numbers; 224x224 for the X5 MobileNetV4 models. */
  width: number;
  height: number;
  resizeMode: ResizeMode;
  filter: ResizeFilter;
  /** center_crop only: side of the centred crop as a fraction of the shorter side (1 = full square). */
  cropRatio?: number;
}

export const DEFAULT_PREPROCESS: PreprocessOptions = {
  width: 224,
  height: 224,
  resizeMode: 'stretch',
  filter: 'area',
  cropRatio: 1,
};
