// The CPU backend's session/contract code, on the main thread (no workers): the synthetic
// MobileNetV4 reference outputs, the input contracts, softmax/top-k, and bad model files.
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ModelError } from '../../src/errors';
import { classProbabilities, fillInput, topK } from '../../src/engine/cpu/contract';
import { ModelRunner } from '../../src/engine/cpu/runner';
import { TIMM_CONTRACT, resolveModel, type InputContract } from '../../src/engine/registry';

const models = path.join(__dirname, '..', 'fixtures', 'models');

function readF32(file: string): Float32Array {
  const buf = fs.readFileSync(file);
  return new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
}

describe('CPU backend: session and contract', () => {
  for (const variant of ['small', 'medium']) {
    it(`reproduces the synthetic conv_${variant} reference output (max abs diff <= 1e-4)`, async () => {
      const resolved = resolveModel(`conv_${variant}_synthetic`, 'cpu');
      assert.ok(resolved.exists && resolved.contract);
      const runner = await ModelRunner.create({ modelPath: resolved.modelPath, contract: resolved.contract, width: 224, height: 224 });
      try {
        const input = readF32(path.join(models, `mobilenetv4_conv_${variant}_synthetic.input.f32`));
        const expected = readF32(path.join(models, `mobilenetv4_conv_${variant}_synthetic.output.f32`));
        assert.equal(input.length, 3 * 224 * 224);
        assert.equal(expected.length, 1000);
        runner.input.set(input);
        const out = await runner.run();
        let maxDiff = 0;
        for (let i = 0; i < 1000; i++) maxDiff = Math.max(maxDiff, Math.abs(out[i] - expected[i]));
        assert.ok(maxDiff <= 1e-4, `max abs diff ${maxDiff}`);
        // top-1 of the reference logits is what the post-processing reports
        const ref = expected.indexOf(Math.max(...expected));
        assert.equal(runner.top(1)[0].classIndex, ref);
      } finally {
        await runner.release();
      }
    });
  }

  it('normalises like the BPU mapper config (mean 123.675/116.28/103.53, scale 0.01712475/0.017507/0.01742919)', () => {
    const w = 4, h = 2, n = w * h;
    const rgb = new Uint8Array(n * 3).map((_, i) => (i * 37 + 11) % 256);
    const out = new Float32Array(n * 3);
    fillInput(rgb, w, h, TIMM_CONTRACT, out);
    const mean = [123.675, 116.28, 103.53], scale = [0.01712475, 0.017507, 0.01742919];
    for (let i = 0; i < n; i++) {
      for (let c = 0; c < 3; c++) {
        const want = (rgb[i * 3 + c] - mean[c]) * scale[c];
        assert.ok(Math.abs(out[c * n + i] - want) < 2e-4, `pixel ${i} channel ${c}: ${out[c * n + i]} vs ${want}`);
      }
    }
  });

  it('fills uint8 NHWC as the RGB bytes and uint8 NCHW as planes', () => {
    const w = 2, h = 2;
    const rgb = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    const nhwc: InputContract = { ...TIMM_CONTRACT, input: { ...TIMM_CONTRACT.input, layout: 'nhwc', dtype: 'uint8' } };
    const a = new Uint8Array(12);
    fillInput(rgb, w, h, nhwc, a);
    assert.deepEqual([...a], [...rgb]);
    const nchw: InputContract = { ...nhwc, input: { ...nhwc.input, layout: 'nchw' } };
    fillInput(rgb, w, h, nchw, a);
    assert.deepEqual([...a], [1, 4, 7, 10, 2, 5, 8, 11, 3, 6, 9, 12]);
  });

  it('softmax top-k matches a direct computation, stays finite for huge logits, and skips the background', () => {
    const logits = new Float32Array(1001);
    let s = 12345;
    for (let i = 0; i < logits.length; i++) {
      s = (s * 1103515245 + 12345) % 2147483648;
      logits[i] = (s / 2147483648) * 20 + 3000; // exp(3000) overflows without the max subtraction
    }
    logits[0] = 5000; // background: must not win or take probability mass
    const contract: InputContract = { ...TIMM_CONTRACT, output: { name: 'logits', kind: 'logits', classes: 1001, classOffset: 1 } };
    const probs = new Float64Array(1000);
    classProbabilities(logits, contract, probs);
    const shifted = Array.from(logits.subarray(1), (v) => v - 3000);
    const exps = shifted.map(Math.exp);
    const sum = exps.reduce((a, b) => a + b, 0);
    const ref = exps.map((e, i) => ({ classIndex: i, score: e / sum })).sort((a, b) => b.score - a.score || a.classIndex - b.classIndex);
    const got = topK(probs, 5);
    assert.equal(got.length, 5);
    for (let i = 0; i < 5; i++) {
      assert.equal(got[i].classIndex, ref[i].classIndex);
      assert.ok(Math.abs(got[i].score - ref[i].score) < 1e-9);
    }
    assert.ok(Math.abs(probs.reduce((a, b) => a + b, 0) - 1) < 1e-9);
  });

  it('top-k breaks ties towards the lower class index and clamps k', () => {
    const p = Float64Array.from([0.1, 0.3, 0.3, 0.2, 0.1]);
    assert.deepEqual(topK(p, 3).map((h) => h.classIndex), [1, 2, 3]);
    assert.equal(topK(p, 10).length, 5);
  });

  describe('bad model files', () => {
    let tmp: string;
    before(() => {
      tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mnv4-cpu-'));
    });
    after(() => fs.rmSync(tmp, { recursive: true, force: true }));

    const open = (modelPath: string, contract = TIMM_CONTRACT, size = 224) =>
      ModelRunner.create({ modelPath, contract, width: size, height: size });

    it('a missing file', async () => {
      await assert.rejects(open(path.join(tmp, 'nope.onnx')), (e: Error) => e instanceof ModelError && /does not exist/.test(e.message));
    });
    it('a file that is not ONNX', async () => {
      const f = path.join(tmp, 'text.onnx');
      fs.writeFileSync(f, 'this is not a protobuf\n'.repeat(20));
      await assert.rejects(open(f), (e: Error) => e instanceof ModelError && /not a loadable ONNX model/.test(e.message) && e.message.includes(f));
    });
    it('a model whose input name does not match its contract', async () => {
      const f = path.join(models, 'mobilenet_v2_1.0_224_quant.onnx');
      await assert.rejects(open(f), (e: Error) => e instanceof ModelError && /input\(s\) \[input\].*expects 'input0'/.test(e.message));
    });
    it('a model whose input shape does not match (NHWC model, NCHW contract)', async () => {
      const f = path.join(models, 'mobilenet_v2_1.0_224_quant.onnx');
      const c: InputContract = { input: { ...TIMM_CONTRACT.input, name: 'input', dtype: 'uint8' }, output: { name: 'logits', kind: 'logits', classes: 1001, classOffset: 1 } };
      await assert.rejects(open(f, c), (e: Error) => e instanceof ModelError && /shape \[1,224,224,3\]; expected \[1,3,224,224\]/.test(e.message));
    });
    it('a model for another input size', async () => {
      const f = path.join(models, 'mobilenetv4_conv_small_synthetic.onnx');
      await assert.rejects(open(f, TIMM_CONTRACT, 256), (e: Error) => e instanceof ModelError && /expected \[1,3,256,256\]/.test(e.message));
    });
    it('a model whose class count does not match', async () => {
      const f = path.join(models, 'mobilenetv4_conv_small_synthetic.onnx');
      const c: InputContract = { ...TIMM_CONTRACT, output: { ...TIMM_CONTRACT.output, classes: 1001, classOffset: 1 } };
      await assert.rejects(open(f, c), (e: Error) => e instanceof ModelError && /output 'output0' has shape \[batch,1000\]; expected \[1,1001\]/.test(e.message));
    });
  });
});
