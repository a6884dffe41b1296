// The model registry, labels, and the backend choice (no model is loaded here).
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ModelError } from '../../src/errors';
import { run as modelsCli } from '../../src/cli/models';
import { resolveEngine } from '../../src/engine/index';
import { loadLabels, parseLabels } from '../../src/engine/labels';
import { loadRegistry, parseRegistry, resolveModel, TIMM_CONTRACT } from '../../src/engine/registry';

const root = path.join(__dirname, '..', '..');

describe('model registry', () => {
  let tmp: string;
  let env: NodeJS.ProcessEnv;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mnv4-reg-'));
    env = { MNV4_MODEL_DIR: path.join(tmp, 'cache'), HOME: tmp };
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('ships conv_small and conv_medium with the vendor .bin names and URLs', () => {
    const reg = loadRegistry(undefined, env);
    for (const v of ['small', 'medium']) {
      const e = reg.get(`conv_${v}`);
      assert.ok(e?.bpu && e.cpu && e.bpuSim);
      const bin = `MobileNetV4_conv_${v}_224x224_nv12.bin`;
      assert.equal(e.bpu.file, bin);
      assert.equal(e.bpu.url, `https://archive.d-robotics.cc/downloads/rdk_model_zoo/rdk_x5/${bin}`);
      assert.deepEqual(e.bpu.searchDirs, ['/opt/hobot/model/x5/basic']);
      assert.equal(e.bpuSim.file, path.join(root, 'config', 'bpu_sim', `mobilenetv4_conv_${v}.sim.json`));
      assert.deepEqual(e.cpu.contract, TIMM_CONTRACT);
      assert.equal(e.inputWidth, 224);
      assert.equal(loadLabels(e.labelsPath).length, 1000);
    }
  });

  it('finds the simulator model files that ship with the package', () => {
    for (const v of ['small', 'medium']) {
      const r = resolveModel(`conv_${v}`, 'bpu-sim', { env });
      assert.ok(r.exists, r.modelPath);
      assert.equal(JSON.parse(fs.readFileSync(r.modelPath, 'utf8')) instanceof Object, true);
    }
  });

  it('`mnv4 models list --json` shows each model and which files are present', async () => {
    const lines: string[] = [];
    const log = console.log;
    console.log = (...a: unknown[]) => lines.push(a.join(' '));
    try {
      assert.equal(await modelsCli(['list', '--json']), 0);
    } finally {
      console.log = log;
    }
    const rows = new Map(lines.map((l) => JSON.parse(l)).map((r) => [r.name, r]));
    assert.equal(rows.get('reference-mobilenetv2').cpu.present, true);
    assert.equal(rows.get('reference-mobilenetv2').bpu, undefined);
    assert.equal(rows.get('conv_small').bpuSim.present, true);
    assert.equal(rows.get('conv_small').url, 'https://archive.d-robotics.cc/downloads/rdk_model_zoo/rdk_x5/MobileNetV4_conv_small_224x224_nv12.bin');
  });

  it('resolves the bundled models to files that exist', () => {
    for (const name of ['reference-mobilenetv2', 'conv_small_synthetic', 'conv_medium_synthetic']) {
      const r = resolveModel(name, 'cpu', { env });
      assert.ok(r.exists, `${name}: ${r.modelPath}`);
      assert.ok(r.modelPath.startsWith(path.join(root, 'test', 'fixtures', 'models')));
    }
    const mv2 = resolveModel('reference-mobilenetv2', 'cpu', { env });
    assert.deepEqual(mv2.contract?.input, { name: 'input', layout: 'nhwc', dtype: 'uint8', mean: TIMM_CONTRACT.input.mean, std: TIMM_CONTRACT.input.std });
    assert.equal(mv2.contract?.output.classOffset, 1);
    // its 1001-line list maps to the 1000 timm-order names
    assert.deepEqual(loadLabels(mv2.labelsPath), loadLabels(path.join(root, 'config', 'labels', 'imagenet1k_labels.txt')));
  });

  it('looks for a missing .bin in the vendor dir then the cache, and says how to download it', () => {
    const r = resolveModel('conv_small', 'bpu', { env });
    assert.equal(r.exists, false);
    assert.deepEqual(r.searched, [
      '/opt/hobot/model/x5/basic/MobileNetV4_conv_small_224x224_nv12.bin',
      path.join(tmp, 'cache', 'MobileNetV4_conv_small_224x224_nv12.bin'),
    ]);
    assert.match(r.hint, /mnv4 models download conv_small/);
    fs.mkdirSync(path.join(tmp, 'cache'));
    fs.writeFileSync(path.join(tmp, 'cache', 'MobileNetV4_conv_small_224x224_nv12.bin'), 'x');
    const again = resolveModel('conv_small', 'bpu', { env });
    assert.equal(again.exists, true);
    assert.equal(again.modelPath, path.join(tmp, 'cache', 'MobileNetV4_conv_small_224x224_nv12.bin'));
  });

  it('tells how to export a timm ONNX when conv_small has no weights for the CPU', () => {
    const r = resolveModel('conv_small', 'cpu', { env });
    assert.equal(r.exists, false);
    assert.match(r.hint, /onnx_export\.py --model mobilenetv4_conv_small/);
    assert.match(r.hint, /--model reference-mobilenetv2/);
  });

  it('takes a .onnx path as a model with the timm contract, and refuses unknown names', () => {
    const r = resolveModel('some/dir/model.onnx', 'cpu', { env });
    assert.equal(r.modelPath, path.resolve('some/dir/model.onnx'));
    assert.deepEqual(r.contract, TIMM_CONTRACT);
    assert.equal(r.exists, false);
    assert.throws(() => resolveModel('conv_huge', 'cpu', { env }), (e: Error) => e instanceof ModelError && /unknown model 'conv_huge'; known: .*conv_small/.test(e.message));
    assert.throws(() => resolveModel('x/model.onnx', 'bpu', { env }), /not a \.bin file/);
    assert.throws(() => resolveModel('reference-mobilenetv2', 'bpu', { env }), /has no \.bin/);
  });

  it('adds and overrides entries from a user registry ($MNV4_MODEL_REGISTRY), relative to that file', () => {
    const file = path.join(tmp, 'mine.yaml');
    fs.writeFileSync(path.join(tmp, 'my.onnx'), '');
    fs.writeFileSync(path.join(tmp, 'labels.txt'), Array.from({ length: 1000 }, (_, i) => `c${i}`).join('\n'));
    fs.writeFileSync(file, [
      'models:',
      '  mine:',
      '    labels: labels.txt',
      '    cpu:',
      '      file: ./my.onnx',
      '      contract:',
      '        input: {name: pixel_values, layout: nchw, dtype: float32, mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5]}',
      '        output: {name: logits, classes: 1000}',
    ].join('\n'));
    const reg = loadRegistry(undefined, { ...env, MNV4_MODEL_REGISTRY: file });
    assert.ok(reg.has('conv_small'));
    const r = resolveModel('mine', 'cpu', { registry: reg, env });
    assert.equal(r.modelPath, path.join(tmp, 'my.onnx'));
    assert.equal(r.exists, true);
    assert.deepEqual(r.contract?.input.mean, [0.5, 0.5, 0.5]);
    assert.equal(r.contract?.output.kind, 'logits');
    assert.equal(loadLabels(r.labelsPath)[999], 'c999');
  });

  it('gives clear errors for an invalid registry', () => {
    const bad = (yaml: string) => () => parseRegistry(yaml, '/x/reg.yaml');
    assert.throws(bad('models: [1, 2'), /reg\.yaml is not valid YAML/);
    assert.throws(bad('models:\n  a:\n    labels: l.txt\n    input: {width: 225, height: 224}\n'), /models\.a\.input\.width: must be even/);
    assert.throws(bad('models:\n  a:\n    labels: l.txt\n    bpu: {file: a.bin, url: "ftp://x/a.bin"}\n'), /models\.a\.bpu\.url/);
    assert.throws(bad('models:\n  a:\n    labels: l.txt\n    cpu: {file: a.onnx, contract: caffe}\n'), /models\.a\.cpu\.contract/);
    assert.throws(bad('models:\n  a:\n    labels: l.txt\n    colour: red\n'), /models\.a.*colour/);
    assert.throws(bad('models:\n  "a b":\n    labels: l.txt\n'), /letters, digits/);
    assert.throws(
      bad('models:\n  a:\n    labels: l.txt\n    cpu:\n      file: a.onnx\n      contract:\n        input: {name: i, layout: nchw, dtype: uint8}\n        output: {name: o, classes: 1001}\n'),
      /classes 1001 with class_offset 0/,
    );
  });
});

