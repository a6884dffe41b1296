// `mnv4 classify IMAGE...`: decode image files, run them through an engine (the same NV12 path as
// camera frames), print the top-k per file as text or one JSON object a line.
import { parseArgs } from 'util';
import { FrameError, ModelError } from '../errors';
import { openEngine, BACKEND_CHOICES, type BackendChoice, type ResolvedEngine } from '../engine/index';
import type { EngineResult } from '../engine/types';
import { RESIZE_FILTERS, RESIZE_MODES, type RawFrame, type ResizeFilter, type ResizeMode } from '../image/types';

const USAGE = `usage: mnv4 classify IMAGE... [options]

  --model NAME|PATH   registry name or a .onnx/.bin file (default conv_small)
  --backend B         auto | cpu | bpu | bpu-sim (default auto: the BPU where libdnn and the .bin are
                      present, else the CPU)
  --resize-mode M     stretch | center_crop | letterbox (default center_crop)
  --filter F          area | bilinear (default area)
  --crop-ratio R      center_crop: crop side / shorter side, (0, 1] (default 1)
  --top-k N           classes per image (default 5)
  --threads N         worker threads (default 1)
  --registry FILE     a user model registry on top of config/models.yaml
  --json              one JSON object a line: {"file","results":[{"class_index","label","score"}],"latency_ms":{...}}

Without MobileNetV4 weights for the CPU, try the bundled real classifier: --model reference-mobilenetv2`;

interface ImageFileModule {
  readImageFile(file: string): Promise<RawFrame>;
}

/**
 * Decodes an image file to a RawFrame with the project's reader (src/image/file.ts). Until that
 * module is in this build, a minimal sharp reader stands in (rgb8/rgba8/mono8 by channel count).
 */
function readImage(file: string): Promise<RawFrame> {
  let mod: ImageFileModule | undefined;
  try {
    mod = require('../image/file') as ImageFileModule;
  } catch (err) {
    if ((err as { code?: string }).code !== 'MODULE_NOT_FOUND') throw err;
  }
  return mod ? mod.readImageFile(file) : readWithSharp(file);
}

async function readWithSharp(file: string): Promise<RawFrame> {
  const sharp = require('sharp') as typeof import('sharp').default;
  const { data, info } = await sharp(file).raw().toBuffer({ resolveWithObject: true });
  const encoding = ({ 1: 'mono8', 3: 'rgb8', 4: 'rgba8' } as Record<number, string>)[info.channels];
  if (!encoding) throw new FrameError('unsupported_format', `${file}: ${info.channels} channels are not supported`);
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return { width: info.width, height: info.height, encoding, step: info.width * info.channels, data: bytes };
}

