import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { encodeImage } from '../../src/cdr';
import { decodeCompressed } from '../../src/image/compressed';
import type { RawFrame } from '../../src/image/types';
import { ClassifierPipeline, FRAME_ERROR_CODES, type PipelineOptions } from '../../src/pipeline';
import { TYPES, type FrameOutcome, type Header } from '../../src/pipeline/types';
import { foxgloveReader, foxgloveWriter, randAscii, randBytes, randInt, rng } from '../cdr/helpers';
import { expectedTop, FAKE_TIMINGS, FakeEngine } from './fake-engine';

const LABELS = fs.readFileSync(path.join(__dirname, '..', '..', 'config', 'labels', 'imagenet1k_labels.txt'), 'utf8').split('\n').filter((l) => l.length > 0);
const IMAGES = path.join(__dirname, '..', 'fixtures', 'images');

const imageWriter = foxgloveWriter(TYPES.image);
const compressedWriter = foxgloveWriter(TYPES.compressed);
const classReader = foxgloveReader(TYPES.classification);
const latencyReader = foxgloveReader(TYPES.latency);
const diagReader = foxgloveReader(TYPES.diagnostics);
const labelReader = foxgloveReader(TYPES.labelInfo);

interface ClassificationMsg {
  header: Header;
  results: { class_id: string; score: number }[];
}
interface LatencyMsg {
  header: Header;
  sequence: bigint;
  model_variant: string;
  backend: string;
  decode_ms: number;
  queue_ms: number;
  preprocess_ms: number;
  inference_ms: number;
  postprocess_ms: number;
  total_ms: number;
  dropped_frames: bigint;
  queue_depth: number;
}
interface DiagMsg {
  header: Header;
  status: { level: number; name: string; message: string; hardware_id: string; values: { key: string; value: string }[] }[];
}

/** A small random rgb8 image message; returns its CDR (Foxglove's writer) and the frame it carries. */
function makeImage(r: () => number, frameId?: string): { cdr: Uint8Array; header: Header; frame: RawFrame } {
  const width = randInt(r, 1, 6) * 2;
  const height = randInt(r, 1, 5) * 2;
  const step = width * 3 + randInt(r, 0, 3);
  const data = randBytes(r, step * height);
  const header = { stamp: { sec: randInt(r, 0, 2 ** 31 - 1), nanosec: randInt(r, 0, 999999999) }, frame_id: frameId ?? randAscii(r, 15) };
  const msg = { header, height, width, encoding: 'rgb8', is_bigendian: 0, step, data };
  // Foxglove's writer sizes strings in UTF-16 units, so non-ASCII ids go through our encoder
  // (proven equal to hand-built UTF-8 CDR in test/cdr).
  const cdr = /^[\x00-\x7f]*$/.test(header.frame_id) ? imageWriter.writeMessage(msg) : encodeImage(msg);
  return { cdr, header, frame: { width, height, encoding: 'rgb8', step, data } };
}

function pipeline(engine: FakeEngine, extra: Partial<PipelineOptions> = {}): ClassifierPipeline {
  return new ClassifierPipeline({ engine, labels: LABELS, variant: 'conv_small', topK: 5, scoreThreshold: 0, ...extra });
}

function flush(): Promise<void> {
  return new Promise((r) => setImmediate(r));
}

function ok(o: FrameOutcome): Extract<FrameOutcome, { ok: true }> {
  assert.ok(o.ok, o.ok ? '' : `expected a result, got ${o.error.code}: ${o.error.message}`);
  return o;
}

function diagValues(d: DiagMsg): Record<string, string> {
  return Object.fromEntries(d.status[0].values.map((kv) => [kv.key, kv.value]));
}

