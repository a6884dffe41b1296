// nv12ToTensor (one native pass) against the two-step path it replaces on the CPU backend:
// nv12ToRgb, then the JS normalisation of src/engine/cpu/contract.ts with the same table.
import { strict as assert } from 'assert';
import { nv12ToRgb, nv12ToTensor } from '../../src/image/nv12';
import { fillInput, normalisationTable } from '../../src/engine/cpu/contract';
import type { InputContract } from '../../src/engine/registry';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) >>> 24);
}

function contract(layout: 'nchw' | 'nhwc'): InputContract {
  return {
    input: { name: 'input0', layout, dtype: 'float32', mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] },
    output: { name: 'output0', kind: 'logits', classes: 1000, classOffset: 0 },
  };
}

describe('[native] image: nv12ToTensor', () => {
  for (const [w, h] of [[224, 224], [2, 2], [38, 10], [256, 130]] as const) {
    for (const layout of ['nchw', 'nhwc'] as const) {
      it(`${w}x${h} ${layout}: equals nv12ToRgb + the JS normalisation, element for element`, () => {
        const r = rng(w * 31 + h + (layout === 'nchw' ? 7 : 0));
        const nv12 = Uint8Array.from({ length: (w * h * 3) / 2 }, r);
        const c = contract(layout);
        const table = normalisationTable(c);
        const want = new Float32Array(w * h * 3);
        fillInput(nv12ToRgb(nv12, w, h), w, h, c, want, table);
        const got = nv12ToTensor(nv12, w, h, new Float32Array(w * h * 3).fill(NaN), layout === 'nchw', table);
        assert.deepEqual(got, want);
      });
    }
  }

  it('refuses odd sizes, short inputs, short tensors and short tables with a reason', () => {
    const nv12 = new Uint8Array(24);
    const t = new Float32Array(48);
    const table = new Float32Array(768);
    assert.throws(() => nv12ToTensor(nv12, 3, 4, t, true, table), /must be positive and even/);
    assert.throws(() => nv12ToTensor(nv12.subarray(0, 23), 4, 4, t, true, table), /needs 24 bytes/);
    assert.throws(() => nv12ToTensor(nv12, 4, 4, t.subarray(0, 47), true, table), /needs 48/);
    assert.throws(() => nv12ToTensor(nv12, 4, 4, t, true, table.subarray(0, 767)), /needs 768/);
  });
});
