// `mnv4 bench cpu`: the CPU backend end to end (frame -> NV12 -> RGB -> contract -> ORT -> top-k, in
// its worker threads, through the queue) against bare onnxruntime-node on the same model with the
// same number of worker threads (one session each, intra-op 1, a preallocated input tensor, run()
// in a loop), in the same process and run, interleaved. Prints the wall-time ratio (the goal is
// <= 1.10) and the process CPU-time ratio, which holds up better on a busy machine.
import { parseArgs } from 'util';
import { Worker } from 'worker_threads';
import { openEngine } from '../src/engine/index';
import type { InputContract } from '../src/engine/registry';
import type { Engine, EngineResult } from '../src/engine/types';

const USAGE = `usage: mnv4 bench cpu [--model NAME|PATH] [--frames N] [--threads N] [--frame WxH] [--encoding E] [--rounds R] [--json]
  defaults: --model conv_small_synthetic --frames 200 --threads 1 --frame 640x480 --encoding rgb8 --rounds 3`;

// Bare ORT: each worker loads its own session and runs `count` inferences back to back.
const BARE_WORKER = `
const { parentPort, workerData } = require('worker_threads');
const ort = require(workerData.ortPath);
(async () => {
  const { modelPath, contract, width, height } = workerData;
  const s = await ort.InferenceSession.create(modelPath, { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all' });
  const n = width * height * 3;
  const data = contract.input.dtype === 'float32' ? new Float32Array(n).fill(0.1) : new Uint8Array(n).fill(100);
  const shape = contract.input.layout === 'nchw' ? [1, 3, height, width] : [1, height, width, 3];
  const feeds = { [contract.input.name]: new ort.Tensor(contract.input.dtype, data, shape) };
  parentPort.postMessage({ type: 'ready' });
  parentPort.on('message', async (m) => {
    if (m.type === 'close') { await s.release(); parentPort.close(); return; }
    for (let i = 0; i < m.count; i++) await s.run(feeds);
    parentPort.postMessage({ type: 'done' });
  });
})();`;

interface Bare {
  run(frames: number): Promise<number>;
  close(): Promise<void>;
}

async function openBare(modelPath: string, contract: InputContract, threads: number): Promise<Bare> {
  const workerData = { ortPath: require.resolve('onnxruntime-node'), modelPath, contract, width: 224, height: 224 };
  const workers = Array.from({ length: threads }, () => new Worker(BARE_WORKER, { eval: true, workerData }));
  const next = (w: Worker) => new Promise<void>((resolve, reject) => {
    w.once('message', () => resolve());
    w.once('error', reject);
  });
  await Promise.all(workers.map(next));
  return {
    async run(frames) {
      const t0 = performance.now();
      await Promise.all(workers.map((w, i) => {
        const p = next(w);
        w.postMessage({ type: 'run', count: Math.floor(frames / threads) + (i < frames % threads ? 1 : 0) });
        return p;
      }));
      return performance.now() - t0;
    },
    async close() {
      await Promise.all(workers.map((w) => new Promise<void>((r) => {
        w.once('exit', () => r());
        w.postMessage({ type: 'close' });
      })));
    },
  };
}

function makeFrame(width: number, height: number, encoding: string): { data: Uint8Array; step: number } {
  const bpp: Record<string, number> = { rgb8: 3, bgr8: 3, rgba8: 4, bgra8: 4, mono8: 1, yuyv: 2, uyvy: 2 };
  const size = encoding === 'nv12' || encoding === 'nv21' ? (width * height * 3) / 2 : width * height * (bpp[encoding] ?? 3);
  const data = new Uint8Array(size);
  for (let i = 0; i < size; i++) data[i] = (i * 31 + (i >> 10)) & 0xff;
  return { data, step: encoding === 'nv12' || encoding === 'nv21' ? width : width * (bpp[encoding] ?? 3) };
}

/** Submits `frames` frames with block back-pressure; returns the wall time in ms. */
async function runEngine(engine: Engine, frames: number, frame: { width: number; height: number; encoding: string; step: number; data: Uint8Array }): Promise<{ ms: number; results: EngineResult[] }> {
  // A view into a larger buffer, as frames from a ROS message are: the engine copies it once.
  const backing = new Uint8Array(frame.data.length + 16);
  backing.set(frame.data, 16);
  const view = backing.subarray(16);
  const t0 = performance.now();
  const pending: Array<Promise<EngineResult>> = [];
  for (let i = 0; i < frames; i++) {
    await engine.ready();
    pending.push(engine.submit({ ...frame, data: view }));
  }
  const results = await Promise.all(pending);
  return { ms: performance.now() - t0, results };
}

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

