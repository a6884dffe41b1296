// Frames in every sensor_msgs/Image encoding, made from the fixture photos with sharp and plain
// arithmetic (BT.601 limited range, the convention of the X5 toolchain), independent of the
// package's native converter. Used by the tests and by scripts/make-sample-bag.ts.
import * as path from 'path';
import sharp from 'sharp';

export const IMAGES_DIR = path.join(__dirname, '..', 'fixtures', 'images');

export interface Frame {
  width: number;
  height: number;
  encoding: string;
  step: number;
  data: Uint8Array;
}

/** RGB pixels of a photo scaled to cover width x height and centre-cropped (keeps the centre). */
export async function photoRgb(file: string, width: number, height: number): Promise<Buffer> {
  return sharp(path.resolve(IMAGES_DIR, file)).removeAlpha().resize(width, height, { fit: 'cover', position: 'centre' }).toColourspace('srgb').raw().toBuffer();
}

export async function photoGrey(file: string, width: number, height: number): Promise<Buffer> {
  return sharp(path.resolve(IMAGES_DIR, file)).resize(width, height, { fit: 'cover', position: 'centre' }).greyscale().extractChannel(0).raw().toBuffer();
}

const clamp = (x: number) => (x < 0 ? 0 : x > 255 ? 255 : Math.round(x));
const Y = (r: number, g: number, b: number) => clamp(16 + (65.481 * r + 128.553 * g + 24.966 * b) / 255);
const U = (r: number, g: number, b: number) => clamp(128 + (-37.797 * r - 74.203 * g + 112 * b) / 255);
const V = (r: number, g: number, b: number) => clamp(128 + (112 * r - 93.786 * g - 18.214 * b) / 255);

/** Packs RGB pixels into `encoding`, rows `step` bytes apart (step >= the packed row; padding is 0). */
export function encodeRgb(rgb: Uint8Array, width: number, height: number, encoding: string, step?: number): Frame {
  const bpp: Record<string, number> = { rgb8: 3, bgr8: 3, rgba8: 4, bgra8: 4, mono8: 1, yuyv: 2, yuv422_yuy2: 2, uyvy: 2, yuv422: 2, nv12: 1, nv21: 1 };
  if (!(encoding in bpp)) throw new Error(`encodeRgb: ${encoding}?`);
  const row = width * bpp[encoding];
  const s = step ?? row;
  const planar = encoding === 'nv12' || encoding === 'nv21';
  const data = new Uint8Array(s * height + (planar ? s * (height / 2) : 0));
  const px = (x: number, y: number) => {
    const i = (y * width + x) * 3;
    return [rgb[i], rgb[i + 1], rgb[i + 2]] as const;
  };
  for (let y = 0; y < height; y++) {
    const o = y * s;
    for (let x = 0; x < width; x++) {
      const [r, g, b] = px(x, y);
      switch (encoding) {
        case 'rgb8': data.set([r, g, b], o + x * 3); break;
        case 'bgr8': data.set([b, g, r], o + x * 3); break;
        case 'rgba8': data.set([r, g, b, 255], o + x * 4); break;
        case 'bgra8': data.set([b, g, r, 255], o + x * 4); break;
        case 'mono8': data[o + x] = Y(r, g, b); break; // not used for true greyscale photos
        case 'nv12': case 'nv21': data[o + x] = Y(r, g, b); break;
        default: {
          if (x % 2) break;
          const [r1, g1, b1] = px(x + 1, y);
          const u = clamp((U(r, g, b) + U(r1, g1, b1)) / 2);
          const v = clamp((V(r, g, b) + V(r1, g1, b1)) / 2);
          const quad = encoding === 'yuyv' || encoding === 'yuv422_yuy2' ? [Y(r, g, b), u, Y(r1, g1, b1), v] : [u, Y(r, g, b), v, Y(r1, g1, b1)];
          data.set(quad, o + x * 2);
        }
      }
    }
  }
  if (planar) {
    for (let y = 0; y < height; y += 2) {
      const o = s * height + (y / 2) * s;
      for (let x = 0; x < width; x += 2) {
        let u = 0;
        let v = 0;
        for (const [dx, dy] of [[0, 0], [1, 0], [0, 1], [1, 1]]) {
          const [r, g, b] = px(x + dx, y + dy);
          u += U(r, g, b);
          v += V(r, g, b);
        }
        const pair = encoding === 'nv12' ? [clamp(u / 4), clamp(v / 4)] : [clamp(v / 4), clamp(u / 4)];
        data.set(pair, o + x);
      }
    }
  }
  return { width, height, encoding, step: s, data };
}

