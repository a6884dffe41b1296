import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { NativeEngine, nativeLiveThreads, simulatorExpectedLogits, type NativeEngineConfig } from '../../src/engine/native';
import type { EngineResult, Hypothesis } from '../../src/engine/types';
import type { RawFrame } from '../../src/image/types';
import { toNv12 } from '../../src/image/nv12';
import { configDir } from '../../src/paths';
import { bgrFrame, nv12Frame, PRE, until } from './native-helpers';

const CONV_SMALL = path.join(configDir, 'bpu_sim', 'mobilenetv4_conv_small.sim.json');

interface SimAccounting {
  live_tasks: number;
  live_mem_blocks: number;
  tasks_completed: number;
  stale_input_submits: number;
  uninvalidated_outputs: number;
  api_misuse: number;
  leaked_tasks_reported: number;
  leaked_mem_blocks_reported: number;
  max_live_tasks: number;
}

function accounting(engine: NativeEngine): SimAccounting {
  const d = engine.backendDiagnostics() as { simulator?: SimAccounting };
  assert.ok(d.simulator, 'the backend reports the simulator accounting');
  return d.simulator;
}

/** Softmax top-k of float logits in float64, the textbook way (independent of the native code). */
function topK(logits: Float32Array, k: number): Hypothesis[] {
  const max = Math.max(...logits);
  let sum = 0;
  for (const l of logits) sum += Math.exp(l - max);
  return [...logits.keys()]
    .sort((a, b) => logits[b] - logits[a] || a - b)
    .slice(0, k)
    .map((c) => ({ classIndex: c, score: Math.exp(logits[c] - max) / sum }));
}

function expectedTop(frame: RawFrame, model = CONV_SMALL, k = 5): Hypothesis[] {
  return topK(simulatorExpectedLogits(toNv12(frame, PRE), model), k);
}

function assertMatches(r: EngineResult, want: Hypothesis[], what: string): void {
  assert.ok(r.ok, `${what} failed: ${r.ok ? '' : r.error.message}`);
  assert.deepEqual(r.top.map((h) => h.classIndex), want.map((h) => h.classIndex), `${what}: classes`);
  r.top.forEach((h, i) => assert.ok(Math.abs(h.score - want[i].score) < 1e-5, `${what}: score ${i} ${h.score} vs ${want[i].score}`));
}

function config(over: Partial<NativeEngineConfig> = {}): NativeEngineConfig {
  return {
    backend: 'bpu-sim',
    modelPath: CONV_SMALL,
    modelName: 'conv_small',
    numThreads: 3,
    queueSize: 6,
    dropPolicy: 'block',
    topK: 5,
    preprocess: PRE,
    inferTimeoutMs: 1000,
    ...over,
  };
}

async function submitAll(engine: NativeEngine, frames: RawFrame[], count = frames.length): Promise<EngineResult[]> {
  const out: Promise<EngineResult>[] = [];
  for (let i = 0; i < count; i++) {
    await engine.ready();
    out.push(engine.submit(frames[i % frames.length]));
  }
  return Promise.all(out);
}