export async function run(argv: string[]): Promise<number> {
  let values;
  try {
    values = parseArgs({
      args: argv,
      options: {
        model: { type: 'string', default: 'conv_small_synthetic' },
        frames: { type: 'string', default: '200' },
        threads: { type: 'string', default: '1' },
        frame: { type: 'string', default: '640x480' },
        encoding: { type: 'string', default: 'rgb8' },
        rounds: { type: 'string', default: '3' },
        json: { type: 'boolean', default: false },
      },
    }).values;
  } catch (err) {
    console.error(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  const frames = Number(values.frames), threads = Number(values.threads), rounds = Number(values.rounds);
  const m = /^(\d+)x(\d+)$/.exec(values.frame as string);
  if (!m || !(frames > 0) || !(threads >= 1 && threads <= 8) || !(rounds >= 1)) {
    console.error(USAGE);
    return 2;
  }
  const width = Number(m[1]), height = Number(m[2]);
  const { engine, resolved } = await openEngine({
    model: values.model as string,
    backend: 'cpu',
    options: {
      numThreads: threads,
      queueSize: threads * 2,
      dropPolicy: 'block',
      topK: 5,
      inferTimeoutMs: 0,
      preprocess: { width: 224, height: 224, resizeMode: 'stretch', filter: 'area', cropRatio: 1 },
    },
  });
  const contract = resolved.model.contract as InputContract;
  const bare = await openBare(resolved.model.modelPath, contract, threads);
  const frame = { width, height, encoding: values.encoding as string, ...makeFrame(width, height, values.encoding as string) };
  try {
    // Warm-up of both, then interleaved rounds so that machine noise hits both alike.
    await bare.run(Math.min(20, frames));
    const warm = await runEngine(engine, Math.min(20, frames), frame);
    const bad = warm.results.find((r) => !r.ok);
    if (bad && !bad.ok) throw new Error(`the engine failed a frame: ${bad.error.message}`);
    const bareMs: number[] = [], engineMs: number[] = [];
    // Process CPU time (all threads) per phase: far less sensitive than wall time to other load on
    // the machine, and it counts the main thread's share of the engine's work too.
    const bareCpu: number[] = [], engineCpu: number[] = [];
    const cpuMs = () => {
      const u = process.cpuUsage();
      return (u.user + u.system) / 1000;
    };
    const stages = { queue: [] as number[], preprocess: [] as number[], inference: [] as number[], postprocess: [] as number[] };
    for (let r = 0; r < rounds; r++) {
      let c0 = cpuMs();
      bareMs.push(await bare.run(frames));
      bareCpu.push(cpuMs() - c0);
      c0 = cpuMs();
      const e = await runEngine(engine, frames, frame);
      engineCpu.push(cpuMs() - c0);
      engineMs.push(e.ms);
      for (const res of e.results) {
        if (!res.ok) continue;
        stages.queue.push(res.timings.queueMs);
        stages.preprocess.push(res.timings.preprocessMs);
        stages.inference.push(res.timings.inferenceMs);
        stages.postprocess.push(res.timings.postprocessMs);
      }
    }
    const b = median(bareMs), e = median(engineMs);
    // Each round pairs a bare run with an engine run back to back: the median of the per-round
    // ratios is less sensitive to load that drifts during the benchmark than the ratio of medians.
    const perRound = engineMs.map((x, i) => x / bareMs[i]);
    const cpuPerRound = engineCpu.map((x, i) => x / bareCpu[i]);
    const report = {
      model: resolved.model.name,
      threads,
      frames,
      rounds,
      frame: `${width}x${height} ${values.encoding}`,
      bare_ort_fps: Math.round((frames / b) * 1000 * 10) / 10,
      engine_fps: Math.round((frames / e) * 1000 * 10) / 10,
      ratio: Math.round(median(perRound) * 1000) / 1000,
      ratio_per_round: perRound.map((r) => Math.round(r * 1000) / 1000),
      cpu_ratio: Math.round(median(cpuPerRound) * 1000) / 1000,
      cpu_ratio_per_round: cpuPerRound.map((r) => Math.round(r * 1000) / 1000),
      goal_ratio: 1.1,
      engine_stage_median_ms: {
        queue: Math.round(median(stages.queue) * 1000) / 1000,
        preprocess: Math.round(median(stages.preprocess) * 1000) / 1000,
        inference: Math.round(median(stages.inference) * 1000) / 1000,
        postprocess: Math.round(median(stages.postprocess) * 1000) / 1000,
      },
      transfers: (engine as unknown as { transferStats?: () => unknown }).transferStats?.(),
    };
    if (values.json) {
      console.log(JSON.stringify(report));
    } else {
      console.log(`model ${report.model}, ${threads} thread(s), ${frames} frames x ${rounds} rounds, frame ${report.frame}`);
      console.log(`  bare onnxruntime-node: ${report.bare_ort_fps} fps`);
      console.log(`  CPU backend end to end: ${report.engine_fps} fps`);
      console.log(`  ratio (engine time / bare time, median of rounds): ${report.ratio} (goal <= 1.10); rounds: ${report.ratio_per_round.join(', ')}`);
      console.log(`  CPU-time ratio (all threads, median of rounds): ${report.cpu_ratio}; rounds: ${report.cpu_ratio_per_round.join(', ')}`);
      const s = report.engine_stage_median_ms;
      console.log(`  engine stage medians: queue ${s.queue} ms, pre ${s.preprocess} ms, inference ${s.inference} ms, post ${s.postprocess} ms`);
    }
    return 0;
  } finally {
    await bare.close();
    await engine.close();
  }
}