describe('pipeline: Image CDR in, Classification and latency CDR out', () => {
  it('classifies the frame each message carries and copies its header unchanged', async () => {
    const r = rng(11);
    const engine = new FakeEngine();
    const p = pipeline(engine);
    const inputs = Array.from({ length: 40 }, (_, i) => makeImage(r, i === 3 ? 'caméra/光学_🚗' : undefined));
    const outs = await Promise.all(inputs.map((m) => p.process('image', m.cdr)));
    assert.equal(engine.received.length, inputs.length);
    outs.forEach((o, i) => {
      const res = ok(o);
      assert.equal(res.sequence, i);
      const msg = classReader.readMessage<ClassificationMsg>(res.classificationCdr);
      assert.deepEqual(msg.header, inputs[i].header);
      assert.deepEqual(res.header, inputs[i].header);
      const want = expectedTop(inputs[i].frame);
      assert.deepEqual(msg.results, want.map((h) => ({ class_id: String(h.classIndex), score: h.score })));
      assert.deepEqual(res.top, want);
      // The header's serialized bytes (stamp + frame_id) are identical in input and output.
      const n = 4 + 8 + 4 + Buffer.byteLength(inputs[i].header.frame_id) + 1;
      assert.deepEqual(Buffer.from(res.classificationCdr.subarray(0, n)), Buffer.from(inputs[i].cdr.subarray(0, n)));
    });
  });

  it('fills the latency message: sequence, variant, backend, stage times, total from the injected clock', async () => {
    let clock = 1_000_000_000n;
    const engine = new FakeEngine({ manual: true, backend: 'bpu-sim' });
    const p = pipeline(engine, { now: () => clock, variant: 'conv_medium' });
    const r = rng(12);
    const a = makeImage(r);
    const b = makeImage(r);
    const pa = p.process('image', a.cdr); // received at t = 1 s
    clock += 2_000_000n;
    const pb = p.process('image', b.cdr); // received at t = 1.002 s
    clock += 5_500_000n;
    engine.complete(1); // b done at 1.0075 s
    await flush();
    clock += 1_000_000n;
    engine.complete(0); // a done at 1.0085 s
    const [oa, ob] = [ok(await pa), ok(await pb)];
    const la = latencyReader.readMessage<LatencyMsg>(oa.latencyCdr);
    const lb = latencyReader.readMessage<LatencyMsg>(ob.latencyCdr);
    assert.deepEqual(la.header, a.header);
    assert.deepEqual(lb.header, b.header);
    assert.equal(la.sequence, 0n);
    assert.equal(lb.sequence, 1n);
    assert.equal(la.model_variant, 'conv_medium');
    assert.equal(la.backend, 'bpu-sim');
    assert.equal(la.queue_ms, FAKE_TIMINGS.queueMs);
    assert.equal(la.preprocess_ms, FAKE_TIMINGS.preprocessMs);
    assert.equal(la.inference_ms, FAKE_TIMINGS.inferenceMs);
    assert.equal(la.postprocess_ms, FAKE_TIMINGS.postprocessMs);
    assert.equal(la.decode_ms, 0); // the clock did not move while decoding
    assert.equal(la.total_ms, 8.5);
    assert.equal(lb.total_ms, 5.5);
    assert.deepEqual(oa.latency, { decode_ms: la.decode_ms, queue_ms: la.queue_ms, preprocess_ms: la.preprocess_ms, inference_ms: la.inference_ms, postprocess_ms: la.postprocess_ms, total_ms: la.total_ms });
    assert.equal(la.dropped_frames, 0n);
    assert.equal(lb.queue_depth, 1); // a was still waiting when b finished
    assert.equal(la.queue_depth, 0);
  });

  it('inOrder delivers in input order when the engine completes out of order; otherwise as completed', async () => {
    for (const inOrder of [true, false]) {
      const engine = new FakeEngine({ manual: true });
      const p = pipeline(engine, { inOrder });
      const r = rng(13);
      const inputs = Array.from({ length: 6 }, () => makeImage(r));
      const delivered: number[] = [];
      const all = inputs.map((m) => p.process('image', m.cdr).then((o) => (delivered.push(o.sequence), o)));
      await flush();
      assert.equal(engine.pending.length, 6);
      const order = [3, 1, 5, 0, 4, 2];
      for (const seq of order) {
        engine.complete(engine.pending.findIndex((x) => x.seq === seq));
        await flush();
      }
      const outs = await Promise.all(all);
      assert.deepEqual(delivered, inOrder ? [0, 1, 2, 3, 4, 5] : order);
      outs.forEach((o, i) => assert.deepEqual(classReader.readMessage<ClassificationMsg>(ok(o).classificationCdr).header, inputs[i].header));
    }
  });

  it('inOrder also holds for error outcomes mixed with results', async () => {
    const engine = new FakeEngine({ manual: true });
    const p = pipeline(engine, { inOrder: true });
    const r = rng(14);
    const good = makeImage(r);
    const delivered: number[] = [];
    const track = (pr: Promise<FrameOutcome>) => pr.then((o) => (delivered.push(o.sequence), o));
    const o0 = track(p.process('image', good.cdr));
    const o1 = track(p.process('image', good.cdr.subarray(0, 30))); // truncated: fails at once
    await flush();
    assert.deepEqual(delivered, [], 'the error waits for the earlier frame');
    engine.complete(0);
    await Promise.all([o0, o1]);
    assert.deepEqual(delivered, [0, 1]);
  });
});

