// ros2msg texts of the messages the classifier reads and writes, in the form rosbag2 embeds them
// as MCAP schemas (encoding `ros2msg`): the type's own .msg text first, then for each dependency,
// recursively, a line of 80 `=`, a line `MSG: pkg/Type` and that type's text. Bag writers store
// these as schemas; tests build Foxglove's reader and writer from them. Field lists follow
// sensor_msgs/std_msgs/builtin_interfaces/diagnostic_msgs (Humble) and vision_msgs 4.1.
import { TYPES } from '../pipeline/types';

const TIME = `# Time in seconds and nanoseconds since an epoch (the node clock's epoch).
int32 sec
# Nanoseconds in [0, 1e9), added to sec.
uint32 nanosec
`;

const HEADER = `# Standard metadata for stamped data: acquisition time and coordinate frame.
builtin_interfaces/Time stamp
string frame_id
`;

const IMAGE = `# An uncompressed image; (0, 0) is the top-left corner.
std_msgs/Header header # stamp: acquisition time; frame_id: the camera's optical frame

uint32 height          # rows
uint32 width           # columns

string encoding        # pixel layout, e.g. rgb8, bgr8, mono8, yuv422, nv12

uint8 is_bigendian     # is this data big endian?
uint32 step            # full row length in bytes
uint8[] data           # step * rows bytes
`;

const COMPRESSED_IMAGE = `# A compressed image.
std_msgs/Header header # stamp: acquisition time; frame_id: the camera's optical frame

# Compression format: jpeg, png, or "<pixfmt>; <codec> compressed <pixfmt>"
# as compressed_image_transport writes (e.g. "bgr8; jpeg compressed bgr8").
string format

uint8[] data           # the compressed image buffer
`;

const OBJECT_HYPOTHESIS = `# A class label and its score.
string class_id        # key into the class database (see VisionInfo / LabelInfo)
float64 score          # by convention a probability in [0, 1]
`;

const CLASSIFICATION = `# A classification result without position: class scores for one input.
std_msgs/Header header # matches the header of the source data

# Scores of some classes, not necessarily all (e.g. the top k above a threshold).
ObjectHypothesis[] results
`;

const VISION_CLASS = `# Maps an integer class id to a class name. 65535 (max uint16) means UNLABELED.
uint16 class_id
string class_name
`;

const LABEL_INFO = `# Class id to name mapping of a vision pipeline; publish latched (transient local).
std_msgs/Header header
VisionClass[] class_map # the classes the pipeline can output
float32 threshold       # the score threshold applied to results
`;

const KEY_VALUE = `string key   # what to label this value when viewing
string value # a value to track over time
`;

const DIAGNOSTIC_STATUS = `# Status of one component of the robot.
byte OK=0
byte WARN=1
byte ERROR=2
byte STALE=3

byte level           # level of operation, one of the above
string name          # a description of the test/component reporting
string message       # a description of the status
string hardware_id   # a hardware unique string
KeyValue[] values    # an array of values associated with the status
`;

const DIAGNOSTIC_ARRAY = `# Diagnostic information about the state of the robot.
std_msgs/Header header    # for timestamp
DiagnosticStatus[] status # an array of components being reported on
`;

/** Verbatim copy of msg/ClassificationLatency.msg (a test keeps the two identical). */
export const CLASSIFICATION_LATENCY_MSG = `# Per-frame processing latency of mobilenetv4_classifier, published on \`classification/latency\`.
# Stages are measured with a monotonic clock on the node, from receipt of the image message to the
# publication of its classification; they never depend on header.stamp or on sim time.

std_msgs/Header header      # copied unchanged from the input image
uint64 sequence             # input frame number at this node, from 0
string model_variant        # e.g. conv_small, conv_medium, or a registry name
string backend              # bpu, bpu-sim or cpu
float64 decode_ms           # CDR decode (+ JPEG/PNG decode for compressed input)
float64 queue_ms            # waiting for a worker
float64 preprocess_ms       # resize + colour conversion to NV12
float64 inference_ms        # model run (BPU task submit to done, or ONNX Runtime)
float64 postprocess_ms      # softmax + top-k
float64 total_ms            # receipt to result, including hand-overs between threads
uint64 dropped_frames       # frames dropped or failed at this node so far, all reasons
uint32 queue_depth          # frames waiting when this one finished
`;

const RULE = '='.repeat(80);

/**
 * Concatenates like rosbag2's MCAP storage plugin (message_definition_cache.cpp): each text as
 * its .msg file reads (ending in a newline), dependencies depth-first in sorted name order, each
 * preceded by "\n" + 80 '=' + "\nMSG: pkg/Type\n".
 */
function bundle(main: string, deps: [string, string][]): string {
  let text = main;
  for (const [name, body] of deps) text += `\n${RULE}\nMSG: ${name}\n${body}`;
  return text;
}

const HEADER_DEPS: [string, string][] = [
  ['std_msgs/Header', HEADER],
  ['builtin_interfaces/Time', TIME],
];

/** Complete ros2msg definitions keyed by ROS type name (`pkg/msg/Type`). */
export const MESSAGE_DEFINITIONS: Readonly<Record<string, string>> = {
  [TYPES.image]: bundle(IMAGE, HEADER_DEPS),
  [TYPES.compressed]: bundle(COMPRESSED_IMAGE, HEADER_DEPS),
  [TYPES.classification]: bundle(CLASSIFICATION, [...HEADER_DEPS, ['vision_msgs/ObjectHypothesis', OBJECT_HYPOTHESIS]]),
  [TYPES.latency]: bundle(CLASSIFICATION_LATENCY_MSG, HEADER_DEPS),
  [TYPES.labelInfo]: bundle(LABEL_INFO, [...HEADER_DEPS, ['vision_msgs/VisionClass', VISION_CLASS]]),
  [TYPES.diagnostics]: bundle(DIAGNOSTIC_ARRAY, [
    ['diagnostic_msgs/DiagnosticStatus', DIAGNOSTIC_STATUS],
    ['diagnostic_msgs/KeyValue', KEY_VALUE],
    ...HEADER_DEPS,
  ]),
};

/** The ros2msg schema text of a type this package reads or writes; throws for any other type. */
export function messageDefinition(typeName: string): string {
  const text = MESSAGE_DEFINITIONS[typeName];
  if (text === undefined) {
    throw new Error(`no message definition for ${typeName}; known: ${Object.keys(MESSAGE_DEFINITIONS).join(', ')}`);
  }
  return text;
}
