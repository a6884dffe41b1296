// Parity with the vendor's OpenCV path: committed outputs of scripts/make-opencv-fixtures.py
// (OpenCV 4.6 resize + cvtColor(BGR2YUV_I420) + NV12 interleave), compared per plane.
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import { toNv12 } from '../../src/image/nv12';
import { readImageFile } from '../../src/image/file';
import { RawFrame, ResizeFilter, ResizeMode } from '../../src/image/types';
import { syntheticBgr } from './synthetic';

const DIR = path.join(__dirname, '..', 'fixtures', 'opencv');
const IMAGES = path.join(__dirname, '..', 'fixtures', 'images');

interface Case {
  source: { file?: string; mono?: boolean; synthetic?: 'noise' | 'scene'; width?: number; height?: number };
  mode: ResizeMode;
  filter: ResizeFilter;
  width: number;
  height: number;
  expected: string;
}

function planeStats(a: Uint8Array, b: Uint8Array, from: number, to: number) {
  let sum = 0, max = 0;
  for (let i = from; i < to; i++) {
    const d = Math.abs(a[i] - b[i]);
    sum += d;
    max = Math.max(max, d);
  }
  return { mean: sum / (to - from), max };
}

describe('[native] NV12 conversion matches OpenCV (vendor path)', () => {
  const manifest = JSON.parse(fs.readFileSync(path.join(DIR, 'manifest.json'), 'utf8')) as { cases: Case[] };
  const frames = new Map<string, Promise<RawFrame>>();
  const frameOf = (s: Case['source']): Promise<RawFrame> => {
    const key = JSON.stringify(s);
    if (!frames.has(key)) {
      frames.set(key, s.file ? readImageFile(path.join(IMAGES, s.file)) : Promise.resolve(syntheticBgr(s.synthetic!, s.width!, s.height!)));
    }
    return frames.get(key)!;
  };

  it('has cases for both filters, photos and synthetic frames', () => {
    assert.ok(manifest.cases.some((c) => c.filter === 'area' && c.source.synthetic));
    assert.ok(manifest.cases.some((c) => c.filter === 'bilinear' && c.source.file && !c.source.mono));
    assert.ok(manifest.cases.some((c) => c.source.mono));
  });

  for (const c of manifest.cases) {
    // Bilinear reproduces OpenCV's fixed-point path (mean <= 1 per plane is the requirement);
    // area is a different quantisation of the same mean (INTER_AREA: float weights), within 2.
    const limit = c.filter === 'bilinear' ? 1 : 2;
    it(`${c.expected}: mean abs diff per plane <= ${limit}`, async () => {
      const frame = await frameOf(c.source);
      if (c.source.mono) assert.equal(frame.encoding, 'mono8');
      const got = toNv12(frame, { width: c.width, height: c.height, resizeMode: c.mode, filter: c.filter, cropRatio: 1 });
      const want = new Uint8Array(zlib.gunzipSync(fs.readFileSync(path.join(DIR, c.expected))));
      assert.equal(got.length, want.length);
      const n = c.width * c.height;
      const y = planeStats(got, want, 0, n), uv = planeStats(got, want, n, got.length);
      if (process.env.MNV4_PRINT_PARITY) console.log(`    ${c.expected}: Y mean ${y.mean.toFixed(3)} max ${y.max}, UV mean ${uv.mean.toFixed(3)} max ${uv.max}`);
      assert.ok(y.mean <= limit && uv.mean <= limit,
        `Y mean ${y.mean.toFixed(3)} max ${y.max}, UV mean ${uv.mean.toFixed(3)} max ${uv.max}`);
      if (c.filter === 'bilinear') {
        // The geometry and chroma siting are OpenCV's, so differences are rounding only.
        assert.ok(y.max <= 1 && uv.max <= 1, `Y max ${y.max}, UV max ${uv.max}`);
      }
    });
  }
});
