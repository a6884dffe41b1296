// End to end through the node: image CDR written by Foxglove's MessageWriter -> fake rclnodejs
// raw subscription -> the real pipeline and CPU engine (the reference MobileNetV2) -> the Buffers
// the node publishes, read back with Foxglove's MessageReader.
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { configDir } from '../../src/paths';
import { ClassifierNode } from '../../src/ros/classifier_node';
import { defaultDeps } from '../../src/ros/wiring';
import { createFakeRclnodejs, type FakeNode } from './fake_rclnodejs';
import { EXPECTED, compressedImage, headerFor, rawImage, reader, waitFor, type Header, type Input } from './e2e_helpers';

interface Classification {
  header: Header;
  results: { class_id: string; score: number }[];
}

const BASE = ['--ros-args', '-p', 'model_variant:=reference-mobilenetv2', '-p', 'backend:=cpu', '-p', 'resize_mode:=center_crop', '-p', 'drop_policy:=block', '-p', 'queue_size:=4'];

async function startNode(extra: string[]) {
  const rcl = createFakeRclnodejs();
  const argv = [...BASE, ...extra];
  await rcl.init(undefined, ['mnv4', ...argv]);
  const cls = await ClassifierNode.start({ argv, rcl, deps: defaultDeps() });
  return { rcl, cls, node: rcl.state.nodes[0] as FakeNode };
}

function checkResults(node: FakeNode, inputs: Input[]) {
  const cls = node.publisher('classification').messages.map((b) => reader('vision_msgs/msg/Classification').readMessage<Classification>(b));
  const lat = node.publisher('classification/latency').messages.map((b) => reader('mobilenetv4_classifier/msg/ClassificationLatency').readMessage<Record<string, unknown> & { header: Header }>(b));
  assert.equal(cls.length, inputs.length, 'one classification per input');
  assert.equal(lat.length, inputs.length, 'one latency message per input');
  for (const [i, input] of inputs.entries()) {
    // in_order (default true): outputs come in input order, each with its input's header unchanged.
    assert.deepEqual(cls[i].header, input.header, `${input.file}: classification header`);
    assert.deepEqual(lat[i].header, input.header, `${input.file}: latency header`);
    const top = cls[i].results;
    assert.equal(top.length, 5, 'top_k 5');
    assert.equal(top[0].class_id, String(EXPECTED[input.file]), `${input.file}: top-1 ${top[0].class_id} (${top[0].score.toFixed(3)})`);
    for (let k = 1; k < top.length; k++) assert.ok(top[k].score <= top[k - 1].score, 'sorted by score');
    assert.ok(top[0].score > 0 && top[0].score <= 1 && top.reduce((s, h) => s + h.score, 0) <= 1 + 1e-6, 'probabilities');
    assert.equal(lat[i].model_variant, 'reference-mobilenetv2');
    assert.equal(lat[i].backend, 'cpu');
    assert.ok((lat[i].inference_ms as number) > 0 && (lat[i].total_ms as number) >= (lat[i].inference_ms as number));
  }
  assert.ok(node.publisher('classification').ownsMemory.every(Boolean), 'published Buffers own their memory from offset 0');
}

