import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { run } from '../../src/cli/preprocess';
import { referenceToNv12 } from '../../src/image/reference/nv12';
import { readImageFile } from '../../src/image/file';
import { randomFrame } from './helpers';

const CAT = path.join(__dirname, '..', 'fixtures', 'images', 'cat.png');

describe('[native] mnv4 preprocess', () => {
  let dir: string;
  const quiet = async (argv: string[]) => {
    const log = console.log, error = console.error;
    const lines: string[] = [];
    console.log = (...a: unknown[]) => lines.push(a.join(' '));
    console.error = (...a: unknown[]) => lines.push(a.join(' '));
    try {
      return { code: await run(argv), output: lines.join('\n') };
    } finally {
      console.log = log;
      console.error = error;
    }
  };
  before(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mnv4-pre-')); });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('writes the NV12 of an image file with the chosen size, mode and filter', async () => {
    const out = path.join(dir, 'cat.nv12');
    const r = await quiet([CAT, '--out', out, '--size', '64x48', '--resize-mode', 'letterbox', '--filter', 'bilinear']);
    assert.equal(r.code, 0, r.output);
    const frame = await readImageFile(CAT);
    const want = referenceToNv12(frame, { width: 64, height: 48, resizeMode: 'letterbox', filter: 'bilinear' });
    assert.deepEqual(new Uint8Array(fs.readFileSync(out)), want);
    assert.match(r.output, /rgb8 512x341 -> .*NV12 64x48 \(4608 bytes, letterbox, bilinear\)/);
  });

  it('writes the NV12 of a raw frame file with a padded step', async () => {
    const frame = randomFrame('yuyv', 30, 20, 3, 1);
    const raw = path.join(dir, 'frame.yuyv'), out = path.join(dir, 'frame.nv12');
    fs.writeFileSync(raw, frame.data);
    const r = await quiet([raw, '--raw', '--encoding', 'yuyv', '--width', '30', '--height', '20', '--step', '63', '--out', out, '--size', '16x16']);
    assert.equal(r.code, 0, r.output);
    assert.deepEqual(new Uint8Array(fs.readFileSync(out)), referenceToNv12(frame, { width: 16, height: 16, resizeMode: 'stretch', filter: 'area' }));
  });

  it('explains usage errors (exit 2) and bad frames (exit 1)', async () => {
    const out = path.join(dir, 'x.nv12');
    assert.equal((await quiet(['--help'])).code, 0);
    assert.match((await quiet([CAT])).output, /missing --out/);
    assert.match((await quiet([CAT, '--out', out, '--size', '224'])).output, /--size must look like 224x224/);
    assert.match((await quiet([CAT, '--out', out, '--filter', 'cubic'])).output, /unknown --filter 'cubic'/);
    assert.match((await quiet([CAT, '--out', out, '--size', '223x224'])).output, /must be even/);
    const raw = path.join(dir, 'short.raw');
    fs.writeFileSync(raw, new Uint8Array(100));
    const bad = await quiet([raw, '--raw', '--encoding', 'bgr8', '--width', '10', '--height', '10', '--out', out]);
    assert.equal(bad.code, 1);
    assert.match(bad.output, /short_data: bgr8 frame 10x10 with step 30 needs 300 bytes of data, got 100/);
    assert.match((await quiet([raw, '--raw', '--encoding', 'bayer', '--width', '10', '--height', '10', '--out', out])).output, /unknown --encoding 'bayer'/);
    const missing = await quiet([path.join(dir, 'nope.png'), '--out', out]);
    assert.equal(missing.code, 1);
    assert.match(missing.output, /cannot read image file .*nope.png: ENOENT/);
    assert.ok(!fs.existsSync(out));
  });
});
