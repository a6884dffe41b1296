// CpuEngine behaviour: worker threads, queue policies, seq numbers, timings, live updates, close,
// bad frames and bad models. Uses the real photos and the reference MobileNetV2 (real classes, so a
// result can be checked against the frame it belongs to).
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ModelError } from '../../src/errors';
import { CpuEngine, type CpuEngineConfig } from '../../src/engine/cpu/engine';
import { openEngine } from '../../src/engine/index';
import { resolveModel } from '../../src/engine/registry';
import type { EngineResult } from '../../src/engine/types';
import sharp from 'sharp';
import type { RawFrame } from '../../src/image/types';

const images = path.join(__dirname, '..', 'fixtures', 'images');

async function readImageFile(file: string): Promise<RawFrame> {
  const { data, info } = await sharp(file).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, encoding: 'rgb8', step: info.width * 3, data: new Uint8Array(data) };
}

function config(over: Partial<CpuEngineConfig> = {}): CpuEngineConfig {
  const m = resolveModel('reference-mobilenetv2', 'cpu');
  return {
    modelPath: m.modelPath,
    modelName: m.name,
    contract: m.contract!,
    numThreads: 1,
    queueSize: 4,
    dropPolicy: 'block',
    topK: 5,
    inferTimeoutMs: 0,
    preprocess: { width: 224, height: 224, resizeMode: 'center_crop', filter: 'area', cropRatio: 1 },
    ...over,
  };
}

/** A fresh copy each call, so a test never depends on what an earlier submit did to a frame. */
function copyOf(f: RawFrame): RawFrame {
  return { ...f, data: new Uint8Array(f.data) };
}

const top1 = (r: EngineResult) => {
  assert.ok(r.ok, r.ok ? '' : `${r.error.code}: ${r.error.message}`);
  return r.top[0].classIndex;
};