describe('[native] ros end to end: Foxglove-encoded images through the node and the real engine', function () {
  this.timeout(180000);
  const files = Object.keys(EXPECTED);

  it('classifies raw sensor_msgs/Image photos (rgb8, bgr8, rgba8, mono8, padded rows) right and keeps every header', async () => {
    const { node, cls, rcl } = await startNode([]);
    const inputs: Input[] = [];
    for (const [i, file] of files.entries()) {
      const header = headerFor(file, i);
      inputs.push({ file, header, cdr: await rawImage(file, i, header) });
    }
    for (const input of inputs) node.subscriptions[0].inject(input.cdr);
    await waitFor(() => node.publisher('classification').messages.length === inputs.length, 'all classifications');
    checkResults(node, inputs);

    // label_info: the 1000 ImageNet names by class id, and the threshold.
    const li = reader('vision_msgs/msg/LabelInfo').readMessage<{ class_map: { class_id: number; class_name: string }[]; threshold: number }>(node.publisher('label_info').messages[0]);
    const names = fs.readFileSync(path.join(configDir, 'labels', 'imagenet1k_labels.txt'), 'utf8').trim().split('\n');
    assert.equal(li.class_map.length, 1000);
    assert.deepEqual(li.class_map[285], { class_id: 285, class_name: names[285] });
    assert.equal(li.threshold, 0);

    // /diagnostics, stamped with the node clock.
    rcl.state.clockNs = 42_000_000_007n;
    node.timers[0].fire();
    const diag = reader('diagnostic_msgs/msg/DiagnosticArray').readMessage<{ header: Header; status: { level: number; name: string; values: { key: string; value: string }[] }[] }>(node.publisher('/diagnostics').messages[0]);
    assert.deepEqual(diag.header.stamp, { sec: 42, nanosec: 7 });
    assert.equal(diag.status[0].name, 'mobilenetv4_classifier: inference');
    assert.equal(diag.status[0].level, 0);
    const kv = Object.fromEntries(diag.status[0].values.map((v) => [v.key, v.value]));
    assert.equal(kv.frames_classified, String(files.length));
    assert.equal(kv.backend, 'cpu');
    await cls.shutdown();
  });

  it('classifies sensor_msgs/CompressedImage (JPEG, PNG) on image_raw/compressed and keeps every header', async () => {
    const { node, cls } = await startNode(['-p', 'input_transport:=compressed']);
    assert.equal(node.subscriptions[0].topic, 'image_raw/compressed');
    const inputs = files.map((file, i) => {
      const header = headerFor(file, 100 + i);
      return { file, header, cdr: compressedImage(file, header) };
    });
    for (const input of inputs) node.subscriptions[0].inject(input.cdr);
    await waitFor(() => node.publisher('classification').messages.length === inputs.length, 'all classifications');
    checkResults(node, inputs);
    await cls.shutdown();
  });

  it('swaps model_variant live in block mode without losing a frame', async () => {
    const { node, cls } = await startNode(['-p', 'model_variant:=conv_small_synthetic']);
    const make = async (n: number, from: number) => {
      const out: Input[] = [];
      for (let i = 0; i < n; i++) {
        const file = files[(from + i) % files.length];
        const header = headerFor(file, 1000 + from + i);
        out.push({ file, header, cdr: await rawImage(file, from + i, header) });
      }
      return out;
    };
    const before = await make(8, 0);
    const during = await make(8, 8);
    const after = await make(8, 16);
    for (const input of before) node.subscriptions[0].inject(input.cdr);
    assert.equal(node.set('model_variant', 'reference-mobilenetv2').successful, true);
    for (const input of during) node.subscriptions[0].inject(input.cdr); // arrive while the new model loads
    await cls.reloadsSettled();
    assert.equal(cls.lastLoadError, undefined);
    for (const input of after) node.subscriptions[0].inject(input.cdr);
    const all = [...before, ...during, ...after];
    await waitFor(() => node.publisher('classification').messages.length === all.length, 'every frame classified');
    const got = node.publisher('classification').messages.map((b) => reader('vision_msgs/msg/Classification').readMessage<Classification>(b));
    assert.deepEqual(got.map((c) => c.header), all.map((i) => i.header), 'every input header once, in order');
    // Frames sent after the swap are classified by the real model.
    for (const [k, input] of after.entries()) assert.equal(got[16 + k].results[0].class_id, String(EXPECTED[input.file]), input.file);
    assert.ok(node.logger.lines.some((l) => /now running reference-mobilenetv2 on cpu/.test(l.message)));
    assert.equal(node.logger.lines.filter((l) => l.level === 'warn' || l.level === 'error').length, 0, node.logger.lines.map((l) => l.message).join('\n'));
    await cls.shutdown();
  });

  it('refuses a model that is not there at once, and keeps the old model when a load fails', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mnv4-models-'));
    const saved = process.env.MNV4_MODEL_DIR;
    process.env.MNV4_MODEL_DIR = dir; // an empty model cache: conv_small's ONNX is not there
    try {
      const { node, cls, rcl } = await startNode([]);
      const r = node.set('model_variant', 'conv_small');
      assert.equal(r.successful, false);
      assert.match(r.reason, /model 'conv_small' for the cpu backend not found \(looked in .*mnv4-models-.*\)\. Export it with timm/);
      assert.equal(node.value('model_variant'), 'reference-mobilenetv2');

      // A file that exists but is no model: accepted, fails to load, reported, reverted.
      const bad = path.join(dir, 'broken.onnx');
      fs.writeFileSync(bad, 'this is not an ONNX model');
      assert.equal(node.set('model_path', bad).successful, true);
      await cls.reloadsSettled();
      assert.ok(cls.lastLoadError, 'the failure is kept for /diagnostics');
      assert.equal(node.value('model_path'), '', 'model_path restored to what runs');
      assert.ok(node.logger.lines.some((l) => l.level === 'error' && l.message.includes(`cannot load model '${bad}'`) && /still running reference-mobilenetv2 on cpu/.test(l.message)));
      rcl.state.clockNs = 5_000_000_000n;
      node.timers[0].fire();
      const statuses = node.publisher('/diagnostics').messages.flatMap((b) => reader('diagnostic_msgs/msg/DiagnosticArray').readMessage<{ status: { level: number; name: string; message: string }[] }>(b).status);
      const model = statuses.find((s) => s.name === 'mobilenetv4_classifier: model');
      assert.ok(model, JSON.stringify(statuses));
      assert.equal(model.level, 1);
      assert.match(model.message, /loading model '.*broken\.onnx' on backend 'cpu' failed; still running reference-mobilenetv2 on cpu/);

      // The old model still classifies.
      const header = headerFor('orange.jpg', 500);
      node.subscriptions[0].inject(await rawImage('orange.jpg', 0, header));
      await waitFor(() => node.publisher('classification').messages.length === 1, 'a classification');
      const c = reader('vision_msgs/msg/Classification').readMessage<Classification>(node.publisher('classification').messages[0]);
      assert.deepEqual(c.header, header);
      assert.equal(c.results[0].class_id, String(EXPECTED['orange.jpg']));
      await cls.shutdown();
    } finally {
      if (saved === undefined) delete process.env.MNV4_MODEL_DIR;
      else process.env.MNV4_MODEL_DIR = saved;
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('[native] ros end to end on the BPU path (bpu-sim): conv_small -> conv_medium live', function () {
  this.timeout(180000);

  before(async function () {
    // The simulated BPU must open here; a failure is a failure, not a skip.
    const { engine } = await (require('../../src/engine') as typeof import('../../src/engine')).openEngine({
      model: 'conv_small',
      backend: 'bpu-sim',
      options: { numThreads: 1, queueSize: 1, dropPolicy: 'block', topK: 1, preprocess: { width: 224, height: 224, resizeMode: 'stretch', filter: 'area' }, inferTimeoutMs: 1000 },
    });
    await engine.close();
  });

  it('swaps the MobileNetV4 variant on the simulated BPU without losing a frame', async () => {
    const rcl = createFakeRclnodejs();
    const argv = ['--ros-args', '-p', 'model_variant:=conv_small', '-p', 'backend:=bpu-sim', '-p', 'drop_policy:=block', '-p', 'num_threads:=2'];
    await rcl.init(undefined, ['mnv4', ...argv]);
    const cls = await ClassifierNode.start({ argv, rcl, deps: defaultDeps() });
    const node = rcl.state.nodes[0] as FakeNode;
    const files = Object.keys(EXPECTED);
    const inputs: Input[] = [];
    for (let i = 0; i < 24; i++) {
      const file = files[i % files.length];
      const header = headerFor(file, 2000 + i);
      inputs.push({ file, header, cdr: await rawImage(file, i, header) });
    }
    inputs.slice(0, 12).forEach((x) => node.subscriptions[0].inject(x.cdr));
    assert.equal(node.set('model_variant', 'conv_medium').successful, true);
    inputs.slice(12).forEach((x) => node.subscriptions[0].inject(x.cdr));
    await cls.reloadsSettled();
    await waitFor(() => node.publisher('classification').messages.length === inputs.length, 'every frame classified');
    const got = node.publisher('classification').messages.map((b) => reader('vision_msgs/msg/Classification').readMessage<Classification>(b));
    assert.deepEqual(got.map((c) => c.header), inputs.map((x) => x.header));
    node.timers[0].fire();
    const diag = reader('diagnostic_msgs/msg/DiagnosticArray').readMessage<{ status: { values: { key: string; value: string }[] }[] }>(node.publisher('/diagnostics').messages[0]);
    const kv = Object.fromEntries(diag.status[0].values.map((v) => [v.key, v.value]));
    assert.equal(kv.backend, 'bpu-sim');
    assert.equal(kv.model, 'conv_medium');
    assert.equal(kv.frames_classified, String(inputs.length));
    await cls.shutdown();
  });
});
