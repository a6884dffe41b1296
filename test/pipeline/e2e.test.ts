// End to end through the real engines: image CDR written by Foxglove's writer -> ClassifierPipeline
// -> result CDR read by Foxglove's reader. The CPU engine runs the bundled pretrained MobileNetV2
// (real classes: every photo must keep its expected top-1, SOURCES.md); the native pool's synthetic
// backend derives its logits from the NV12 bytes, so each output can be tied to its own input
// while several worker threads complete out of order.
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import sharp from 'sharp';
import { openEngine } from '../../src/engine/index';
import { NativeEngine, nativeLiveThreads } from '../../src/engine/native';
import type { Engine, EngineOptions } from '../../src/engine/types';
import { toNv12 } from '../../src/image/nv12';
import type { PreprocessOptions, RawFrame } from '../../src/image/types';
import { ClassifierPipeline } from '../../src/pipeline';
import { TYPES, type FrameOutcome, type Header } from '../../src/pipeline/types';
import { foxgloveReader, foxgloveWriter } from '../cdr/helpers';
import { syntheticTopK } from '../engine/native-helpers';

const IMAGES = path.join(__dirname, '..', 'fixtures', 'images');
const EXPECTED: Record<string, number> = {
  'cat.png': 285, 'parrot.jpg': 88, 'hot_dog.jpg': 934, 'bird.png': 19,
  'squirrel_cls.jpg': 335, 'baboon.jpg': 372, 'orange.jpg': 950, 'camera.png': 872,
};
const PRE: PreprocessOptions = { width: 224, height: 224, resizeMode: 'center_crop', filter: 'area', cropRatio: 1 };
const OPTIONS: EngineOptions = { numThreads: 2, queueSize: 4, dropPolicy: 'block', topK: 5, preprocess: PRE, inferTimeoutMs: 0 };

const imageWriter = foxgloveWriter(TYPES.image);
const compressedWriter = foxgloveWriter(TYPES.compressed);
const classReader = foxgloveReader(TYPES.classification);
const latencyReader = foxgloveReader(TYPES.latency);
const labelReader = foxgloveReader(TYPES.labelInfo);

interface Input {
  file: string;
  kind: 'image' | 'compressed';
  header: Header;
  cdr: Uint8Array;
}

/** bgr8 with 7 bytes of row padding, decoded by sharp independently of the pipeline's path. */
async function rawInput(file: string, i: number): Promise<Input> {
  const { data, info } = await sharp(path.join(IMAGES, file)).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  const step = info.width * 3 + 7;
  const bgr = new Uint8Array(step * info.height);
  for (let y = 0; y < info.height; y++) {
    for (let x = 0; x < info.width; x++) {
      const s = (y * info.width + x) * 3;
      const d = y * step + x * 3;
      bgr[d] = data[s + 2];
      bgr[d + 1] = data[s + 1];
      bgr[d + 2] = data[s];
    }
  }
  const header = { stamp: { sec: 1700000000 + i, nanosec: 1000 * i }, frame_id: `cam_${i}_optical_frame` };
  const cdr = imageWriter.writeMessage({ header, height: info.height, width: info.width, encoding: 'bgr8', is_bigendian: 0, step, data: bgr });
  return { file, kind: 'image', header, cdr };
}

function compressedInput(file: string, i: number): Input {
  const header = { stamp: { sec: 1800000000 + i, nanosec: 7 * i }, frame_id: `usb_cam_${i}` };
  const format = file.endsWith('.png') ? 'rgb8; png compressed rgb8' : 'bgr8; jpeg compressed bgr8';
  const cdr = compressedWriter.writeMessage({ header, format, data: fs.readFileSync(path.join(IMAGES, file)) });
  return { file, kind: 'compressed', header, cdr };
}

/** Feeds inputs the way a replay does: waiting on ready() before each. */
async function feed(p: ClassifierPipeline, inputs: Input[]): Promise<FrameOutcome[]> {
  const outs: Promise<FrameOutcome>[] = [];
  for (const m of inputs) {
    await p.ready();
    outs.push(p.process(m.kind, m.cdr));
  }
  return Promise.all(outs);
}

