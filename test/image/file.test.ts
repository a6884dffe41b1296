import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import sharp from 'sharp';
import { readImageFile } from '../../src/image/file';

describe('image files -> RawFrame', () => {
  let dir: string;
  before(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mnv4-file-')); });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('colour photos become rgb8 and greyscale ones mono8', async () => {
    const cat = await readImageFile(path.join(__dirname, '..', 'fixtures', 'images', 'cat.png'));
    assert.deepEqual([cat.encoding, cat.width, cat.height, cat.step, cat.data.length], ['rgb8', 512, 341, 1536, 1536 * 341]);
    const camera = await readImageFile(path.join(__dirname, '..', 'fixtures', 'images', 'camera.png'));
    assert.deepEqual([camera.encoding, camera.step, camera.data.length], ['mono8', 512, 512 * 512]);
  });

  it('16-bit PNGs are reduced to 8 bits per channel, alpha is dropped', async () => {
    const grey16 = path.join(dir, 'g16.png'), rgba16 = path.join(dir, 'c16.png');
    await sharp({ create: { width: 4, height: 2, channels: 3, background: { r: 200, g: 200, b: 200 } } }).toColourspace('grey16').png().toFile(grey16);
    await sharp({ create: { width: 3, height: 2, channels: 4, background: { r: 255, g: 10, b: 0, alpha: 0.5 } } }).toColourspace('rgb16').png().toFile(rgba16);
    const g = await readImageFile(grey16);
    assert.deepEqual([g.encoding, g.step, g.data.length, g.data[0]], ['mono8', 4, 8, 200]);
    const c = await readImageFile(rgba16);
    assert.deepEqual([c.encoding, c.step, c.data.length, Array.from(c.data.subarray(0, 3))], ['rgb8', 9, 18, [255, 10, 0]]);
  });
});