function intArg(name: string, v: string | undefined, dflt: number, min: number, max: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be an integer ${min}..${max}, got '${v}'`);
  return n;
}

class UsageError extends Error {}

export async function run(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        model: { type: 'string', default: 'conv_small' },
        backend: { type: 'string', default: 'auto' },
        'resize-mode': { type: 'string', default: 'center_crop' },
        filter: { type: 'string', default: 'area' },
        'crop-ratio': { type: 'string' },
        'top-k': { type: 'string' },
        threads: { type: 'string' },
        registry: { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    console.error(`mnv4 classify: ${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  let topK: number, threads: number, cropRatio: number;
  try {
    if (positionals.length === 0) throw new UsageError('no image given');
    if (!BACKEND_CHOICES.includes(values.backend as BackendChoice)) throw new UsageError(`--backend must be one of ${BACKEND_CHOICES.join(', ')}`);
    if (!RESIZE_MODES.includes(values['resize-mode'] as ResizeMode)) throw new UsageError(`--resize-mode must be one of ${RESIZE_MODES.join(', ')}`);
    if (!RESIZE_FILTERS.includes(values.filter as ResizeFilter)) throw new UsageError(`--filter must be one of ${RESIZE_FILTERS.join(', ')}`);
    topK = intArg('top-k', values['top-k'], 5, 1, 1000);
    threads = intArg('threads', values.threads, 1, 1, 8);
    cropRatio = values['crop-ratio'] === undefined ? 1 : Number(values['crop-ratio']);
    if (!(cropRatio > 0 && cropRatio <= 1)) throw new UsageError(`--crop-ratio must be in (0, 1], got '${values['crop-ratio']}'`);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(`mnv4 classify: ${err.message}\n\n${USAGE}`);
    return 2;
  }

  let opened;
  try {
    opened = await openEngine({
      model: values.model as string,
      backend: values.backend as BackendChoice,
      registry: values.registry,
      options: {
        numThreads: threads,
        queueSize: Math.max(2, threads * 2),
        dropPolicy: 'block',
        topK,
        inferTimeoutMs: 0,
        preprocess: { width: 224, height: 224, resizeMode: values['resize-mode'] as ResizeMode, filter: values.filter as ResizeFilter, cropRatio },
      },
    });
  } catch (err) {
    if (err instanceof ModelError || err instanceof RangeError) {
      console.error(`mnv4 classify: ${err.message}`);
      return 1;
    }
    throw err;
  }
  const { engine, resolved } = opened;
  if (!values.json) console.error(`model ${resolved.model.name} on ${resolved.backend} (${resolved.reason})`);

  let failures = 0;
  try {
    // Decode and submit ahead (bounded by the engine's queue); print in argument order.
    const pending: Array<Promise<{ file: string; result?: EngineResult; error?: FrameError }>> = [];
    for (const file of positionals) {
      await engine.ready();
      let frame: RawFrame;
      try {
        frame = await readImage(file);
      } catch (err) {
        const fe = err instanceof FrameError ? err : new FrameError('corrupt_image', `cannot read ${file}: ${(err as Error).message}`);
        pending.push(Promise.resolve({ file, error: fe }));
        continue;
      }
      pending.push(engine.submit(frame).then((result) => ({ file, result })));
    }
    for (const p of pending) {
      const { file, result, error } = await p;
      const err = error ?? (result && !result.ok ? result.error : undefined);
      if (err || !result || !result.ok) {
        failures++;
        printError(file, err ?? new FrameError('inference_failed', 'no result'), values.json === true);
        continue;
      }
      printResult(file, result, resolved, values.json === true);
    }
  } finally {
    await engine.close();
  }
  return failures > 0 ? 1 : 0;
}

function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

function printResult(file: string, r: Extract<EngineResult, { ok: true }>, resolved: ResolvedEngine, json: boolean): void {
  const t = r.timings;
  const latency = {
    queue: round(t.queueMs, 3),
    preprocess: round(t.preprocessMs, 3),
    inference: round(t.inferenceMs, 3),
    postprocess: round(t.postprocessMs, 3),
    total: round(t.queueMs + t.preprocessMs + t.inferenceMs + t.postprocessMs, 3),
  };
  const results = r.top.map((h) => ({ class_index: h.classIndex, label: resolved.labels[h.classIndex], score: round(h.score, 6) }));
  if (json) {
    console.log(JSON.stringify({ file, results, latency_ms: latency }));
    return;
  }
  console.log(`${file}:`);
  for (const h of results) console.log(`  ${h.score.toFixed(4)}  ${String(h.class_index).padStart(3)}  ${h.label}`);
  console.log(`  latency ${latency.total.toFixed(1)} ms (pre ${latency.preprocess.toFixed(1)}, inference ${latency.inference.toFixed(1)}, post ${latency.postprocess.toFixed(2)})`);
}

function printError(file: string, e: FrameError, json: boolean): void {
  if (json) console.log(JSON.stringify({ file, error: { code: e.code, message: e.message } }));
  else console.error(`${file}: ${e.code}: ${e.message}`);
}
