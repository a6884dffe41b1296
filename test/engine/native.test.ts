import { strict as assert } from 'assert';
import * as path from 'path';
import { performance } from 'perf_hooks';
import { Worker } from 'worker_threads';
import { NativeEngine, nativeLiveThreads, type NativeEngineConfig } from '../../src/engine/native';
import type { EngineResult } from '../../src/engine/types';
import type { RawFrame } from '../../src/image/types';
import { toNv12 } from '../../src/image/nv12';
import { bgrFrame, greyFrame, nv12Frame, PRE, syntheticTopK, fnv1a, until } from './native-helpers';

function config(over: Partial<NativeEngineConfig> = {}): NativeEngineConfig {
  return {
    backend: 'synthetic',
    modelPath: '',
    modelName: 'synthetic',
    numThreads: 2,
    queueSize: 4,
    dropPolicy: 'block',
    topK: 5,
    preprocess: PRE,
    inferTimeoutMs: 1000,
    ...over,
  };
}

function expected(frame: RawFrame, k = 5) {
  return syntheticTopK(toNv12(frame, PRE), 1000, k);
}

function assertTop(result: EngineResult, frame: RawFrame, k = 5): void {
  assert.ok(result.ok, `frame ${result.seq} failed: ${result.ok ? '' : result.error.message}`);
  const want = expected(frame, k);
  assert.deepEqual(result.top.map((h) => h.classIndex), want.map((h) => h.classIndex), `classes of frame ${result.seq}`);
  result.top.forEach((h, i) => assert.ok(Math.abs(h.score - want[i].score) < 1e-6, `score ${i} of frame ${result.seq}`));
}

/** Submits every frame, waiting on ready() before each (what a replay does). */
async function submitAll(engine: NativeEngine, frames: RawFrame[]): Promise<EngineResult[]> {
  const out: Promise<EngineResult>[] = [];
  for (const f of frames) {
    await engine.ready();
    out.push(engine.submit(f));
  }
  return Promise.all(out);
}