describe('[native] engine: worker pool on the BPU simulator', function () {
  this.timeout(120000);
  let tmp: string | undefined;
  after(() => {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('delivers the logits the simulator computed from each frame (shipped conv_small, 3 threads)', async () => {
    const frames = [
      nv12Frame(1280, 720, 1),
      bgrFrame(640, 480, 2, 8),
      nv12Frame(1280, 720, 3),
      bgrFrame(640, 480, 4),
      nv12Frame(640, 360, 5),
      bgrFrame(333, 250, 6, 1),
    ];
    const want = frames.map((f) => expectedTop(f));
    assert.ok(new Set(want.map((w) => w[0].classIndex)).size >= 4, 'precondition: the frames have distinct expected top-1');
    const engine = await NativeEngine.open(config());
    try {
      assert.deepEqual([engine.info.inputWidth, engine.info.inputHeight, engine.info.numClasses], [224, 224, 1000]);
      const results = await submitAll(engine, frames);
      results.forEach((r, i) => assertMatches(r, want[i], `frame ${i}`));
    } finally {
      await engine.close();
    }
  });

  it('10,000 frames on 4 threads: every result right, and the simulator accounting back at zero', async () => {
    const ring = Array.from({ length: 8 }, (_, i) => nv12Frame(320, 240, 1000 + i));
    const want = ring.map((f) => expectedTop(f, CONV_SMALL, 1)[0].classIndex);
    const engine = await NativeEngine.open(config({ numThreads: 4, queueSize: 8, topK: 1 }));
    let closed = false;
    try {
      const before = accounting(engine).tasks_completed;
      const results = await submitAll(engine, ring, 10_000);
      const wrong = results.filter((r, i) => !r.ok || r.top[0].classIndex !== want[i % ring.length]);
      assert.equal(wrong.length, 0, `${wrong.length} wrong results, first: ${JSON.stringify(wrong[0])}`);
      const open = accounting(engine);
      assert.equal(open.tasks_completed - before, 10_000);
      assert.equal(open.live_tasks, 0, 'every task released');
      assert.ok(open.max_live_tasks <= 32);
      assert.equal(open.live_mem_blocks, 16, 'one input and one output per session, two sessions per worker, allocated once');
      await engine.close();
      closed = true;
      const done = accounting(engine);
      assert.equal(nativeLiveThreads(), 0);
      for (const key of ['live_tasks', 'live_mem_blocks', 'stale_input_submits', 'uninvalidated_outputs', 'api_misuse',
        'leaked_tasks_reported', 'leaked_mem_blocks_reported'] as const) {
        assert.equal(done[key], 0, key);
      }
    } finally {
      if (!closed) await engine.close();
    }
  });

  it('close() under load answers every frame, joins the workers and leaves the simulator clean', async function () {
    this.timeout(10000); // hang detection only
    const engine = await NativeEngine.open(config({ numThreads: 4, queueSize: 8, dropPolicy: 'drop_oldest' }));
    const frames = Array.from({ length: 4 }, (_, i) => nv12Frame(1280, 720, 3000 + i));
    const pending = Array.from({ length: 200 }, (_, i) => engine.submit(frames[i % 4]));
    const waiter = engine.ready(); // the queue is full: this waits, and close must release it
    await engine.close();
    await waiter;
    const results = await Promise.all(pending);
    const codes = new Set(results.map((r) => (r.ok ? 'ok' : r.error.code)));
    assert.ok([...codes].every((c) => c === 'ok' || c === 'dropped' || c === 'shutdown'), [...codes].join());
    assert.ok(codes.has('shutdown') && codes.has('dropped'));
    assert.equal(nativeLiveThreads(), 0);
    const acc = accounting(engine);
    assert.equal(acc.live_tasks, 0);
    assert.equal(acc.live_mem_blocks, 0);
  });

  it('a worker whose session cannot be allocated leaves the others serving', async () => {
    tmp ??= fs.mkdtempSync(path.join(os.tmpdir(), 'mnv4-pool-sim-'));
    const model = JSON.parse(fs.readFileSync(CONV_SMALL, 'utf8')) as Record<string, unknown>;
    // Two workers of two sessions take allocations 1-8 (input and output each); the third worker's
    // first session takes 9-10 and its second session's input (11) fails.
    model.faults = [{ kind: 'alloc', nth: 11, count: 1 }];
    const file = path.join(tmp, 'alloc-fault.sim.json');
    fs.writeFileSync(file, JSON.stringify(model));
    const frames = Array.from({ length: 6 }, (_, i) => nv12Frame(320, 240, 4000 + i));
    const engine = await NativeEngine.open(config({ modelPath: file, numThreads: 2 }));
    try {
      engine.update({ numThreads: 3 });
      await until(() => engine.workerError() !== '', 'the third worker to fail');
      assert.match(engine.workerError(), /^worker could not start: .*cannot allocate the input tensor.*OUT_OF_MEMORY/);
      const results = await submitAll(engine, frames);
      results.forEach((r, i) => assertMatches(r, expectedTop(frames[i], file), `frame ${i}`));
      await until(() => engine.threads() === 2, 'the failed worker retired');
      assert.equal(accounting(engine).live_mem_blocks, 8, 'the failed worker freed what it had');
    } finally {
      await engine.close();
    }
  });

  it('a runtime error or a timeout fails only its frame, with the runtime\'s reason', async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mnv4-pool-sim-'));
    const model = JSON.parse(fs.readFileSync(CONV_SMALL, 'utf8')) as Record<string, unknown>;
    // hbDNNInfer calls 2 and 4 after load: a task that completes with HB_DNN_RUN_TASK_FAILED, and one
    // that occupies the core 400 ms longer than a 150 ms wait allows.
    model.faults = [
      { kind: 'wait', nth: 2, code: -6000012, count: 1 },
      { kind: 'timeout', nth: 4, extra_ms: 400, count: 1 },
    ];
    const file = path.join(tmp, 'faulty.sim.json');
    fs.writeFileSync(file, JSON.stringify(model));
    const frames = Array.from({ length: 7 }, (_, i) => nv12Frame(320, 240, 2000 + i));
    const want = frames.map((f) => expectedTop(f, file));
    const engine = await NativeEngine.open(config({ modelPath: file, numThreads: 1, inferTimeoutMs: 150 }));
    try {
      const results: EngineResult[] = [];
      for (const f of frames) results.push(await engine.submit(f)); // one at a time: call n is frame n
      const failed = results[1];
      assert.ok(!failed.ok && failed.error.code === 'inference_failed' && /RUN_TASK_FAILED/.test(failed.error.message), JSON.stringify(failed));
      const late = results[3];
      assert.ok(!late.ok && late.error.code === 'timeout' && /150 ms/.test(late.error.message), JSON.stringify(late));
      for (const i of [0, 2, 4, 5, 6]) assertMatches(results[i], want[i], `frame ${i}`);
      const open = accounting(engine);
      assert.equal(open.live_tasks, 0, 'the timed-out task was released');
      // Its cancellation runs in the background, so the session moved to fresh buffers: 2 sessions
      // x (input + output), plus the timed-out task's pair kept aside until the session ends.
      assert.equal(open.live_mem_blocks, 6);
      await engine.close();
      assert.equal(accounting(engine).live_mem_blocks, 0, 'the kept-aside buffers are freed with the session');
    } finally {
      await engine.close();
    }
  });
  it('a failed hbDNNInfer of a frame converted while its predecessor ran fails only that frame', async () => {
    tmp ??= fs.mkdtempSync(path.join(os.tmpdir(), 'mnv4-pool-sim-'));
    const model = JSON.parse(fs.readFileSync(CONV_SMALL, 'utf8')) as Record<string, unknown>;
    // One worker, frames submitted at once: call n is frame n; the slow frames keep the next ones
    // queued, so frame 2 is converted into the second session while frame 1 runs.
    model.timing = { core_ms: 20, submit_overhead_ms: 0.2, complete_overhead_ms: 0.2 };
    model.faults = [{ kind: 'infer', nth: 3, code: -6000013, count: 1 }];
    const file = path.join(tmp, 'infer-fault.sim.json');
    fs.writeFileSync(file, JSON.stringify(model));
    const frames = Array.from({ length: 6 }, (_, i) => nv12Frame(320, 240, 5000 + i));
    const want = frames.map((f) => expectedTop(f, file));
    const engine = await NativeEngine.open(config({ modelPath: file, numThreads: 1, queueSize: 8 }));
    try {
      const results = await Promise.all(frames.map((f) => engine.submit(f)));
      const failed = results[2];
      assert.ok(!failed.ok && failed.error.code === 'inference_failed' && /hbDNNInfer failed: \[bpu_sim\] HB_DNN_MODEL_IS_RUNNING/.test(failed.error.message), JSON.stringify(failed));
      for (const i of [0, 1, 3, 4, 5]) assertMatches(results[i], want[i], `frame ${i}`);
      const acc = accounting(engine);
      assert.equal(acc.live_tasks, 0);
      assert.equal(acc.max_live_tasks, 1, 'a worker waits for its task before submitting the next');
      for (const key of ['stale_input_submits', 'uninvalidated_outputs', 'api_misuse'] as const) assert.equal(acc[key], 0, key);
    } finally {
      await engine.close();
    }
    assert.equal(accounting(engine).live_mem_blocks, 0);
  });
});
