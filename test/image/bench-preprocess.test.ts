// Keeps `mnv4 bench preprocess` runnable: a tiny run must produce every variant and ratio (timings
// themselves are never asserted).
import { strict as assert } from 'assert';
import { run } from '../../bench/preprocess';

describe('[native] mnv4 bench preprocess (smoke)', () => {
  it('prints JSON with all variants for one size', async () => {
    const lines: string[] = [];
    const log = console.log;
    console.log = (...a: unknown[]) => lines.push(a.join(' '));
    let code: number;
    try {
      code = await run(['--json', '--iterations', '2', '--ring-mib', '32', '--sizes', '320x240']);
    } finally {
      console.log = log;
    }
    assert.equal(code, 0);
    const out = JSON.parse(lines.join('\n')) as { rows: Array<{ input: string; variant: string; medianUs: number }>; ratios: Array<{ value: number }> };
    const variants = new Set(out.rows.map((r) => `${r.input}:${r.variant}`));
    for (const v of ['bgr8:ours area', 'bgr8:read floor', 'bgr8:libyuv box', 'bgr8:sharp+js', 'yuyv:ours bilinear', 'nv12:libyuv bilinear', 'jpeg:ours area']) {
      assert.ok(variants.has(v), `missing ${v}`);
    }
    assert.ok(out.rows.every((r) => r.medianUs > 0));
    assert.ok(out.ratios.length >= 10 && out.ratios.every((r) => Number.isFinite(r.value) && r.value > 0));
  });

  it('refuses bad options', async () => {
    const error = console.error;
    console.error = () => undefined;
    try {
      assert.equal(await run(['--sizes', '100x100']), 2);
    } finally {
      console.error = error;
    }
  });
});