describe('[native] engine: worker pool', function () {
  this.timeout(20000);
  const open: NativeEngine[] = [];
  async function openEngine(over: Partial<NativeEngineConfig> = {}): Promise<NativeEngine> {
    const e = await NativeEngine.open(config(over));
    open.push(e);
    return e;
  }
  afterEach(async () => {
    await Promise.all(open.splice(0).map((e) => e.close()));
    assert.equal(nativeLiveThreads(), 0, 'worker threads left after close');
  });

  it('gives each frame its own result, through the real converter, on several threads', async () => {
    const engine = await openEngine({ numThreads: 3, queueSize: 8, syntheticLatencyMs: 1 });
    const frames = Array.from({ length: 24 }, (_, i) => (i % 2 ? bgrFrame(640, 480, i + 1, 5) : nv12Frame(320, 240, i + 1)));
    const tops = new Set(frames.map((f) => expected(f, 1)[0].classIndex));
    assert.ok(tops.size >= 20, 'precondition: the frames have mostly distinct expected top-1');
    const results = await submitAll(engine, frames);
    results.forEach((r, i) => {
      assert.equal(r.seq, results[0].seq + i);
      assertTop(r, frames[i]);
      assert.ok(r.ok && r.timings.queueMs >= 0 && r.timings.preprocessMs > 0 && r.timings.inferenceMs > 0 && r.timings.postprocessMs >= 0);
    });
    assert.deepEqual(engine.stats(), { submitted: 24, completed: 24, failed: 0, dropped: 0, queueDepth: 0, inFlight: 0 });
  });

  it('reuses its job slots: their number does not grow with the number of frames', async () => {
    const engine = await openEngine({ numThreads: 2, queueSize: 4 });
    const ring = Array.from({ length: 4 }, (_, i) => nv12Frame(224, 224, 600 + i));
    const feed = (n: number) => submitAll(engine, Array.from({ length: n }, (_, i) => ring[i % 4]));
    // ready() admits a frame only while fewer than queueSize + numThreads are unanswered.
    const bound = 4 + 2;
    await feed(100);
    assert.ok(engine.jobSlots() >= 2 && engine.jobSlots() <= bound, `${engine.jobSlots()} slots after 100 frames`);
    await feed(1000);
    assert.ok(engine.jobSlots() <= bound, `${engine.jobSlots()} slots after 1100 frames`);
  });

  it('drop_newest refuses frames once the queue is full and keeps the oldest', async () => {
    const engine = await openEngine({ numThreads: 1, queueSize: 3, dropPolicy: 'drop_newest', syntheticLatencyMs: 40 });
    const frames = Array.from({ length: 12 }, (_, i) => nv12Frame(224, 224, 100 + i));
    const results = await Promise.all(frames.map((f) => engine.submit(f)));
    const ok = results.filter((r) => r.ok).map((r) => r.seq - results[0].seq);
    // The worker may take a frame at any point of the loop, and a second one to prepare while the
    // first is in inference, each making room for a later frame: so 3 to 5 survive, and the first
    // three always do.
    assert.ok(ok.length >= 3 && ok.length <= 5, `kept ${ok.length}`);
    assert.deepEqual(ok.slice(0, 3), [0, 1, 2], 'the first frames are kept');
    for (const r of results) {
      if (r.ok) assertTop(r, frames[r.seq - results[0].seq]);
      else assert.equal(r.error.code, 'dropped');
    }
    const s = engine.stats();
    assert.equal(s.dropped, 12 - ok.length);
    assert.equal(s.completed, ok.length);
  });

  it('drop_oldest evicts the oldest waiting frame and keeps the newest', async () => {
    const engine = await openEngine({ numThreads: 1, queueSize: 3, dropPolicy: 'drop_oldest', syntheticLatencyMs: 40 });
    const frames = Array.from({ length: 12 }, (_, i) => nv12Frame(224, 224, 200 + i));
    const results = await Promise.all(frames.map((f) => engine.submit(f)));
    const ok = results.filter((r) => r.ok).map((r) => r.seq - results[0].seq);
    assert.ok(ok.length >= 3 && ok.length <= 5, `kept ${ok.length}`);
    assert.deepEqual(ok.slice(-3), [9, 10, 11], 'the newest three survive');
    // The other possible survivors are the (up to two) frames the worker took out of the queue.
    for (const r of results) {
      if (r.ok) assertTop(r, frames[r.seq - results[0].seq]);
      else assert.equal(r.error.code, 'dropped');
    }
    assert.equal(engine.stats().dropped, 12 - ok.length);
  });

  it('block loses nothing: ready() holds the producer back, and even an ignoring producer is not dropped', async () => {
    const engine = await openEngine({ numThreads: 1, queueSize: 2, dropPolicy: 'block', syntheticLatencyMs: 3 });
    const frames = Array.from({ length: 20 }, (_, i) => nv12Frame(224, 224, 300 + i));
    const pending: Promise<EngineResult>[] = [];
    let maxDepth = 0;
    let waited = 0;
    for (const f of frames) {
      const before = Date.now();
      await engine.ready();
      if (Date.now() > before) waited++;
      pending.push(engine.submit(f));
      maxDepth = Math.max(maxDepth, engine.stats().queueDepth);
    }
    assert.ok(maxDepth <= 2, `queue depth reached ${maxDepth}`);
    assert.ok(waited > 0, 'ready() never held the producer back');
    const results = await Promise.all(pending);
    results.forEach((r, i) => assertTop(r, frames[i]));

    const burst = await Promise.all(frames.map((f) => engine.submit(f)));
    assert.equal(burst.filter((r) => r.ok).length, 20);
    assert.equal(engine.stats().dropped, 0);
  });

  it('tolerates out-of-order completion: a fast frame overtakes a slow one', async () => {
    const engine = await openEngine({ numThreads: 2, syntheticLatencyMs: 150, synthetic: { latencyByLuma: true } });
    const bright = greyFrame(320, 240, 255); // Y 235: 150 * 235/128 ms
    const dark = greyFrame(320, 240, 0); // Y 16: 150 * 16/128 ms
    const order: number[] = [];
    const pBright = engine.submit(bright).then((r) => (order.push(r.seq), r));
    const pDark = engine.submit(dark).then((r) => (order.push(r.seq), r));
    const [rb, rd] = await Promise.all([pBright, pDark]);
    assert.deepEqual(order, [rd.seq, rb.seq], 'the dark frame finished first');
    assertTop(rb, bright);
    assertTop(rd, dark);
  });

  it('a backend failure fails only its frame; the next frames succeed', async () => {
    const poison = nv12Frame(320, 240, 999);
    const engine = await openEngine({ numThreads: 2, synthetic: { failHashes: [fnv1a(toNv12(poison, PRE))] } });
    const frames = [nv12Frame(320, 240, 1), poison, nv12Frame(320, 240, 2), poison, nv12Frame(320, 240, 3)];
    const results = await submitAll(engine, frames);
    for (const i of [1, 3]) {
      const r = results[i];
      assert.ok(!r.ok && r.error.code === 'inference_failed' && /injected fault/.test(r.error.message), `frame ${i}`);
    }
    for (const i of [0, 2, 4]) assertTop(results[i], frames[i]);
    const s = engine.stats();
    assert.equal(s.failed, 2);
    assert.equal(s.completed, 3);
  });

  it('a failed submit of a frame prepared while its predecessor runs fails only that frame', async () => {
    const poison = nv12Frame(320, 240, 998);
    const engine = await openEngine({
      numThreads: 1,
      queueSize: 8,
      syntheticLatencyMs: 30,
      synthetic: { failSubmitHashes: [fnv1a(toNv12(poison, PRE))] },
    });
    // All in one go: once the worker has frame 1 in inference, the poison (and later frames) wait
    // in the queue, so the worker converts the poison into its second session meanwhile.
    const frames = [nv12Frame(320, 240, 21), nv12Frame(320, 240, 22), poison, nv12Frame(320, 240, 23), nv12Frame(320, 240, 24)];
    const t0 = performance.now();
    const resolvedAt: number[] = [];
    const results = await Promise.all(frames.map((f, i) => engine.submit(f).then((r) => ((resolvedAt[i] = performance.now()), r))));
    const failed = results[2];
    assert.ok(!failed.ok && failed.error.code === 'inference_failed' && /injected submit fault/.test(failed.error.message), JSON.stringify(failed));
    for (const i of [0, 1, 3, 4]) assertTop(results[i], frames[i]);
    const t = failed.timings;
    assert.ok(t?.queueMs !== undefined && t.preprocessMs !== undefined);
    // The poison was converted while frame 1 was in inference (all frames entered at t0), not after
    // its result: at least half a task (15 of 30 ms) before that result reached JS.
    assert.ok(t0 + t.queueMs + t.preprocessMs < resolvedAt[1] - 15, 'prepared while frame 1 was in inference');
    const d = engine.backendDiagnostics() as { runs: number; inFlight: number; faults: number };
    assert.deepEqual([d.runs, d.inFlight, d.faults], [5, 0, 1]);
    const s = engine.stats();
    assert.deepEqual([s.completed, s.failed, s.inFlight], [4, 1, 0]);
  });

  it('computes a stable softmax: an offset of 1000 on every logit changes no probability', async () => {
    const engine = await openEngine({ synthetic: { logitOffset: 1000 } });
    const frames = [nv12Frame(224, 224, 11), bgrFrame(300, 200, 12)];
    const results = await submitAll(engine, frames);
    results.forEach((r, i) => assertTop(r, frames[i]));
  });

  it('refuses a bad frame with a FrameError and keeps its neighbours', async () => {
    const engine = await openEngine();
    const good = nv12Frame(224, 224, 7);
    const bad: RawFrame[] = [
      { ...good, encoding: 'rgb16' },
      { ...good, data: good.data.subarray(0, 1000) },
      { ...good, step: 100 },
      { ...good, width: 223 },
      { ...good, width: 0 },
    ];
    const results = await Promise.all([good, ...bad, good].map((f) => engine.submit(f)));
    assertTop(results[0], good);
    assertTop(results[6], good);
    assert.deepEqual(
      results.slice(1, 6).map((r) => (r.ok ? 'ok' : r.error.code)),
      ['unknown_encoding', 'short_data', 'bad_step', 'odd_size', 'zero_size'],
    );
  });

  it('changes numThreads and topK live', async () => {
    const engine = await openEngine({ numThreads: 1, queueSize: 16, syntheticLatencyMs: 60 });
    await until(() => nativeLiveThreads() === 1, 'one worker');
    engine.update({ numThreads: 4 });
    assert.equal(engine.threads(), 4);
    await until(() => nativeLiveThreads() === 4, 'four workers');
    const frames = Array.from({ length: 8 }, (_, i) => nv12Frame(224, 224, 400 + i));
    const pending = frames.map((f) => engine.submit(f));
    await until(() => engine.stats().inFlight >= 4, 'four frames inside workers at once');
    engine.update({ numThreads: 2, topK: 2 });
    assert.equal(engine.threads(), 2);
    (await Promise.all(pending)).forEach((r, i) => assert.ok(r.ok, `frame ${i}`));
    await until(() => nativeLiveThreads() === 2, 'two workers after shrinking');
    assert.equal((engine.backendDiagnostics() as { liveSessions: number }).liveSessions, 4, 'retired workers freed their sessions (two per worker)');
    const after = await engine.submit(frames[0]);
    assertTop(after, frames[0], 2);
    assert.throws(() => engine.update({ numThreads: 9 }), /1\.\.8/);
    assert.throws(() => engine.update({ topK: 0 }), RangeError);
  });

  it('close() with frames in flight resolves every frame once, joins the workers and does not hang', async () => {
    const engine = await NativeEngine.open(config({ numThreads: 2, queueSize: 8, syntheticLatencyMs: 50 }));
    await until(() => nativeLiveThreads() === 2, 'two workers');
    const frames = Array.from({ length: 10 }, (_, i) => nv12Frame(224, 224, 500 + i));
    let settled = 0;
    const pending = frames.map((f) => engine.submit(f).then((r) => (settled++, r)));
    const diag = () => engine.backendDiagnostics() as { liveSessions: number; runs: number; inFlight: number };
    await until(() => diag().inFlight === 2, 'both workers with a frame in inference');
    assert.equal(diag().liveSessions, 4, 'two sessions per worker');
    await engine.close();
    assert.equal(diag().liveSessions, 0, 'sessions freed at close');
    assert.equal(diag().inFlight, 0, 'every submitted task waited for');
    assert.equal(nativeLiveThreads(), 0);
    const results = await Promise.all(pending);
    assert.equal(settled, 10);
    const ok = results.filter((r) => r.ok);
    // The frames in inference at close finish; a frame a worker had only converted (waiting for its
    // predecessor) is shut down like a waiting one, unless it reached the backend before close.
    assert.ok(ok.length >= 2, 'the two in-flight frames finish');
    assert.equal(ok.length, diag().runs, 'exactly the frames that reached the backend finish');
    ok.forEach((r) => assertTop(r, frames[r.seq - results[0].seq]));
    results.filter((r) => !r.ok).forEach((r) => assert.equal(!r.ok && r.error.code, 'shutdown'));
    const late = await engine.submit(frames[0]);
    assert.ok(!late.ok && late.error.code === 'shutdown');
    await engine.close(); // idempotent
  });

  it('settles every frame exactly once over many open/submit/resize/close cycles', async () => {
    // Races between a worker's last result, its exit and close() lost a frame (or the close) once
    // in a few hundred cycles before collect() took results after joining; this walks through
    // thread counts, queue sizes, policies and latencies.
    const frames = Array.from({ length: 4 }, (_, i) => nv12Frame(224, 224, 700 + i));
    for (let iter = 0; iter < 120; iter++) {
      const engine = await NativeEngine.open(config({
        numThreads: 1 + (iter % 4),
        queueSize: 1 + (iter % 5),
        dropPolicy: (['block', 'drop_oldest', 'drop_newest'] as const)[iter % 3],
        syntheticLatencyMs: iter % 4,
      }));
      const n = 5 + ((iter * 7) % 30);
      const settled = new Array<number>(n).fill(0);
      const pending: Promise<unknown>[] = [];
      for (let i = 0; i < n; i++) {
        if (i % 3 === 0) await engine.ready();
        pending.push(engine.submit(frames[i % 4]).then(() => settled[i]++));
      }
      if (iter % 5 === 0) engine.update({ numThreads: 1 + ((iter + 2) % 8) });
      if (iter % 2) await new Promise((r) => setTimeout(r, iter % 4));
      await engine.close();
      await Promise.all(pending);
      assert.deepEqual(settled, new Array<number>(n).fill(1), `cycle ${iter}`);
      const s = engine.stats();
      assert.equal(s.completed + s.failed + s.dropped, n, `cycle ${iter}: counts`);
      assert.equal(nativeLiveThreads(), 0, `cycle ${iter}: threads`);
    }
  });

  it('lets a closed engine be garbage-collected', async () => {
    require('v8').setFlagsFromString('--expose-gc');
    const gc = require('vm').runInNewContext('gc') as () => void;
    // In a function of its own, so that no suspended frame of this test still holds an engine.
    const useOnce = async (i: number): Promise<WeakRef<object>> => {
      const engine = await NativeEngine.open(config());
      assertTop(await engine.submit(nv12Frame(224, 224, 800 + i)), nv12Frame(224, 224, 800 + i));
      await engine.close();
      return new WeakRef(engine);
    };
    const refs = [await useOnce(0), await useOnce(1), await useOnce(2)];
    for (let round = 0; round < 10 && refs.some((r) => r.deref()); round++) {
      await new Promise((r) => setTimeout(r, 10)); // the result channel finalizes on a later loop turn
      gc();
    }
    assert.equal(refs.filter((r) => r.deref()).length, 0, 'closed engines still reachable');
  });

  it('stops and joins its workers when a worker thread ends without close()', async () => {
    const worker = new Worker(
      `require('ts-node/register/transpile-only'); require(${JSON.stringify(path.join(__dirname, 'native-teardown-worker.ts'))});`,
      { eval: true },
    );
    const report = new Promise<{ threads: number; inFlight: number }>((resolve) => worker.once('message', resolve));
    const exited = new Promise<number>((resolve) => worker.once('exit', resolve));
    const r = await report;
    assert.equal(r.threads, 3);
    assert.ok(r.inFlight > 0, 'frames were in flight');
    assert.equal(await exited, 0);
    assert.equal(nativeLiveThreads(), 0, 'worker threads left behind by the ended environment');
  });

  it('refuses options out of range and a pre-processing size that does not match the model', async () => {
    await assert.rejects(NativeEngine.open(config({ numThreads: 0 })), /numThreads/);
    await assert.rejects(NativeEngine.open(config({ queueSize: 0 })), /queueSize/);
    // The runtime's timeout is an int32 of ms: a larger value would wrap to "wait forever".
    await assert.rejects(NativeEngine.open(config({ inferTimeoutMs: 3e9 })), /inferTimeoutMs must be an integer from 0/);
    await assert.rejects(NativeEngine.open(config({ inferTimeoutMs: 1.5 })), /inferTimeoutMs must be an integer from 0/);
    await assert.rejects(NativeEngine.open(config({ preprocess: { ...PRE, width: 256 } })), /takes 224x224/);
    await assert.rejects(NativeEngine.open(config({ backend: 'bpu', libPath: '/nonexistent/libdnn.so', modelPath: '/x.bin' })), /cannot open bpu model/);
  });
});
