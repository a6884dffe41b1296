// `mnv4 classify` end to end on the CPU backend (ORT in worker threads; not a [native] test).
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { run } from '../../src/cli/classify';

const images = path.join(__dirname, '..', 'fixtures', 'images');
const models = path.join(__dirname, '..', 'fixtures', 'models');

async function capture(argv: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [], err: string[] = [];
  const log = console.log, error = console.error;
  const saved: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(env)) {
    saved[k] = process.env[k];
    process.env[k] = v;
  }
  console.log = (...a: unknown[]) => out.push(a.join(' '));
  console.error = (...a: unknown[]) => err.push(a.join(' '));
  try {
    return { code: await run(argv), out, err };
  } finally {
    console.log = log;
    console.error = error;
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

describe('mnv4 classify (CPU)', function () {
  this.timeout(60000);

  it('--json prints one object a line with ImageNet indices, labels, scores and stage latencies', async () => {
    const files = ['cat.png', 'parrot.jpg', 'camera.png'].map((f) => path.join(images, f));
    const { code, out } = await capture([...files, '--model', 'reference-mobilenetv2', '--backend', 'cpu', '--top-k', '3', '--threads', '2', '--json']);
    assert.equal(code, 0);
    assert.equal(out.length, 3);
    const rows = out.map((l) => JSON.parse(l));
    assert.deepEqual(rows.map((r) => r.file), files);
    assert.deepEqual(rows.map((r) => r.results[0].class_index), [285, 88, 872]);
    assert.deepEqual(rows.map((r) => r.results[0].label), ['Egyptian cat', 'macaw', 'tripod']);
    for (const r of rows) {
      assert.deepEqual(Object.keys(r), ['file', 'results', 'latency_ms']);
      assert.equal(r.results.length, 3);
      assert.deepEqual(Object.keys(r.results[0]), ['class_index', 'label', 'score']);
      assert.ok(r.results[0].score > r.results[1].score && r.results[0].score <= 1);
      assert.deepEqual(Object.keys(r.latency_ms), ['queue', 'preprocess', 'inference', 'postprocess', 'total']);
      assert.ok(r.latency_ms.inference > 0);
    }
  });

  it('prints text by default and reports a file it cannot read without losing the others', async () => {
    const missing = path.join(os.tmpdir(), 'mnv4-no-such-image.jpg');
    const { code, out, err } = await capture([path.join(images, 'orange.jpg'), missing, '--model', 'reference-mobilenetv2', '--backend', 'cpu']);
    assert.equal(code, 1);
    assert.match(out.join('\n'), /orange\.jpg:\n\s+0\.\d{4}\s+950\s+orange/);
    assert.ok(err.some((l) => l.includes(missing) && /cannot read/.test(l)), err.join('\n'));
    assert.ok(err.some((l) => /model reference-mobilenetv2 on cpu \(requested cpu\)/.test(l)));
  });

  it('takes an .onnx path as the model (timm contract)', async () => {
    const { code, out } = await capture([path.join(images, 'cat.png'), '--model', path.join(models, 'mobilenetv4_conv_small_synthetic.onnx'), '--backend', 'cpu', '--json', '--top-k', '2']);
    assert.equal(code, 0);
    const row = JSON.parse(out[0]);
    assert.equal(row.results.length, 2);
    assert.ok(Number.isInteger(row.results[0].class_index) && row.results[0].class_index >= 0 && row.results[0].class_index < 1000);
  });

  it('says how to get weights when conv_small has no ONNX export here', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mnv4-cls-'));
    try {
      const { code, err } = await capture([path.join(images, 'cat.png'), '--model', 'conv_small', '--backend', 'auto'], { MNV4_MODEL_DIR: dir, MNV4_LIBDNN: path.join(dir, 'libdnn.so') });
      assert.equal(code, 1);
      const msg = err.join('\n');
      assert.match(msg, /model 'conv_small' for the cpu backend not found/);
      assert.match(msg, /onnx_export\.py --model mobilenetv4_conv_small/);
      assert.match(msg, /--model reference-mobilenetv2/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses bad options with usage (exit 2)', async () => {
    for (const argv of [[], ['x.jpg', '--top-k', '0'], ['x.jpg', '--backend', 'gpu'], ['x.jpg', '--resize-mode', 'zoom'], ['x.jpg', '--bogus']]) {
      const { code, err } = await capture(argv);
      assert.equal(code, 2, argv.join(' '));
      assert.match(err.join('\n'), /usage: mnv4 classify/);
    }
  });
});
