// The replay test input: the fixture photos in several encodings (good frames, known top-1) and
// one frame of each malformed kind, serialized by Foxglove's writer (independent of our codecs).
import { compressedFormat, photoFrame, photoJpeg, photoPng, SAMPLE_SPECS, type SampleSpec } from './frames';
import type { ReplayCliOptions } from '../../src/cli/replay';
import { fgCompressed, fgImage, type RawMsg } from './independent';

export const STAMP0 = 1_700_000_000; // s

export interface GoodFrame {
  spec: SampleSpec;
  stamp: { sec: number; nanosec: number };
  frameId: string;
  logTime: bigint;
}

export interface BadFrame {
  what: string;
  code: string; // expected FrameError code
  stamp: { sec: number; nanosec: number };
  frameId: string;
  logTime: bigint;
}

export interface ReplayInputs {
  msgs: RawMsg[];
  good: GoodFrame[];
  bad: BadFrame[];
}

export async function buildInputs(): Promise<ReplayInputs> {
  const msgs: RawMsg[] = [];
  const good: GoodFrame[] = [];
  const bad: BadFrame[] = [];
  let i = 0;
  const next = () => {
    const stamp = { sec: STAMP0 + Math.floor(i / 10), nanosec: (i % 10) * 100_000_000 + 17 };
    const logTime = BigInt(stamp.sec) * 1_000_000_000n + BigInt(stamp.nanosec) + 3_000_000n;
    i++;
    return { stamp, logTime };
  };
  const addBad = (what: string, code: string, m: { width: number; height: number; encoding: string; step: number; data: Uint8Array }) => {
    const { stamp, logTime } = next();
    const frameId = `bad_${what.replace(/\W+/g, '_')}`;
    bad.push({ what, code, stamp, frameId, logTime });
    msgs.push({ topic: '/usb_cam/image_raw', type: 'sensor_msgs/msg/Image', logTime, data: fgImage({ header: { stamp, frame_id: frameId }, ...m }) });
  };
  for (const spec of SAMPLE_SPECS) {
    const { stamp, logTime } = next();
    const header = { stamp, frame_id: spec.frameId };
    if (spec.encoding === 'jpeg' || spec.encoding === 'png') {
      const data = spec.encoding === 'jpeg' ? await photoJpeg(spec.file, spec.width, spec.height) : await photoPng(spec.file, spec.width, spec.height);
      msgs.push({ topic: spec.topic, type: 'sensor_msgs/msg/CompressedImage', logTime, data: fgCompressed({ header, format: compressedFormat(spec.encoding), data }) });
    } else {
      const f = await photoFrame(spec.file, spec.width, spec.height, spec.encoding, spec.step);
      msgs.push({ topic: spec.topic, type: 'sensor_msgs/msg/Image', logTime, data: fgImage({ header, ...f }) });
    }
    good.push({ spec, stamp, frameId: spec.frameId, logTime });
    // Malformed frames between the good ones: neighbours must be unaffected.
    if (good.length === 2) addBad('wrong step', 'bad_step', { width: 64, height: 48, encoding: 'bgr8', step: 64 * 3 - 3, data: new Uint8Array(64 * 3 * 48) });
    if (good.length === 3) addBad('short data', 'short_data', { width: 64, height: 48, encoding: 'bgr8', step: 64 * 3, data: new Uint8Array(64 * 3 * 48 - 100) });
    if (good.length === 4) addBad('unknown encoding', 'unknown_encoding', { width: 64, height: 48, encoding: 'bayer_rggb16', step: 128, data: new Uint8Array(128 * 48) });
    if (good.length === 5) addBad('odd NV12 width', 'odd_size', { width: 63, height: 48, encoding: 'nv12', step: 63, data: new Uint8Array(63 * 72) });
    if (good.length === 6) addBad('zero size', 'zero_size', { width: 0, height: 0, encoding: 'rgb8', step: 0, data: new Uint8Array(0) });
  }
  {
    const { stamp, logTime } = next();
    const frameId = 'bad_corrupt_jpeg';
    bad.push({ what: 'corrupt JPEG', code: 'corrupt_image', stamp, frameId, logTime });
    const jpeg = await photoJpeg('cat.png', 64, 48);
    const broken = Buffer.concat([jpeg.subarray(0, 20), Buffer.alloc(200, 0x55)]);
    msgs.push({ topic: '/usb_cam/image_raw/compressed', type: 'sensor_msgs/msg/CompressedImage', logTime, data: fgCompressed({ header: { stamp, frame_id: frameId }, format: 'jpeg', data: broken }) });
  }
  return { msgs, good, bad };
}

/** Replay options of these tests: the reference MobileNetV2 on the CPU, centre crop (every good frame's class is known). */
export function replayOptions(bag: string, out: string, extra: Partial<ReplayCliOptions> = {}): ReplayCliOptions {
  return {
    bag,
    out,
    topics: [],
    model: 'reference-mobilenetv2',
    backend: 'cpu',
    resizeMode: 'center_crop',
    filter: 'area',
    topK: 5,
    scoreThreshold: 0,
    threads: 2,
    queueSize: 4,
    tolerance: 0.02,
    json: false,
    ...extra,
  };
}