describe('pipeline: every input yields an outcome', () => {
  it('random completion orders, engine failures and malformed inputs: each outcome belongs to its input', async () => {
    for (const inOrder of [true, false]) {
      const r = rng(inOrder ? 22 : 23);
      const engine = new FakeEngine({ manual: true, failIf: (f) => (f.data[1] % 5 === 0 ? 'timeout' : undefined) });
      const p = pipeline(engine, { inOrder });
      const inputs = Array.from({ length: 200 }, () => {
        const m = makeImage(r);
        const cut = r() < 0.1;
        const headerEnd = 16 + Buffer.byteLength(m.header.frame_id) + 1; // cut after the header: it stays readable
        return { ...m, cdr: cut ? m.cdr.subarray(0, randInt(r, headerEnd, m.cdr.byteLength - 1)) : m.cdr, cut };
      });
      const delivered: number[] = [];
      const outs: Promise<FrameOutcome>[] = [];
      for (const m of inputs) {
        outs.push(p.process('image', m.cdr).then((o) => (delivered.push(o.sequence), o)));
        // Now and then complete a random pending frame.
        while (engine.pending.length > 0 && r() < 0.4) engine.complete(randInt(r, 0, engine.pending.length - 1));
      }
      while (engine.pending.length > 0) engine.complete(randInt(r, 0, engine.pending.length - 1));
      const results = await Promise.all(outs);
      assert.equal(results.length, inputs.length);
      assert.deepEqual([...delivered].sort((a, b) => a - b), inputs.map((_, i) => i), 'each sequence delivered once');
      if (inOrder) assert.deepEqual(delivered, inputs.map((_, i) => i));
      else assert.notDeepEqual(delivered, inputs.map((_, i) => i), 'the engine did complete out of order');
      results.forEach((o, i) => {
        const m = inputs[i];
        assert.equal(o.sequence, i);
        assert.deepEqual(o.header, m.header);
        if (m.cut) assert.ok(!o.ok && o.error.code === 'truncated_cdr');
        else if (m.frame.data[1] % 5 === 0) assert.ok(!o.ok && o.error.code === 'timeout');
        else assert.deepEqual(ok(o).top, expectedTop(m.frame));
      });
    }
  });

  it('malformed CDR gives an error outcome with the header when it is readable', async () => {
    const engine = new FakeEngine();
    const p = pipeline(engine);
    const m = makeImage(rng(15), 'cam');
    const cut = await p.process('image', m.cdr.subarray(0, m.cdr.byteLength - 1));
    assert.equal(cut.ok, false);
    assert.ok(!cut.ok && cut.error.code === 'truncated_cdr');
    assert.deepEqual(cut.header, m.header);
    const headless = await p.process('image', m.cdr.subarray(0, 10));
    assert.ok(!headless.ok && headless.error.code === 'truncated_cdr' && headless.header === undefined);
    const bad = m.cdr.slice();
    bad[1] = 0x03; // PL_CDR_LE
    const b = await p.process('image', bad);
    assert.ok(!b.ok && b.error.code === 'bad_cdr');
    assert.equal(engine.received.length, 0, 'nothing malformed reaches the engine');
    assert.deepEqual([cut.sequence, headless.sequence, b.sequence], [0, 1, 2]);
  });

  it('engine failures become outcomes with the stamp; dropped_frames counts every failure so far', async () => {
    // Fail frames whose first pixel byte is even.
    const engine = new FakeEngine({ failIf: (f) => (f.data[0] % 2 === 0 ? 'inference_failed' : undefined) });
    const p = pipeline(engine, { inOrder: true });
    const r = rng(16);
    const inputs = Array.from({ length: 30 }, () => makeImage(r));
    const outs = await Promise.all(inputs.map((m) => p.process('image', m.cdr)));
    let failures = 0;
    outs.forEach((o, i) => {
      assert.equal(o.sequence, i);
      assert.deepEqual(o.header, inputs[i].header);
      if (inputs[i].frame.data[0] % 2 === 0) {
        assert.ok(!o.ok && o.error.code === 'inference_failed');
        failures++;
      } else {
        const l = latencyReader.readMessage<LatencyMsg>(ok(o).latencyCdr);
        assert.equal(l.dropped_frames, BigInt(failures));
        assert.equal(l.sequence, BigInt(i));
      }
    });
    assert.ok(failures > 3 && failures < 27);
    assert.equal(p.totals().failedByCode.inference_failed, failures);
    assert.equal(p.totals().received, 30);
  });

  it('an engine that throws instead of resolving still produces an outcome', async () => {
    const engine = new FakeEngine();
    engine.submit = () => {
      throw new Error('boom');
    };
    const p = pipeline(engine);
    const o = await p.process('image', makeImage(rng(17)).cdr);
    assert.ok(!o.ok && o.error.code === 'inference_failed' && /boom/.test(o.error.message));
  });
});