describe('CPU engine (worker threads)', function () {
  this.timeout(60000);
  let cat: RawFrame, parrot: RawFrame, orange: RawFrame;
  before(async () => {
    cat = await readImageFile(path.join(images, 'cat.png'));
    parrot = await readImageFile(path.join(images, 'parrot.jpg'));
    orange = await readImageFile(path.join(images, 'orange.jpg'));
  });

  describe('with two workers', () => {
    let engine: CpuEngine;
    before(async () => (engine = await CpuEngine.open(config({ numThreads: 2 }))));
    after(() => engine.close());

    it('gives every frame its own result, seq numbers and stage timings', async () => {
      const frames = [cat, parrot, orange, cat, parrot, orange];
      const want = [285, 88, 950, 285, 88, 950];
      const results = await Promise.all(frames.map((f) => engine.submit(copyOf(f))));
      assert.deepEqual(results.map(top1), want);
      const seqs = results.map((r) => r.seq);
      for (let i = 1; i < seqs.length; i++) assert.equal(seqs[i], seqs[i - 1] + 1);
      for (const r of results) {
        assert.ok(r.ok);
        assert.equal(r.top.length, 5);
        for (let i = 1; i < 5; i++) assert.ok(r.top[i - 1].score >= r.top[i].score);
        const t = r.timings;
        assert.ok(t.queueMs >= 0 && t.preprocessMs > 0 && t.inferenceMs > 0 && t.postprocessMs >= 0, JSON.stringify(t));
      }
      const s = engine.stats();
      assert.equal(s.completed, 6);
      assert.equal(s.queueDepth, 0);
      assert.equal(s.inFlight, 0);
      assert.equal(engine.workerCount(), 2);
    });

    it('copies frames by default, leaving the caller\'s bytes intact (read in place, as the contract says)', async () => {
      const before = engine.transferStats();
      const owned = copyOf(cat);
      const backing = new Uint8Array(parrot.data.length + 64);
      backing.set(parrot.data, 64);
      const view = { ...parrot, data: backing.subarray(64) };
      assert.deepEqual((await Promise.all([engine.submit(owned), engine.submit(view)])).map(top1), [285, 88]);
      const after = engine.transferStats();
      assert.equal(after.transferred - before.transferred, 0);
      assert.equal(after.copied - before.copied, 2);
      assert.ok(Buffer.from(owned.data).equals(Buffer.from(cat.data)), 'an owned buffer is copied, not moved');
      assert.ok(Buffer.from(view.data).equals(Buffer.from(parrot.data)), 'a view is copied, not moved');
    });

    it('with transferOwnedBuffers, moves a buffer the frame owns and still copies a view', async () => {
      const e = await CpuEngine.open(config({ numThreads: 1, transferOwnedBuffers: true }));
      try {
        const owned = copyOf(cat);
        const backing = new Uint8Array(parrot.data.length + 64);
        backing.set(parrot.data, 64);
        const view = { ...parrot, data: backing.subarray(64) };
        assert.deepEqual((await Promise.all([e.submit(owned), e.submit(view)])).map(top1), [285, 88]);
        const t = e.transferStats();
        assert.equal(t.transferred, 1);
        assert.equal(t.copied, 1);
        assert.equal(owned.data.byteLength, 0, 'an owned buffer is moved to the worker');
        assert.ok(Buffer.from(view.data).equals(Buffer.from(parrot.data)), 'a view is copied, not moved');
      } finally {
        await e.close();
      }
    });

    it('refuses a bad frame at submit without dropping a queued good one (drop_oldest)', async () => {
      const e = await CpuEngine.open(config({ queueSize: 1, dropPolicy: 'drop_oldest' }));
      try {
        const first = e.submit(copyOf(cat)); // to the worker
        const second = e.submit(copyOf(parrot)); // waits in the queue
        const bad = await e.submit({ width: 3, height: 2, encoding: 'nv12', step: 3, data: new Uint8Array(9) });
        assert.ok(!bad.ok && bad.error.code === 'odd_size', !bad.ok ? bad.error.message : '');
        assert.deepEqual((await Promise.all([first, second])).map(top1), [285, 88]);
      } finally {
        await e.close();
      }
    });

    it('fails a bad frame with a FrameError and goes on with the next', async () => {
      const bad = await engine.submit({ width: 64, height: 64, encoding: 'rgb8', step: 192, data: new Uint8Array(100) });
      assert.equal(bad.ok, false);
      assert.ok(!bad.ok && bad.error.code === 'short_data', !bad.ok ? bad.error.message : '');
      const unknown = await engine.submit({ width: 64, height: 64, encoding: 'hsv', step: 192, data: new Uint8Array(192 * 64) });
      assert.ok(!unknown.ok && unknown.error.code === 'unknown_encoding');
      assert.equal(top1(await engine.submit(copyOf(orange))), 950);
    });

    it('applies topK and numThreads changes live', async () => {
      engine.update({ topK: 2 });
      const r = await engine.submit(copyOf(cat));
      assert.ok(r.ok && r.top.length === 2);
      engine.update({ numThreads: 1 });
      assert.equal(engine.workerCount(), 1);
      const more = await Promise.all([cat, parrot].map((f) => engine.submit(copyOf(f))));
      assert.deepEqual(more.map(top1), [285, 88]);
      engine.update({ numThreads: 3 });
      assert.equal(engine.workerCount(), 3);
      const again = await Promise.all([cat, parrot, orange].map((f) => engine.submit(copyOf(f))));
      assert.deepEqual(again.map(top1), [285, 88, 950]);
      assert.throws(() => engine.update({ numThreads: 9 }), /numThreads must be an integer 1\.\.8/);
      engine.update({ topK: 5, numThreads: 2 });
    });
  });

  describe('queue policies (one worker, queue of 1)', () => {
    it('drop_newest refuses new frames while the queue is full', async () => {
      const engine = await CpuEngine.open(config({ queueSize: 1, dropPolicy: 'drop_newest' }));
      try {
        // frame 1 goes straight to the worker, frame 2 waits, 3..5 find the queue full
        const ps = [cat, parrot, orange, cat, parrot].map((f) => engine.submit(copyOf(f)));
        const rs = await Promise.all(ps);
        assert.deepEqual(rs.map((r) => (r.ok ? r.top[0].classIndex : r.error.code)), [285, 88, 'dropped', 'dropped', 'dropped']);
        assert.equal(engine.stats().dropped, 3);
      } finally {
        await engine.close();
      }
    });

    it('drop_oldest discards the waiting frame for the newest', async () => {
      const engine = await CpuEngine.open(config({ queueSize: 1, dropPolicy: 'drop_oldest' }));
      try {
        const ps = [cat, parrot, cat, cat, orange].map((f) => engine.submit(copyOf(f)));
        const rs = await Promise.all(ps);
        assert.deepEqual(rs.map((r) => (r.ok ? r.top[0].classIndex : r.error.code)), [285, 'dropped', 'dropped', 'dropped', 950]);
      } finally {
        await engine.close();
      }
    });

    it('block never drops and holds ready() while the queue is full', async () => {
      const engine = await CpuEngine.open(config({ queueSize: 1, dropPolicy: 'block' }));
      try {
        const ps: Array<Promise<EngineResult>> = [];
        let waited = 0;
        for (const f of [cat, parrot, orange, cat, parrot, orange]) {
          let resolved = false;
          const r = engine.ready().then(() => (resolved = true));
          await Promise.resolve();
          if (!resolved) waited++;
          await r;
          ps.push(engine.submit(copyOf(f)));
        }
        const rs = await Promise.all(ps);
        assert.deepEqual(rs.map(top1), [285, 88, 950, 285, 88, 950]);
        assert.ok(waited >= 3, `ready() made the caller wait ${waited} times`);
        assert.equal(engine.stats().dropped, 0);
      } finally {
        await engine.close();
      }
    });

    it('close() lets the frames in the worker finish, resolves queued ones as shutdown, refuses new ones', async () => {
      const engine = await CpuEngine.open(config({ queueSize: 3, dropPolicy: 'block' }));
      // under block a worker holds two frames (one running, one next); the rest wait in the queue
      const ps = [cat, parrot, orange, cat].map((f) => engine.submit(copyOf(f)));
      assert.deepEqual({ ...engine.stats(), submitted: 0 }, { submitted: 0, completed: 0, failed: 0, dropped: 0, queueDepth: 2, inFlight: 2 });
      await engine.close();
      const rs = await Promise.all(ps);
      assert.deepEqual(rs.map((r) => (r.ok ? r.top[0].classIndex : r.error.code)), [285, 88, 'shutdown', 'shutdown']);
      const late = await engine.submit(copyOf(cat));
      assert.ok(!late.ok && late.error.code === 'shutdown');
      assert.equal(engine.workerCount(), 0);
    });
  });

  it('fails the frames of a worker that dies and replaces the worker', async () => {
    const engine = await CpuEngine.open(config({ queueSize: 2, dropPolicy: 'block' }));
    try {
      // A crash of the thread while it holds frames: a message its handler cannot read throws an
      // uncaught exception there before the frames behind it are read. (Not terminate():
      // stopping a thread inside onnxruntime-node's run() aborts the whole process, see
      // CpuEngine.close.) The engine learns of the death only from the exit event, after it has
      // handed both frames to the dying worker (the block policy keeps two in a worker).
      const slots = (engine as unknown as { slots: Set<{ worker: import('worker_threads').Worker }> }).slots;
      assert.equal(slots.size, 1);
      for (const s of slots) s.worker.postMessage(null);
      const rs = await Promise.all([cat, parrot].map((f) => engine.submit(copyOf(f))));
      for (const r of rs) assert.ok(!r.ok && r.error.code === 'inference_failed' && /the CPU worker stopped/.test(r.error.message), JSON.stringify(r));
      assert.equal(top1(await engine.submit(copyOf(orange))), 950);
      assert.equal(engine.workerCount(), 1);
    } finally {
      await engine.close();
    }
  });

  it('fails a frame that outlives inferTimeoutMs as timed out, replaces its worker, and still closes', async () => {
    // 1 ms is shorter than any run of this model, so every frame here times out: the test is about
    // what happens then, not about speed. The abandoned workers finish their run, close and exit.
    const engine = await CpuEngine.open(config({ numThreads: 1, queueSize: 4, dropPolicy: 'block', inferTimeoutMs: 1 }));
    try {
      const rs = await Promise.all([cat, parrot, orange].map((f) => engine.submit(copyOf(f))));
      for (const r of rs) assert.ok(!r.ok && r.error.code === 'timeout' && /infer_timeout_ms \(1 ms\)/.test(r.error.message), JSON.stringify(r));
      assert.equal(engine.workerCount(), 1, 'a replacement serves; hung workers are not counted');
      const s = engine.stats();
      assert.equal(s.failed, 3);
      assert.equal(s.queueDepth, 0);
    } finally {
      await engine.close();
    }
    assert.equal(engine.workerCount(), 0);
  });

  describe('bad models at open', () => {
    let tmp: string;
    before(() => (tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mnv4-eng-'))));
    after(() => fs.rmSync(tmp, { recursive: true, force: true }));

    it('a file that is not ONNX rejects open() with a ModelError and leaves no worker', async () => {
      const f = path.join(tmp, 'broken.onnx');
      fs.writeFileSync(f, Buffer.alloc(1000, 7));
      await assert.rejects(CpuEngine.open(config({ modelPath: f, numThreads: 2 })), (e: Error) => e instanceof ModelError && /broken\.onnx is not a loadable ONNX model/.test(e.message));
    });

    it('openEngine says what to do when conv_small has no ONNX export here', async () => {
      await assert.rejects(
        openEngine({ model: 'conv_small', backend: 'cpu', env: { MNV4_MODEL_DIR: tmp }, options: config() }),
        (e: Error) => e instanceof ModelError && /not found/.test(e.message) && /onnx_export\.py/.test(e.message) && /reference-mobilenetv2/.test(e.message),
      );
    });

    it('refuses bad engine options before starting workers', async () => {
      await assert.rejects(CpuEngine.open(config({ numThreads: 0 })), /numThreads must be an integer 1\.\.8, got 0/);
      await assert.rejects(CpuEngine.open(config({ queueSize: 0 })), /queueSize/);
      await assert.rejects(CpuEngine.open(config({ dropPolicy: 'lifo' as never })), /dropPolicy must be one of/);
    });
  });
});