describe('[native] pipeline end to end through the real engines', function () {
  this.timeout(120000);
  const files = Object.keys(EXPECTED);

  it('CPU engine (reference MobileNetV2): every photo, raw bgr8 and JPEG/PNG, keeps its class and its header', async () => {
    const { engine, resolved } = await openEngine({ model: 'reference-mobilenetv2', backend: 'cpu', options: OPTIONS });
    const p = new ClassifierPipeline({ engine, labels: resolved.labels, variant: 'reference-mobilenetv2', topK: 3, scoreThreshold: 0, inOrder: true });
    try {
      const inputs: Input[] = [];
      for (const [i, f] of files.entries()) {
        inputs.push(await rawInput(f, i));
        inputs.push(compressedInput(f, i));
      }
      const outs = await feed(p, inputs);
      outs.forEach((o, i) => {
        const m = inputs[i];
        assert.ok(o.ok, o.ok ? '' : `${m.file} (${m.kind}): ${o.error.code} ${o.error.message}`);
        const msg = classReader.readMessage<{ header: Header; results: { class_id: string; score: number }[] }>(o.classificationCdr);
        assert.deepEqual(msg.header, m.header, `${m.file} header`);
        assert.equal(msg.results.length, 3);
        assert.equal(msg.results[0].class_id, String(EXPECTED[m.file]), `${m.file} (${m.kind}) top-1 ${resolved.labels[Number(msg.results[0].class_id)]}`);
        assert.ok(msg.results[0].score > 0 && msg.results[0].score <= 1);
        const lat = latencyReader.readMessage<{ header: Header; sequence: bigint; backend: string; inference_ms: number; total_ms: number; decode_ms: number; dropped_frames: bigint }>(o.latencyCdr);
        assert.deepEqual(lat.header, m.header);
        assert.equal(lat.sequence, BigInt(i));
        assert.equal(lat.backend, 'cpu');
        assert.equal(lat.dropped_frames, 0n);
        assert.ok(lat.inference_ms > 0 && lat.total_ms >= lat.inference_ms, `${lat.inference_ms} <= ${lat.total_ms}`);
      });
      const info = labelReader.readMessage<{ class_map: { class_id: number; class_name: string }[] }>(p.labelInfoCdr());
      assert.equal(info.class_map.length, 1000);
      assert.match(info.class_map[285].class_name, /Egyptian cat/i);
    } finally {
      await p.close();
    }
  });

  it('native pool (synthetic backend, 3 threads): each output is computed from its own input, delivered in order', async () => {
    const engine = await NativeEngine.open({ ...OPTIONS, backend: 'synthetic', modelPath: '', modelName: 'synthetic', numThreads: 3, queueSize: 6, inferTimeoutMs: 5000, syntheticLatencyMs: 2, synthetic: { latencyByLuma: true } });
    const p = new ClassifierPipeline({ engine, labels: Array.from({ length: 1000 }, (_, i) => `class ${i}`), variant: 'synthetic', topK: 5, scoreThreshold: 0, inOrder: true });
    try {
      const inputs: Input[] = [];
      for (let i = 0; i < 16; i++) inputs.push(await rawInput(files[i % files.length], i));
      const outs = await feed(p, inputs);
      for (const [i, o] of outs.entries()) {
        assert.ok(o.ok, o.ok ? '' : o.error.message);
        assert.equal(o.sequence, i);
        // The frame the pipeline should have sent: the image message's own pixels.
        const img = imageFrame(inputs[i].cdr);
        const want = syntheticTopK(toNv12(img, PRE), 1000, 5);
        assert.deepEqual(o.top.map((h) => h.classIndex), want.map((h) => h.classIndex), `frame ${i}`);
        const msg = classReader.readMessage<{ header: Header; results: { class_id: string }[] }>(o.classificationCdr);
        assert.deepEqual(msg.header, inputs[i].header);
        assert.deepEqual(msg.results.map((r) => Number(r.class_id)), want.map((h) => h.classIndex));
      }
    } finally {
      await p.close();
    }
    assert.equal(nativeLiveThreads(), 0);
  });

  it('swapEngine from the CPU engine to the native pool under load loses no frame', async () => {
    const { engine: cpu, resolved } = await openEngine({ model: 'reference-mobilenetv2', backend: 'cpu', options: OPTIONS });
    const p = new ClassifierPipeline({ engine: cpu, labels: resolved.labels, variant: 'reference-mobilenetv2', topK: 5, scoreThreshold: 0, inOrder: true });
    const inputs: Input[] = [];
    for (let i = 0; i < 12; i++) inputs.push(await rawInput(files[i % files.length], i));
    const outs: Promise<FrameOutcome>[] = [];
    let swap: Promise<void> | undefined;
    let swappedAt = -1;
    let native: Engine | undefined;
    try {
      for (const [i, m] of inputs.entries()) {
        if (i === 6) {
          native = await NativeEngine.open({ ...OPTIONS, backend: 'synthetic', modelPath: '', modelName: 'synthetic' });
          const busy = cpu.stats();
          assert.ok(busy.queueDepth + busy.inFlight > 0, 'frames are in flight on the old engine at the swap');
          swap = p.swapEngine(native);
          swappedAt = i;
        }
        await p.ready();
        outs.push(p.process(m.kind, m.cdr));
      }
      const results = await Promise.all(outs);
      await swap;
      results.forEach((o, i) => {
        assert.ok(o.ok, o.ok ? '' : `frame ${i}: ${o.error.code} ${o.error.message}`);
        const lat = latencyReader.readMessage<{ backend: string; sequence: bigint }>(o.latencyCdr);
        assert.equal(lat.sequence, BigInt(i));
        if (i < swappedAt) {
          assert.equal(lat.backend, 'cpu');
          assert.equal(o.top[0].classIndex, EXPECTED[inputs[i].file], `frame ${i} on the CPU engine`);
        } else {
          assert.equal(o.top[0].classIndex, syntheticTopK(toNv12(imageFrame(inputs[i].cdr), PRE), 1000, 1)[0].classIndex, `frame ${i} on the native engine`);
        }
      });
      assert.equal(p.engine, native);
      const late = await cpu.submit(imageFrame(inputs[0].cdr));
      assert.ok(!late.ok && late.error.code === 'shutdown', 'the old engine was closed after its frames finished');
    } finally {
      await p.close();
    }
    assert.equal(nativeLiveThreads(), 0);
  });
});

function imageFrame(cdr: Uint8Array): RawFrame {
  const m = foxgloveReader(TYPES.image).readMessage<{ width: number; height: number; encoding: string; step: number; data: Uint8Array }>(cdr);
  return { width: m.width, height: m.height, encoding: m.encoding, step: m.step, data: m.data };
}