describe('pipeline: a malformed engine result', () => {
  it('still yields an outcome (inference_failed with the reason) and later frames are unaffected', async () => {
    const engine = new FakeEngine();
    const submit = engine.submit.bind(engine);
    let broken = true;
    engine.submit = async (f) => {
      const r = await submit(f);
      return broken && r.ok ? { ...r, timings: { ...r.timings, inferenceMs: 'slow' as unknown as number } } : r;
    };
    const p = pipeline(engine, { inOrder: true });
    const r = rng(24);
    const a = makeImage(r);
    const o = await p.process('image', a.cdr);
    assert.ok(!o.ok && o.error.code === 'inference_failed' && /inference_ms: expected a number/.test(o.error.message), o.ok ? '' : o.error.message);
    assert.deepEqual(o.header, a.header);
    broken = false;
    ok(await p.process('image', a.cdr));
  });
});

describe('pipeline: top_k and score_threshold', () => {
  it('keeps the highest scores at or above the threshold, at most top_k, live-changeable', async () => {
    const engine = new FakeEngine({ scramble: true });
    const p = pipeline(engine, { topK: 3, scoreThreshold: 0.1 });
    assert.equal(engine.topK, 3, 'the engine is told top_k');
    const r = rng(18);
    for (let i = 0; i < 20; i++) {
      const m = makeImage(r);
      const o = ok(await p.process('image', m.cdr));
      // The fake engine reports its own top_k (3), scrambled: scores ~0.5, ~0.25, ~0.125.
      const want = expectedTop(m.frame).slice(0, 3).filter((h) => h.score >= 0.1);
      assert.deepEqual(o.top, want);
    }
    p.setOptions({ scoreThreshold: 0.2, topK: 5 });
    assert.equal(engine.topK, 5);
    const m = makeImage(r);
    const o = ok(await p.process('image', m.cdr));
    assert.deepEqual(o.top, expectedTop(m.frame).filter((h) => h.score >= 0.2));
    assert.equal(o.top.length, 2);
    p.setOptions({ scoreThreshold: 0.9 });
    const none = ok(await p.process('image', m.cdr));
    assert.deepEqual(classReader.readMessage<ClassificationMsg>(none.classificationCdr).results, []);
    assert.throws(() => p.setOptions({ topK: 0 }), /top_k/);
    assert.throws(() => p.setOptions({ scoreThreshold: 1.5 }), /score_threshold/);
    assert.throws(() => p.setOptions({ scoreThreshold: NaN }), /score_threshold/);
    assert.equal(p.options.topK, 5);
    assert.equal(p.options.scoreThreshold, 0.9);
  });
});

