// Shared by the end-to-end ROS tests: fixture photos as sensor_msgs CDR written by Foxglove's
// MessageWriter (the independent encoder), and Foxglove readers for what the node publishes.
import { parse } from '@foxglove/rosmsg';
import { MessageReader, MessageWriter } from '@foxglove/rosmsg2-serialization';
import * as fs from 'fs';
import * as path from 'path';
import sharp from 'sharp';
import { messageDefinition } from '../../src/cdr/definitions';
import { fixturesDir } from '../../src/paths';

export const writer = (t: string) => new MessageWriter(parse(messageDefinition(t), { ros2: true }));
export const reader = (t: string) => new MessageReader(parse(messageDefinition(t), { ros2: true }));

/** Expected top-1 of the reference MobileNetV2 with center_crop (test/fixtures/SOURCES.md). */
export const EXPECTED: Record<string, number> = {
  'cat.png': 285,
  'parrot.jpg': 88,
  'hot_dog.jpg': 934,
  'bird.png': 19,
  'squirrel_cls.jpg': 335,
  'baboon.jpg': 372,
  'orange.jpg': 950,
  'camera.png': 872,
};

export interface Header {
  stamp: { sec: number; nanosec: number };
  frame_id: string;
}

export interface Input {
  file: string;
  header: Header;
  cdr: Uint8Array;
}

const ENCODINGS = ['rgb8', 'bgr8', 'rgba8', 'mono8'] as const;

/** sensor_msgs/Image of a photo: rgb8/bgr8/rgba8 (colour) or mono8 (the greyscale camera.png), rows padded. */
export async function rawImage(file: string, i: number, header: Header): Promise<Uint8Array> {
  const img = sharp(path.join(fixturesDir, 'images', file));
  const meta = await img.metadata();
  const grey = meta.channels === 1 || file === 'camera.png';
  const encoding = grey ? 'mono8' : ENCODINGS[i % 3];
  const ch = encoding === 'mono8' ? 1 : encoding === 'rgba8' ? 4 : 3;
  let pipe = img.clone();
  if (encoding === 'mono8') pipe = pipe.toColourspace('b-w');
  else if (encoding === 'rgba8') pipe = pipe.ensureAlpha();
  else pipe = pipe.removeAlpha().toColourspace('srgb');
  const { data, info } = await pipe.raw().toBuffer({ resolveWithObject: true });
  if (info.channels !== ch) throw new Error(`${file}: ${info.channels} channels, wanted ${ch}`);
  const step = info.width * ch + 8; // padded rows: the node must honour step
  const out = new Uint8Array(step * info.height);
  for (let y = 0; y < info.height; y++) {
    const row = data.subarray(y * info.width * ch, (y + 1) * info.width * ch);
    if (encoding === 'bgr8') {
      for (let x = 0; x < info.width; x++) {
        out[y * step + x * 3] = row[x * 3 + 2];
        out[y * step + x * 3 + 1] = row[x * 3 + 1];
        out[y * step + x * 3 + 2] = row[x * 3];
      }
    } else out.set(row, y * step);
  }
  return writer('sensor_msgs/msg/Image').writeMessage({ header, height: info.height, width: info.width, encoding, is_bigendian: 0, step, data: out });
}

export function compressedImage(file: string, header: Header): Uint8Array {
  const data = fs.readFileSync(path.join(fixturesDir, 'images', file));
  return writer('sensor_msgs/msg/CompressedImage').writeMessage({ header, format: file.endsWith('.png') ? 'png' : 'jpeg', data });
}

export function headerFor(file: string, i: number): Header {
  // Distinct stamps and frame ids, with nanoseconds that a float would round.
  return { stamp: { sec: 1_700_000_000 + i, nanosec: 123_456_789 + i }, frame_id: `cam_${i}_${file}` };
}

export async function waitFor(cond: () => boolean, what: string, timeoutMs = 60000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
