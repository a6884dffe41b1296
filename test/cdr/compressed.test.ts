import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import sharp from 'sharp';
import { FrameError } from '../../src/errors';
import { codecOfFormat, decodeCompressed } from '../../src/image/compressed';

const IMAGES = path.join(__dirname, '..', 'fixtures', 'images');
const T = { targetWidth: 224, targetHeight: 224 };

async function expectFrameError(p: Promise<unknown>, code: string, re: RegExp): Promise<FrameError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof FrameError, `expected FrameError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    assert.match(e.message, re);
    return e;
  }
  assert.fail(`expected FrameError ${code}`);
}

/** Reads width/height from the file itself (PNG IHDR, JPEG SOFn), independently of sharp. */
function headerSize(buf: Buffer): [number, number] {
  if (buf[0] === 0x89) return [buf.readUInt32BE(16), buf.readUInt32BE(20)];
  let i = 2;
  while (i < buf.length) {
    const marker = buf[i + 1];
    const len = buf.readUInt16BE(i + 2);
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return [buf.readUInt16BE(i + 7), buf.readUInt16BE(i + 5)];
    }
    i += 2 + len;
  }
  throw new Error('no SOF marker');
}

/** A minimal PNG built by hand (zlib + CRCs), independent of sharp. */
function makePng(width: number, height: number, bitDepth: number, colourType: number, rows: Buffer[]): Buffer {
  const chunk = (type: string, body: Buffer) => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(body.length, 0);
    head.write(type, 4, 'ascii');
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(zlib.crc32(Buffer.concat([head.subarray(4), body])), 0);
    return Buffer.concat([head, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = bitDepth;
  ihdr[9] = colourType;
  const idat = zlib.deflateSync(Buffer.concat(rows.flatMap((r) => [Buffer.from([0]), r])));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', idat),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

describe('image: CompressedImage decode with sharp', () => {
  const files = fs.readdirSync(IMAGES).filter((f) => /\.(jpg|png)$/.test(f));

  it('decodes every fixture photo to its full size, rgb8 (mono8 for the greyscale camera.png)', async () => {
    assert.ok(files.length >= 8);
    for (const f of files) {
      const data = fs.readFileSync(path.join(IMAGES, f));
      const [w, h] = headerSize(data);
      const out = await decodeCompressed(f.endsWith('.png') ? 'png' : 'jpeg', data, T);
      assert.equal(out.frame.width, w, f);
      assert.equal(out.frame.height, h, f);
      assert.equal(out.shrink, 1, `${f} is under 2x448 and must not shrink`);
      const channels = f === 'camera.png' ? 1 : 3;
      assert.equal(out.frame.encoding, channels === 1 ? 'mono8' : 'rgb8', f);
      assert.equal(out.frame.step, w * channels);
      assert.equal(out.frame.data.byteLength, w * h * channels);
      assert.ok(out.decodeMs > 0);
    }
  });

  it('PNG pixels come out exact and in RGB order; alpha and 16-bit are reduced to rgb8/mono8', async () => {
    // 3x2 image with known colours.
    const px = [255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30, 200, 100, 50, 7, 8, 9];
    const rgb = makePng(3, 2, 8, 2, [Buffer.from(px.slice(0, 9)), Buffer.from(px.slice(9))]);
    const a = await decodeCompressed('rgb8; png compressed rgb8', rgb, T);
    assert.deepEqual(Array.from(a.frame.data), px);

    const rgba = makePng(2, 1, 8, 6, [Buffer.from([1, 2, 3, 255, 4, 5, 6, 0])]);
    const b = await decodeCompressed('png', rgba, T);
    assert.equal(b.frame.encoding, 'rgb8');
    assert.deepEqual(Array.from(b.frame.data), [1, 2, 3, 4, 5, 6]);

    const samples = Buffer.alloc(6);
    [0, 65535, 257 * 100].forEach((v, i) => samples.writeUInt16BE(v, i * 2));
    const grey16 = makePng(3, 1, 16, 0, [samples]);
    const c = await decodeCompressed('mono16; png compressed mono16', grey16, T);
    assert.equal(c.frame.encoding, 'mono8');
    assert.deepEqual(Array.from(c.frame.data), [0, 255, 100]);
  });

  it('a large JPEG is shrunk on load by the largest of 2/4/8 that keeps >= 2x the target, close to an area average', async () => {
    // A smooth gradient so the comparison measures geometry and colour, not JPEG noise.
    const W = 1920, H = 1080;
    const raw = Buffer.alloc(W * H * 3);
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const o = (y * W + x) * 3;
        raw[o] = (x * 255) / W;
        raw[o + 1] = (y * 255) / H;
        raw[o + 2] = 128 + 100 * Math.sin(x / 90) * Math.cos(y / 70);
      }
    }
    const jpg = await sharp(raw, { raw: { width: W, height: H, channels: 3 } }).jpeg({ quality: 95 }).toBuffer();
    const out = await decodeCompressed('bgr8; jpeg compressed bgr8', jpg, T);
    assert.equal(out.shrink, 2); // 1080/4 = 270 < 448
    assert.equal(out.frame.width, 960);
    assert.equal(out.frame.height, 540);
    const full = await decodeCompressed('jpeg', jpg, { ...T, shrinkOnLoad: false });
    assert.equal(full.shrink, 1);
    assert.equal(full.frame.width, W);
    // Compare with a 2x2 box average of the full decode.
    let sum = 0;
    for (let y = 0; y < 540; y++) {
      for (let x = 0; x < 960; x++) {
        for (let c = 0; c < 3; c++) {
          const f = (yy: number, xx: number) => full.frame.data[(yy * W + xx) * 3 + c];
          const avg = (f(2 * y, 2 * x) + f(2 * y, 2 * x + 1) + f(2 * y + 1, 2 * x) + f(2 * y + 1, 2 * x + 1)) / 4;
          sum += Math.abs(out.frame.data[(y * 960 + x) * 3 + c] - avg);
        }
      }
    }
    const mad = sum / (960 * 540 * 3);
    assert.ok(mad < 2, `mean abs difference to the area average ${mad.toFixed(2)}`);

    const small = await decodeCompressed('jpeg', jpg, { targetWidth: 100, targetHeight: 100 });
    assert.equal(small.shrink, 4); // 1080/4 = 270 >= 200, 1080/8 = 135 < 200
    assert.equal(small.frame.width, 480);
  });

  it('format strings: codec names, image_transport form, empty (sniffed), unsupported', async () => {
    assert.equal(codecOfFormat('jpeg'), 'jpeg');
    assert.equal(codecOfFormat('JPG'), 'jpeg');
    assert.equal(codecOfFormat('bgr8; jpeg compressed bgr8'), 'jpeg');
    assert.equal(codecOfFormat('rgb8; png compressed rgb8'), 'png');
    assert.equal(codecOfFormat(''), '');
    assert.equal(codecOfFormat('16UC1; compressedDepth png'), undefined);
    assert.equal(codecOfFormat('tiff'), undefined);
    assert.equal(codecOfFormat('pngx'), undefined);
    const jpg = fs.readFileSync(path.join(IMAGES, 'orange.jpg'));
    const sniffed = await decodeCompressed('', jpg, T);
    assert.equal(sniffed.codec, 'jpeg');
    await expectFrameError(decodeCompressed('tiff', jpg, T), 'unsupported_format', /"tiff" is not supported/);
    await expectFrameError(decodeCompressed('16UC1; compressedDepth png', jpg, T), 'unsupported_format', /compressedDepth/);
    await expectFrameError(decodeCompressed('', Buffer.from('GIF89a........'), T), 'unsupported_format', /neither JPEG nor PNG/);
    await expectFrameError(decodeCompressed('jpeg', new Uint8Array(0), T), 'zero_size', /no data/);
  });

  it('truncated and garbled JPEGs are refused as corrupt_image with the reason', async () => {
    const jpg = fs.readFileSync(path.join(IMAGES, 'baboon.jpg'));
    for (const cut of [2, 3, 50, 600, 5000, jpg.length >> 1, jpg.length - 3]) {
      await expectFrameError(decodeCompressed('jpeg', jpg.subarray(0, cut), T), 'corrupt_image', /JPEG|signature/);
    }
    const garbled = Buffer.from(jpg);
    for (let i = 600; i < 700; i++) garbled[i] = (i * 37) & 0xff; // inside the header segments
    await expectFrameError(decodeCompressed('jpeg', garbled, T), 'corrupt_image', /JPEG header unreadable/);
    await expectFrameError(decodeCompressed('jpeg', Buffer.from('not a jpeg at all'), T), 'corrupt_image', /JPEG signature/);
    const png = fs.readFileSync(path.join(IMAGES, 'cat.png'));
    await expectFrameError(decodeCompressed('png', png.subarray(0, png.length >> 1), T), 'corrupt_image', /PNG/);
  });

  it('accepts a JPEG with only a benign libjpeg warning (extraneous bytes before a marker), as OpenCV does', async () => {
    const jpg = fs.readFileSync(path.join(IMAGES, 'orange.jpg'));
    const sos = jpg.indexOf(Buffer.from([0xff, 0xda]));
    assert.ok(sos > 0);
    const junk = Buffer.concat([jpg.subarray(0, sos), Buffer.from([1, 2, 3, 4]), jpg.subarray(sos)]);
    await assert.rejects(sharp(junk, { failOn: 'warning' }).raw().toBuffer(), /extraneous bytes/, 'the input does raise the warning');
    const out = await decodeCompressed('jpeg', junk, T);
    const clean = await decodeCompressed('jpeg', jpg, T);
    assert.deepEqual(out.frame.data, clean.frame.data);
  });

  it('a PNG whose IHDR claims 100000x100000 is refused from its header as too_large', async () => {
    const png = makePng(4, 4, 8, 2, [0, 1, 2, 3].map(() => Buffer.alloc(12, 200)));
    const p = Buffer.from(png);
    p.writeUInt32BE(100000, 16);
    p.writeUInt32BE(100000, 20);
    p.writeUInt32BE(zlib.crc32(p.subarray(12, 29)), 29); // keep the IHDR CRC valid
    await expectFrameError(decodeCompressed('png', p, T), 'too_large', /100000x100000 .*over the 67\.1 MP limit/);
    // Past our limit libvips still refuses it (it cannot allocate), as a FrameError.
    const e = await expectFrameError(decodeCompressed('png', p, { ...T, maxInputPixels: 1e12 }), 'corrupt_image', /PNG/);
    assert.ok(e.message.length > 0);
    await expectFrameError(decodeCompressed('png', png, { ...T, maxInputPixels: 15 }), 'too_large', /4x4/);
  });
});