describe('pipeline: swapEngine', () => {
  it('sends new frames to the new engine at once, lets the old one finish, then closes it: nothing lost', async () => {
    const oldE = new FakeEngine({ manual: true, backend: 'cpu', model: 'old' });
    const newE = new FakeEngine({ backend: 'bpu-sim', model: 'new' });
    const p = pipeline(oldE, { inOrder: true, topK: 4 });
    const r = rng(19);
    const before = Array.from({ length: 3 }, () => makeImage(r));
    const after = Array.from({ length: 3 }, () => makeImage(r));
    const outsBefore = before.map((m) => p.process('image', m.cdr));
    await flush();
    let swapped = false;
    const before0 = p.options.variant;
    const swap = p.swapEngine(newE, 'conv_medium').then(() => (swapped = true));
    await flush();
    assert.equal(newE.topK, 4);
    const outsAfter = after.map((m) => p.process('image', m.cdr));
    await flush();
    assert.equal(newE.received.length, 3, 'new frames went to the new engine while the old one still works');
    assert.equal(oldE.received.length, 3);
    assert.equal(swapped, false);
    assert.equal(oldE.closed, false);
    oldE.complete(1);
    oldE.complete(0);
    await flush();
    assert.equal(swapped, false, 'the swap waits for the last frame on the old engine');
    oldE.complete(0);
    await swap;
    assert.equal(oldE.closed, true);
    const all = await Promise.all([...outsBefore, ...outsAfter]);
    all.forEach((o, i) => {
      const res = ok(o);
      const input = i < 3 ? before[i] : after[i - 3];
      assert.deepEqual(res.top, expectedTop(input.frame).slice(0, 4));
      const l = latencyReader.readMessage<LatencyMsg>(res.latencyCdr);
      assert.equal(l.backend, i < 3 ? 'cpu' : 'bpu-sim');
      // Frames that finished on the old engine keep the old variant's name; later ones the new.
      assert.equal(l.model_variant, i < 3 ? before0 : 'conv_medium');
      assert.notEqual(before0, 'conv_medium');
      assert.equal(l.sequence, BigInt(i));
    });
  });
});

describe('pipeline: compressed input', () => {
  it('decodes JPEG/PNG CompressedImage to the frame the engine gets, header copied', async () => {
    const engine = new FakeEngine();
    const p = pipeline(engine);
    for (const [file, format] of [['orange.jpg', 'jpeg'], ['camera.png', 'mono8; png compressed mono8']] as const) {
      const data = fs.readFileSync(path.join(IMAGES, file));
      const header = { stamp: { sec: 42, nanosec: 7 }, frame_id: `cam_${file}` };
      const cdr = compressedWriter.writeMessage({ header, format, data });
      const o = ok(await p.process('compressed', cdr));
      const direct = await decodeCompressed(format, data, { targetWidth: 224, targetHeight: 224 });
      assert.deepEqual(o.top, expectedTop(direct.frame));
      assert.deepEqual(classReader.readMessage<ClassificationMsg>(o.classificationCdr).header, header);
      const got = engine.received[engine.received.length - 1];
      assert.equal(got.encoding, file.endsWith('.png') ? 'mono8' : 'rgb8');
      assert.equal(got.width, 512);
      assert.ok(o.latency.decode_ms > 0, 'decode_ms includes the image decode');
    }
    const header = { stamp: { sec: 1, nanosec: 2 }, frame_id: 'bad' };
    const corrupt = await p.process('compressed', compressedWriter.writeMessage({ header, format: 'jpeg', data: new Uint8Array([0xff, 0xd8, 0xff, 0, 1, 2]) }));
    assert.ok(!corrupt.ok && corrupt.error.code === 'corrupt_image');
    assert.deepEqual(corrupt.header, header);
    const tiff = await p.process('compressed', compressedWriter.writeMessage({ header, format: 'tiff', data: new Uint8Array([1]) }));
    assert.ok(!tiff.ok && tiff.error.code === 'unsupported_format');
  });
});

