// `mnv4 demo` (`npm run demo`): replays the bundled sample bag on the CPU through the real
// pipeline and prints each frame's label and a latency summary. MobileNetV4 conv_small is used
// when its ONNX file is installed; otherwise the bundled reference MobileNetV2, and it says so.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseArgs } from 'util';
import { decodeCompressedImage, decodeImage } from '../cdr/messages';
import { resolveEngine } from '../engine';
import { fixturesDir } from '../paths';
import { runReplay } from './replay';

export const SAMPLE_BAG = path.join(fixturesDir, 'bags', 'sample');
const PREFERRED = 'conv_small';
const FALLBACK = 'reference-mobilenetv2';

/** The model the demo runs and, when it is the fallback, the one line that says why. */
export function demoModel(): { model: string; note?: string } {
  try {
    const r = resolveEngine({ model: PREFERRED, backend: 'cpu' });
    if (r.model.exists) return { model: PREFERRED };
    return { model: FALLBACK, note: `MobileNetV4 ${PREFERRED} weights not found (${r.model.modelPath}); running the bundled reference MobileNetV2 instead.` };
  } catch (err) {
    return { model: FALLBACK, note: `MobileNetV4 ${PREFERRED} is not available (${(err as Error).message}); running the bundled reference MobileNetV2 instead.` };
  }
}

function describe(kind: 'image' | 'compressed', cdr: Uint8Array): string {
  if (kind === 'image') {
    const m = decodeImage(cdr);
    return `${m.encoding} ${m.width}x${m.height}`;
  }
  const m = decodeCompressedImage(cdr);
  return `${m.format.split(';').pop()!.trim()}`;
}

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      model: { type: 'string' },
      out: { type: 'string' },
      report: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log('usage: mnv4 demo [--model NAME|PATH] [--out RESULTS.mcap] [--report report.html]\n\nReplays the bundled sample bag on the CPU and prints per-frame labels and latency.');
    return 0;
  }
  let model = values.model;
  if (!model) {
    const pick = demoModel();
    model = pick.model;
    if (pick.note) console.log(pick.note);
  }
  const tmp = values.out ? undefined : fs.mkdtempSync(path.join(os.tmpdir(), 'mnv4-demo-'));
  const out = values.out ?? path.join(tmp!, 'results.mcap');
  try {
    const { result, session } = await runReplay(
      {
        bag: SAMPLE_BAG,
        out,
        topics: [],
        model,
        backend: 'cpu',
        resizeMode: 'center_crop',
        filter: 'area',
        topK: 5,
        scoreThreshold: 0,
        threads: 1,
        queueSize: 4,
        tolerance: 0.02,
        json: false,
        report: values.report,
        // At the recorded 10 Hz, as a camera would deliver them, and without dropping any: the
        // latency printed is then a frame's own, not time spent queued behind the others.
        rate: 1,
        blockWithRate: true,
      },
      () => undefined,
      false,
      () => true, // 8 frames: keep them all to print their encodings
    );
    console.log(`${session.model} on ${session.backend}, centre crop, ${result.frames} frames at the recorded pace from ${path.relative(process.cwd(), SAMPLE_BAG) || SAMPLE_BAG}`);
    for (const r of result.records) {
      const stamp = r.header ? `${r.header.stamp.sec}.${String(r.header.stamp.nanosec).padStart(9, '0')}` : '?';
      const what = r.cdr ? describe(r.kind, r.cdr) : r.kind;
      const head = `${r.topic.padEnd(30)} ${stamp} ${what.padEnd(20)}`;
      if (r.top) {
        const t = r.top[0];
        // ImageNet names list synonyms after commas: the first one is enough here.
        const label = t ? `${t.classIndex} ${session.labels[t.classIndex].split(',')[0]} (${(t.score * 100).toFixed(1)}%)` : '(nothing above the threshold)';
        console.log(`${head} -> ${label.padEnd(28)} ${r.latency!.total_ms.toFixed(1).padStart(6)} ms (inference ${r.latency!.inference_ms.toFixed(1)} ms)`);
      } else {
        console.log(`${head} -> error ${r.error?.code}: ${r.error?.message}`);
      }
    }
    const l = result.latency;
    console.log(
      `latency ms (receipt to result): mean ${l.total_ms.mean}, p50 ${l.total_ms.p50}, p90 ${l.total_ms.p90}, max ${l.total_ms.max}; ` +
        `inference mean ${l.inference_ms.mean}, preprocess mean ${l.preprocess_ms.mean}`,
    );
    console.log(`${result.classified}/${result.frames} classified, ${result.errors.length} errors${values.out ? `; results in ${out}` : ''}`);
    return result.errors.length ? 1 : 0;
  } catch (err) {
    console.error(`mnv4 demo: ${(err as Error).message}`);
    return 2;
  } finally {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  }
}
