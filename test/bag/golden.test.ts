import { strict as assert } from 'assert';
import { compareGolden, formatGolden, type ResultFrame } from '../../src/bag/golden';
import type { FrameRecord } from '../../src/bag/replay';

const labels = Array.from({ length: 1000 }, (_, i) => `class${i}`);
const hdr = (n: number, frame_id = 'cam') => ({ stamp: { sec: 100, nanosec: n }, frame_id });
const golden = (n: number, top: [number, number][]): ResultFrame => ({ header: hdr(n), top: top.map(([classIndex, score]) => ({ classIndex, score })) });
const rec = (n: number, top: [number, number][] | undefined, index = n): FrameRecord => ({
  index,
  topic: '/cam',
  kind: 'image',
  logTime: BigInt(n),
  header: hdr(n),
  ...(top ? { top: top.map(([classIndex, score]) => ({ classIndex, score })) } : { error: { code: 'bad_step' as const, message: 'step 3 < row 6' } }),
});

describe('golden comparison', () => {
  const g = [golden(1, [[5, 0.6], [7, 0.3], [9, 0.05]]), golden(2, [[3, 0.9], [4, 0.05], [8, 0.01]])];

  it('accepts identical results and score changes within the tolerance', () => {
    const r = compareGolden(g, [rec(1, [[5, 0.61], [7, 0.29], [9, 0.05]]), rec(2, [[3, 0.9], [4, 0.05], [8, 0.01]])], { tolerance: 0.02, labels });
    assert.deepEqual(r, { compared: 2, differences: [] });
    assert.match(formatGolden(r, 'g.mcap'), /2 frames match g.mcap/);
  });

  it('names a frame whose top-1 changed, or whose score moved beyond the tolerance', () => {
    const r = compareGolden(g, [rec(1, [[7, 0.5], [5, 0.4], [9, 0.05]]), rec(2, [[3, 0.85], [4, 0.08], [8, 0.01]])], { tolerance: 0.02, labels });
    assert.equal(r.differences.length, 2);
    assert.equal(r.differences[0].key, '100.000000001 cam');
    assert.match(r.differences[0].reason, /top-1 was 5 class5 \(0\.600\), now 7 class7 \(0\.500\)/);
    assert.match(r.differences[1].reason, /class 3 class3 \(0\.900\) now scores 0\.850/);
    assert.match(formatGolden(r, 'g.mcap'), /2 frame\(s\) differ from g.mcap[\s\S]*100\.000000002 cam/);
  });

  it('flags a class that entered the top-k with a real score, not one at the margin', () => {
    const entered = compareGolden([g[1]], [rec(2, [[3, 0.9], [6, 0.1], [4, 0.04]])], { tolerance: 0.02, labels });
    assert.equal(entered.differences.length, 1);
    assert.match(entered.differences[0].reason, /^class 6 class6 \(0\.100\) entered the top-3$/);
    const margin = compareGolden([g[1]], [rec(2, [[3, 0.9], [4, 0.05], [6, 0.015]])], { tolerance: 0.02, labels });
    assert.deepEqual(margin.differences, []);
  });

  it('reports frames missing on either side and frames that now fail', () => {
    const r = compareGolden(g, [rec(2, undefined), rec(3, [[1, 0.9]])], { tolerance: 0.02, labels });
    const reasons = r.differences.map((d) => `${d.key}: ${d.reason}`);
    assert.equal(reasons.length, 3);
    assert.ok(reasons.some((x) => /100\.000000002 cam: golden has 3 class3 .* now an error: bad_step/.test(x)), reasons.join('\n'));
    assert.ok(reasons.some((x) => /100\.000000003 cam: not in the golden bag/.test(x)));
    assert.ok(reasons.some((x) => /100\.000000001 cam: in the golden bag .* but not replayed now/.test(x)));
  });

  it('matches by frame_id as well as stamp', () => {
    const r = compareGolden([golden(1, [[5, 0.6]])], [{ ...rec(1, [[5, 0.6]]), header: hdr(1, 'other_cam') }], { tolerance: 0.02, labels });
    assert.equal(r.compared, 0);
    assert.equal(r.differences.length, 2);
  });
});