describe('pipeline: compressed decode backlog', () => {
  it('answers compressed frames beyond maxConcurrentDecodes with dropped; ready() waits for a slot', async () => {
    const engine = new FakeEngine();
    const p = pipeline(engine, { maxConcurrentDecodes: 1 });
    const data = fs.readFileSync(path.join(IMAGES, 'parrot.jpg'));
    const msg = (i: number) => compressedWriter.writeMessage({ header: { stamp: { sec: i, nanosec: 0 }, frame_id: 'c' }, format: 'jpeg', data });
    const outs = [0, 1, 2].map((i) => p.process('compressed', msg(i)));
    let readyResolved = false;
    const ready = p.ready().then(() => (readyResolved = true));
    const [a, b, c] = await Promise.all(outs);
    ok(a);
    assert.ok(!b.ok && b.error.code === 'dropped' && b.header?.stamp.sec === 1);
    assert.ok(!c.ok && c.error.code === 'dropped' && c.header?.stamp.sec === 2);
    await ready;
    assert.ok(readyResolved);
    // A caller that waits on ready() loses nothing.
    const later: Promise<FrameOutcome>[] = [];
    for (let i = 3; i < 6; i++) {
      await p.ready();
      later.push(p.process('compressed', msg(i)));
    }
    (await Promise.all(later)).forEach(ok);
    assert.equal(p.totals().classified, 4);
    assert.equal(p.totals().failedByCode.dropped, 2);
  });
});

