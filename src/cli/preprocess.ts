// `mnv4 preprocess`: writes the NV12 bytes the BPU would get for an image file or a raw frame file.
import * as fs from 'fs';
import { parseArgs } from 'util';
import { isFrameError } from '../errors';
import { readImageFile } from '../image/file';
import { bytesPerPixel, isRawEncoding, toNv12 } from '../image/nv12';
import { DEFAULT_PREPROCESS, PreprocessOptions, RAW_ENCODINGS, RawFrame, RESIZE_FILTERS, RESIZE_MODES, ResizeFilter, ResizeMode } from '../image/types';

const HELP = `usage: mnv4 preprocess IMAGE --out FILE.nv12 [options]
       mnv4 preprocess FRAME --raw --encoding E --width W --height H [--step S] --out FILE.nv12 [options]

Writes the NV12 image (Y plane, then interleaved U,V; BT.601 limited range) that the X5 model gets.

options:
  --out FILE            output file (required)
  --size WxH            output size, even numbers (default ${DEFAULT_PREPROCESS.width}x${DEFAULT_PREPROCESS.height})
  --resize-mode M       ${RESIZE_MODES.join(' | ')} (default ${DEFAULT_PREPROCESS.resizeMode})
  --crop-ratio R        center_crop: crop side / shorter side, (0, 1] (default 1)
  --filter F            ${RESIZE_FILTERS.join(' | ')} (default ${DEFAULT_PREPROCESS.filter}; bilinear = the vendor's OpenCV path)
  --raw                 FRAME holds raw pixel rows (a sensor_msgs/Image data field)
  --encoding E          raw encoding: ${RAW_ENCODINGS.join(', ')}
  --width W, --height H raw frame size in pixels
  --step S              raw bytes per row (default: width * bytes per pixel)
  -h, --help            this text`;

function fail(message: string): number {
  console.error(`mnv4 preprocess: ${message}\n(see mnv4 preprocess --help)`);
  return 2;
}

function parseIntOption(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw new UsageError(`--${name} must be a non-negative integer, got '${v}'`);
  return Number(v);
}

class UsageError extends Error {}

function parseOptions(values: Record<string, string | boolean | undefined>): PreprocessOptions {
  const opts: PreprocessOptions = { ...DEFAULT_PREPROCESS };
  if (typeof values.size === 'string') {
    const m = /^(\d+)x(\d+)$/.exec(values.size);
    if (!m) throw new UsageError(`--size must look like 224x224, got '${values.size}'`);
    opts.width = Number(m[1]);
    opts.height = Number(m[2]);
  }
  if (typeof values['resize-mode'] === 'string') {
    const mode = values['resize-mode'];
    if (!(RESIZE_MODES as readonly string[]).includes(mode)) throw new UsageError(`unknown --resize-mode '${mode}' (${RESIZE_MODES.join(', ')})`);
    opts.resizeMode = mode as ResizeMode;
  }
  if (typeof values.filter === 'string') {
    const f = values.filter;
    if (!(RESIZE_FILTERS as readonly string[]).includes(f)) throw new UsageError(`unknown --filter '${f}' (${RESIZE_FILTERS.join(', ')})`);
    opts.filter = f as ResizeFilter;
  }
  if (typeof values['crop-ratio'] === 'string') {
    const r = Number(values['crop-ratio']);
    if (!(r > 0 && r <= 1)) throw new UsageError(`--crop-ratio must be in (0, 1], got '${values['crop-ratio']}'`);
    opts.cropRatio = r;
  }
  return opts;
}

async function readRaw(file: string, values: Record<string, string | boolean | undefined>): Promise<RawFrame> {
  const encoding = values.encoding;
  if (typeof encoding !== 'string') throw new UsageError('--raw needs --encoding');
  if (!isRawEncoding(encoding)) throw new UsageError(`unknown --encoding '${encoding}' (${RAW_ENCODINGS.join(', ')})`);
  const width = parseIntOption('width', values.width as string | undefined);
  const height = parseIntOption('height', values.height as string | undefined);
  if (width === undefined || height === undefined) throw new UsageError('--raw needs --width and --height');
  const step = parseIntOption('step', values.step as string | undefined) ?? width * bytesPerPixel(encoding);
  let data: Buffer;
  try {
    data = await fs.promises.readFile(file);
  } catch (err) {
    throw new Error(`cannot read raw frame file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return { width, height, encoding, step, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}

export async function run(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        out: { type: 'string', short: 'o' },
        size: { type: 'string' },
        'resize-mode': { type: 'string' },
        'crop-ratio': { type: 'string' },
        filter: { type: 'string' },
        raw: { type: 'boolean' },
        encoding: { type: 'string' },
        width: { type: 'string' },
        height: { type: 'string' },
        step: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    return fail((err as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (positionals.length !== 1) return fail(positionals.length ? 'give exactly one input file' : 'missing input file');
  if (!values.out) return fail('missing --out FILE');
  const input = positionals[0];
  try {
    const opts = parseOptions(values);
    if (!values.raw && (values.encoding || values.width || values.height || values.step)) {
      throw new UsageError('--encoding/--width/--height/--step describe raw frames; add --raw');
    }
    const frame = values.raw ? await readRaw(input, values) : await readImageFile(input);
    const nv12 = toNv12(frame, opts);
    await fs.promises.writeFile(values.out, nv12);
    console.log(`${input}: ${frame.encoding} ${frame.width}x${frame.height} -> ${values.out}: NV12 ${opts.width}x${opts.height} ` +
      `(${nv12.length} bytes, ${opts.resizeMode}, ${opts.filter})`);
    return 0;
  } catch (err) {
    if (err instanceof UsageError || err instanceof RangeError) return fail(err.message);
    console.error(`mnv4 preprocess: ${isFrameError(err) ? `${err.code}: ` : ''}${(err as Error).message}`);
    return 1;
  }
}
