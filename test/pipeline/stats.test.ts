import { strict as assert } from 'assert';
import { percentile, PipelineStats, TimeRing } from '../../src/pipeline/stats';
import { randInt, rng } from '../cdr/helpers';

describe('pipeline stats', () => {
  it('nearest-rank percentiles agree with a sort-and-index reference', () => {
    const r = rng(30);
    assert.ok(Number.isNaN(percentile([], 50)));
    assert.equal(percentile([7], 99), 7);
    for (let n = 1; n < 60; n++) {
      const xs = Array.from({ length: n }, () => randInt(r, 0, 1000)).sort((a, b) => a - b);
      for (const p of [1, 50, 95, 99, 100]) {
        // Reference: the smallest value with at least p% of the values at or below it.
        const ref = xs.find((x) => xs.filter((y) => y <= x).length / n >= p / 100);
        assert.equal(percentile(xs, p), ref, `n=${n} p=${p}`);
      }
    }
  });

  it('the ring keeps the newest entries in order when it wraps', () => {
    const ring = new TimeRing(4);
    for (let i = 0; i < 10; i++) ring.push(i, i * 10);
    const seen: number[] = [];
    assert.equal(ring.forEachSince(0, (_t, v) => seen.push(v)), 4);
    assert.deepEqual(seen, [60, 70, 80, 90]);
    assert.equal(ring.oldest(), 6);
    assert.equal(ring.forEachSince(8.5), 1);
  });

  it('window: fps, failures by code and percentiles only over the last windowS seconds', () => {
    const s = new PipelineStats(2, 1000);
    for (let i = 0; i < 30; i++) {
      s.received(i * 100);
      if (i % 10 === 9) s.failed(i * 100 + 5, 'timeout', 'slow');
      else s.classified(i * 100 + 5, i);
    }
    const w = s.window(3000);
    // Window [1000, 3000]: frames 10..29 (arrivals 1000..2900), 2 timeouts (19, 29).
    assert.equal(w.received, 20);
    assert.equal(w.failed, 2);
    assert.equal(w.failedByCode.timeout, 2);
    assert.equal(w.engineFailures, 2);
    assert.equal(w.classified, 18);
    assert.equal(w.engineAttempts, 20);
    assert.equal(w.fps, 9);
    assert.equal(w.p50, 18); // latencies 10..28 without 19: the 9th of 18
    assert.equal(w.p99, 28);
    assert.equal(s.snapshot().failedByCode.timeout, 3);
    assert.equal(s.lastFailure?.message, 'slow');
  });

  it('at more frames than the rings hold, the window shrinks to what they hold and fps stays right', () => {
    const s = new PipelineStats(5, 100);
    // 1000 fps for 1 s: the rings keep the last 100 frames (0.1 s).
    for (let i = 0; i < 1000; i++) {
      s.received(i);
      s.classified(i, 1);
    }
    const w = s.window(1000);
    assert.equal(w.classified, 100);
    assert.ok(Math.abs(w.fps - 1000) < 20, `fps ${w.fps}`);
  });
});