describe('pipeline: label_info and diagnostics', () => {
  it('LabelInfo carries the 1000 labels and the current threshold', () => {
    const p = pipeline(new FakeEngine(), { scoreThreshold: 0.05 });
    const msg = labelReader.readMessage<{ header: Header; class_map: { class_id: number; class_name: string }[]; threshold: number }>(p.labelInfoCdr({ sec: 3, nanosec: 4 }));
    assert.deepEqual(msg.header, { stamp: { sec: 3, nanosec: 4 }, frame_id: '' });
    assert.equal(msg.class_map.length, 1000);
    assert.deepEqual(msg.class_map[285], { class_id: 285, class_name: LABELS[285] });
    assert.equal(msg.threshold, Math.fround(0.05));
    p.setOptions({ scoreThreshold: 0.5 });
    assert.equal(labelReader.readMessage<{ threshold: number }>(p.labelInfoCdr()).threshold, 0.5);
  });

  it('levels and values follow the documented rule over the window', async () => {
    let clock = 0n;
    const S = 1_000_000_000n;
    const MS = 1_000_000n;
    let failNext = false;
    const engine = new FakeEngine({ manual: true, backend: 'bpu', model: 'mobilenetv4_conv_small.bin', failIf: () => (failNext ? 'inference_failed' : undefined) });
    const p = pipeline(engine, { now: () => clock, diagnosticsWindowS: 5 });
    const diag = () => diagReader.readMessage<DiagMsg>(p.diagnosticsCdr({ sec: Number(clock / S), nanosec: 0 }));
    const r = rng(20);

    // No input: OK.
    let d = diag();
    assert.equal(d.status.length, 1);
    assert.equal(d.status[0].name, 'mobilenetv4_classifier: inference');
    assert.equal(d.status[0].level, 0);
    assert.equal(d.status[0].message, 'no input');
    assert.equal(d.status[0].hardware_id, 'bpu');

    // 20 frames over 2 s, each taking (i+1) ms in total: OK, fps 10, known percentiles.
    for (let i = 0; i < 20; i++) {
      const pr = p.process('image', makeImage(r).cdr);
      clock += BigInt(i + 1) * MS;
      engine.complete(0);
      ok(await pr);
      clock += 100n * MS - BigInt(i + 1) * MS;
    }
    d = diag();
    let v = diagValues(d);
    assert.equal(d.status[0].level, 0, d.status[0].message);
    assert.equal(v.fps, '10.00');
    assert.equal(v.frames_received, '20');
    assert.equal(v.frames_classified, '20');
    assert.equal(v.latency_p50_ms, '10.000'); // nearest rank of 1..20 ms
    assert.equal(v.latency_p95_ms, '19.000');
    assert.equal(v.latency_p99_ms, '20.000');
    assert.equal(v.backend, 'bpu');
    assert.equal(v.model, 'mobilenetv4_conv_small.bin');
    assert.equal(v.model_variant, 'conv_small');
    for (const c of FRAME_ERROR_CODES) assert.equal(v[`drops.${c}`], '0', c);

    // A truncated message and an engine failure: WARN, counted by reason.
    await p.process('image', new Uint8Array([0, 1, 0, 0, 1]));
    failNext = true;
    const pf = p.process('image', makeImage(r).cdr);
    engine.complete(0);
    await pf;
    failNext = false;
    const pg = p.process('image', makeImage(r).cdr);
    engine.complete(0);
    ok(await pg);
    d = diag();
    v = diagValues(d);
    assert.equal(d.status[0].level, 1, d.status[0].message);
    assert.match(d.status[0].message, /2 of 23 frames dropped or failed .*truncated_cdr 1, inference_failed 1/);
    assert.equal(v['drops.truncated_cdr'], '1');
    assert.equal(v['drops.inference_failed'], '1');
    assert.equal(v.frames_failed, '2');

    // After the window passes with no input: OK again, totals kept.
    clock += 6n * S;
    d = diag();
    assert.equal(d.status[0].level, 0, d.status[0].message);
    assert.equal(diagValues(d)['drops.inference_failed'], '1');
    assert.equal(diagValues(d).fps, '0.00');

    // Input arrives, nothing completes: WARN, queue depth reported.
    const stuck = p.process('image', makeImage(r).cdr);
    clock += S;
    d = diag();
    assert.equal(d.status[0].level, 1);
    assert.match(d.status[0].message, /none classified/);
    assert.equal(diagValues(d).queue_depth, '1');
    engine.complete(0);
    await stuck;

    // The engine fails every frame that reaches it: ERROR, with the engine's message.
    clock += 6n * S;
    failNext = true;
    for (let i = 0; i < 3; i++) {
      const pr = p.process('image', makeImage(r).cdr);
      engine.complete(0);
      await pr;
    }
    d = diag();
    assert.equal(d.status[0].level, 2, d.status[0].message);
    assert.match(d.status[0].message, /engine failed all 3 frames .*fake engine: inference_failed/);
  });

  it('bad input alone is WARN, not ERROR (the engine is fine)', async () => {
    const p = pipeline(new FakeEngine());
    for (let i = 0; i < 5; i++) await p.process('image', new Uint8Array(3));
    const d = diagReader.readMessage<DiagMsg>(p.diagnosticsCdr({ sec: 0, nanosec: 0 }));
    assert.equal(d.status[0].level, 1);
  });
});

describe('pipeline: close', () => {
  it('answers frames queued at close with shutdown and refuses later input with a shutdown outcome', async () => {
    const engine = new FakeEngine({ manual: true });
    const p = pipeline(engine);
    const r = rng(21);
    const m = makeImage(r);
    const pending = p.process('image', m.cdr);
    await flush();
    await p.close();
    const o = await pending;
    assert.ok(!o.ok && o.error.code === 'shutdown');
    assert.deepEqual(o.header, m.header);
    assert.equal(engine.closed, true);
    const later = await p.process('image', m.cdr);
    assert.ok(!later.ok && later.error.code === 'shutdown');
    assert.deepEqual(later.header, m.header);
    await assert.rejects(p.swapEngine(new FakeEngine()), /shut down/);
  });
});