export async function photoFrame(file: string, width: number, height: number, encoding: string, step?: number): Promise<Frame> {
  if (encoding === 'mono8') {
    const g = await photoGrey(file, width, height);
    const s = step ?? width;
    const data = new Uint8Array(s * height);
    for (let y = 0; y < height; y++) data.set(g.subarray(y * width, (y + 1) * width), y * s);
    return { width, height, encoding, step: s, data };
  }
  return encodeRgb(await photoRgb(file, width, height), width, height, encoding, step);
}

export async function photoJpeg(file: string, width: number, height: number, quality = 90): Promise<Buffer> {
  return sharp(path.resolve(IMAGES_DIR, file)).removeAlpha().resize(width, height, { fit: 'cover', position: 'centre' }).jpeg({ quality }).toBuffer();
}

export async function photoPng(file: string, width: number, height: number): Promise<Buffer> {
  return sharp(path.resolve(IMAGES_DIR, file)).removeAlpha().resize(width, height, { fit: 'cover', position: 'centre' }).png().toBuffer();
}

/** The sample set: photo, encoding, size, topic; expected top-1 (centre crop) from test/fixtures/SOURCES.md. */
export interface SampleSpec {
  file: string;
  expected: number; // ImageNet-1k index
  topic: string;
  frameId: string;
  encoding: string; // raw encoding, or 'jpeg' / 'png' for CompressedImage
  width: number;
  height: number;
  step?: number;
}

export const SAMPLE_SPECS: SampleSpec[] = [
  { file: 'cat.png', expected: 285, topic: '/usb_cam/image_raw', frameId: 'usb_cam_optical_frame', encoding: 'bgr8', width: 640, height: 480 },
  { file: 'parrot.jpg', expected: 88, topic: '/usb_cam/image_raw', frameId: 'usb_cam_optical_frame', encoding: 'rgb8', width: 288, height: 512, step: 288 * 3 + 64 },
  { file: 'hot_dog.jpg', expected: 934, topic: '/usb_cam/image_raw', frameId: 'usb_cam_optical_frame', encoding: 'yuv422_yuy2', width: 320, height: 240 },
  { file: 'bird.png', expected: 19, topic: '/mipi_cam/image_raw', frameId: 'mipi_cam_optical_frame', encoding: 'nv12', width: 480, height: 320 },
  { file: 'camera.png', expected: 872, topic: '/usb_cam/image_raw', frameId: 'usb_cam_optical_frame', encoding: 'mono8', width: 512, height: 512 },
  { file: 'squirrel_cls.jpg', expected: 335, topic: '/usb_cam/image_raw/compressed', frameId: 'usb_cam_optical_frame', encoding: 'jpeg', width: 534, height: 426 },
  { file: 'baboon.jpg', expected: 372, topic: '/usb_cam/image_raw', frameId: 'usb_cam_optical_frame', encoding: 'yuv422', width: 256, height: 256 },
  { file: 'orange.jpg', expected: 950, topic: '/usb_cam/image_raw/compressed', frameId: 'usb_cam_optical_frame', encoding: 'png', width: 320, height: 320 },
];

/** The CompressedImage `format` compressed_image_transport would write for a codec. */
export function compressedFormat(codec: 'jpeg' | 'png'): string {
  return `bgr8; ${codec} compressed bgr8`;
}