describe('labels', () => {
  it('maps a 1001-line background-first list to 1000 classes and refuses wrong lengths', () => {
    const names = Array.from({ length: 1000 }, (_, i) => `n${i}`);
    assert.deepEqual(parseLabels(['background', ...names].join('\n') + '\n', 'x'), names);
    assert.deepEqual(parseLabels(names.join('\r\n'), 'x'), names);
    assert.throws(() => parseLabels(names.slice(1).join('\n'), 'x.txt'), /x\.txt has 999 lines; expected 1000/);
    assert.throws(() => loadLabels('/nonexistent/labels.txt'), /cannot read the label file \/nonexistent\/labels\.txt: ENOENT/);
  });
});

describe('backend choice (auto)', () => {
  let tmp: string;
  beforeEach(() => (tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mnv4-auto-'))));
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('picks the CPU when the .bin is missing, and says so', () => {
    const r = resolveEngine({ model: 'conv_small', backend: 'auto', env: { MNV4_MODEL_DIR: tmp, MNV4_LIBDNN: 'libz.so.1' } });
    assert.equal(r.backend, 'cpu');
    assert.match(r.reason, /auto: CPU because no MobileNetV4_conv_small_224x224_nv12\.bin/);
  });
  it('picks the CPU when libdnn does not load, and says so', () => {
    fs.writeFileSync(path.join(tmp, 'MobileNetV4_conv_small_224x224_nv12.bin'), 'x');
    const r = resolveEngine({ model: 'conv_small', backend: 'auto', env: { MNV4_MODEL_DIR: tmp, MNV4_LIBDNN: path.join(tmp, 'libdnn.so') } });
    assert.equal(r.backend, 'cpu');
    assert.match(r.reason, /libdnn\.so does not load/);
  });
  it('picks the BPU when libdnn loads and the .bin exists', () => {
    fs.writeFileSync(path.join(tmp, 'MobileNetV4_conv_small_224x224_nv12.bin'), 'x');
    // any loadable shared library stands in for libdnn: only dlopen() is probed
    const r = resolveEngine({ model: 'conv_small', backend: 'auto', env: { MNV4_MODEL_DIR: tmp, MNV4_LIBDNN: 'libz.so.1' } });
    assert.equal(r.backend, 'bpu');
    assert.equal(r.model.modelPath, path.join(tmp, 'MobileNetV4_conv_small_224x224_nv12.bin'));
    assert.match(r.reason, /auto: BPU \(libz\.so\.1 loads/);
    assert.equal(r.labels.length, 1000);
  });
  it('follows the file type of a path', () => {
    const r = resolveEngine({ model: 'x.onnx', backend: 'auto', env: {} });
    assert.equal(r.backend, 'cpu');
  });
});
