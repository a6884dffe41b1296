// `mnv4 bench replay`: frames/s of a full offline replay (bag read, CDR decode, engine, CDR
// encode, results bag write) against the bare engine on the same decoded frames, in the same run,
// on the synthetic MobileNetV4 conv_small (random weights: the cost is real, the labels are not).
// Prints the ratio replay/engine: the share of engine throughput the replay path keeps. On a
// machine with as many cores as workers, the replay's JS-thread work (bag read with chunk CRC
// checks, CDR, results-bag writing) competes with inference, so the ratio falls with load.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseArgs } from 'util';
import { openBag } from '../src/bag/open';
import { replay } from '../src/bag/replay';
import { openSession } from '../src/bag/session';
import { createBagWriter } from '../src/bag/writer';
import { decodeCompressedImage, decodeImage } from '../src/cdr/messages';
import { decodeCompressed } from '../src/image/compressed';
import type { RawFrame } from '../src/image/types';
import { fixturesDir } from '../src/paths';
import type { BagMessage } from '../src/bag/types';

const SAMPLE = path.join(fixturesDir, 'bags', 'sample');

async function frameOf(m: BagMessage): Promise<RawFrame> {
  if (m.type === 'sensor_msgs/msg/Image') {
    const d = decodeImage(m.data);
    return { width: d.width, height: d.height, encoding: d.encoding, step: d.step, data: d.data };
  }
  const c = decodeCompressedImage(m.data);
  return (await decodeCompressed(c.format, c.data, { targetWidth: 224, targetHeight: 224 })).frame;
}

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: { repeat: { type: 'string' }, threads: { type: 'string' }, model: { type: 'string' }, rounds: { type: 'string' } },
  });
  const repeat = Number(values.repeat ?? 6);
  const threads = Number(values.threads ?? 2);
  const model = values.model ?? 'conv_small_synthetic';
  const rounds = Number(values.rounds ?? 3);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mnv4-bench-replay-'));
  try {
    // The sample bag's frames, repeated, as one longer bag.
    const src = await openBag(SAMPLE);
    const msgs: BagMessage[] = [];
    for await (const m of src.messages()) msgs.push(m);
    await src.close();
    const bagPath = path.join(dir, 'input.mcap');
    const w = await createBagWriter(bagPath);
    for (const t of new Set(msgs.map((m) => `${m.topic}\n${m.type}`))) {
      const [name, type] = t.split('\n');
      await w.addTopic({ name, type });
    }
    const span = msgs[msgs.length - 1].logTime - msgs[0].logTime + 100_000_000n;
    for (let r = 0; r < repeat; r++) for (const m of msgs) await w.write(m.topic, m.logTime + BigInt(r) * span, m.data);
    await w.close();
    const frames = await Promise.all(msgs.map(frameOf));

    const sessionOpts = {
      model,
      backend: 'cpu' as const,
      resizeMode: 'stretch' as const,
      filter: 'area' as const,
      topK: 5,
      scoreThreshold: 0,
      numThreads: threads,
      queueSize: 4,
      live: false,
    };

    const rawTopics = [...new Set(msgs.filter((m) => m.type === 'sensor_msgs/msg/Image').map((m) => m.topic))];
    const sets = [
      { name: 'raw Image topics', topics: rawTopics, frames: frames.filter((_, i) => msgs[i].type === 'sensor_msgs/msg/Image') },
      { name: 'all topics (incl. JPEG/PNG decode)', topics: undefined, frames },
    ];

    // Both paths run on the same open session (same workers, warmed up), alternating, best of
    // `rounds`: noise on shared cores only ever slows a run down.
    const s = await openSession(sessionOpts);
    let ok = true;
    console.log(`bench replay: ${model} on cpu, ${threads} thread(s), sample bag x ${repeat}, best of ${rounds}`);
    try {
      await Promise.all(Array.from({ length: 2 * threads }, (_, i) => s.engine.submit(frames[i % frames.length])));
      for (const set of sets) {
        const n = set.frames.length * repeat;
        let engineFps = 0;
        let replayFps = 0;
        let classified = 0;
        for (let round = 0; round < rounds; round++) {
          let t0 = performance.now();
          const pending: Promise<unknown>[] = [];
          for (let i = 0; i < n; i++) {
            await s.engine.ready();
            pending.push(s.engine.submit(set.frames[i % set.frames.length]));
          }
          await Promise.all(pending);
          engineFps = Math.max(engineFps, (n * 1000) / (performance.now() - t0));

          const bag = await openBag(bagPath);
          const out = await createBagWriter(path.join(dir, 'results.mcap'));
          t0 = performance.now();
          const res = await replay(bag, s.pipeline, { topics: set.topics, maxInFlight: 4 + threads, labels: s.labels, writer: out });
          await out.close();
          replayFps = Math.max(replayFps, (res.frames * 1000) / (performance.now() - t0));
          classified = res.classified;
          await bag.close();
        }
        ok &&= classified === n;
        console.log(`  ${set.name}: ${n} frames`);
        console.log(`    bare engine (frames already decoded):    ${engineFps.toFixed(1)} frames/s`);
        console.log(`    replay (bag -> pipeline -> results bag): ${replayFps.toFixed(1)} frames/s (${classified}/${n} classified)`);
        console.log(`    ratio replay/engine: ${(replayFps / engineFps).toFixed(3)}`);
      }
    } finally {
      await s.close();
    }
    return ok ? 0 : 1;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
