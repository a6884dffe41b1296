import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { chromium, type BrowserContext } from 'playwright-core';
import { runReplay } from '../../src/cli/replay';
import { buildInputs, replayOptions, type ReplayInputs } from './inputs';
import { writeMcap } from './independent';

const CHROMIUM = '/usr/bin/chromium';

describe('[native] replay report in headless Chromium', function () {
  this.timeout(300_000);
  let dir: string;
  let inputs: ReplayInputs;
  let html: string;
  let browser: BrowserContext | undefined;

  before(async function () {
    if (!fs.existsSync(CHROMIUM)) this.skip();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mnv4-report-'));
    inputs = await buildInputs();
    const bag = path.join(dir, 'input.mcap');
    await writeMcap(bag, inputs.msgs);
    const report = path.join(dir, 'report.html');
    await runReplay(
      replayOptions(bag, path.join(dir, 'results.mcap'), { report }),
      () => undefined,
    );
    html = fs.readFileSync(report, 'utf8');
    // A fresh profile directory per run. Under `npm run test:asan` this process has libasan
    // preloaded; Chromium must not inherit it.
    const env = Object.fromEntries(Object.entries(process.env).filter(([k, v]) => v !== undefined && k !== 'LD_PRELOAD' && !k.startsWith('ASAN_'))) as Record<string, string>;
    browser = await chromium.launchPersistentContext(path.join(dir, 'chromium-profile'), {
      executablePath: CHROMIUM,
      env,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  });
  after(async () => {
    await browser?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('is one self-contained file: no external URL', () => {
    const urls = html.match(/(?:src|href)\s*=\s*["'](?!data:|#)[^"']*/gi) ?? [];
    assert.deepEqual(urls, []);
    assert.ok(!/https?:\/\/(?!www\.w3\.org\/2000\/svg)/.test(html), 'no http(s) URL besides the SVG namespace');
  });

  it('renders charts, thumbnails with their labels and the error rows', async () => {
    const page = await browser!.newPage();
    const requests: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith('data:') && !r.url().startsWith('file:')) requests.push(r.url());
    });
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto('file://' + path.join(dir, 'report.html'));
    await page.waitForLoadState('load');
    for (const id of ['latency-histogram', 'stage-breakdown', 'throughput', 'class-frequencies']) {
      const box = await page.locator(`#${id}`).boundingBox();
      assert.ok(box && box.width > 100 && box.height > 30, `#${id} has a size: ${JSON.stringify(box)}`);
    }
    const bars = await page.locator('#latency-histogram rect.bar').evaluateAll((els) => els.map((e) => (e as unknown as { getBBox(): { height: number } }).getBBox().height));
    assert.ok(bars.some((h) => h > 0), 'histogram has non-empty bars');
    assert.equal(bars.filter((h) => h > 0).length >= 1, true);
    const segs = await page.locator('#stage-breakdown rect.seg').count();
    assert.ok(segs >= inputs.good.length, `stage segments: ${segs}`);
    assert.equal(await page.locator('#n-frames').innerText(), String(inputs.msgs.length));
    assert.equal(await page.locator('#n-classified').innerText(), String(inputs.good.length));

    const thumbs = await page.locator('#thumbnails img').evaluateAll((els) =>
      els.map((e) => {
        const img = e as unknown as { naturalWidth: number; naturalHeight: number; complete: boolean };
        return { w: img.naturalWidth, h: img.naturalHeight, complete: img.complete };
      }),
    );
    assert.ok(thumbs.length >= 4, `thumbnails: ${thumbs.length}`);
    for (const t of thumbs) assert.ok(t.complete && t.w > 0 && t.h > 0, `thumbnail loaded: ${JSON.stringify(t)}`);
    const labels = await page.locator('#thumbnails .top1').allInnerTexts();
    assert.ok(labels.some((l) => /Egyptian cat/i.test(l)), `labels: ${labels.join(', ')}`);

    const classText = await page.locator('#class-frequencies').textContent();
    assert.match(classText!, /macaw/);

    const rows = await page.locator('#errors tbody tr').allInnerTexts();
    assert.equal(rows.length, inputs.bad.length);
    for (const b of inputs.bad) {
      const stamp = `${b.stamp.sec}.${String(b.stamp.nanosec).padStart(9, '0')}`;
      assert.ok(rows.some((r) => r.includes(stamp) && r.includes(b.frameId) && r.includes(b.code)), `error row for ${b.what}`);
    }
    assert.deepEqual(requests, [], 'no network request');
    assert.deepEqual(pageErrors, []);
    await page.close();
  });
});
