// `mnv4 replay BAG --out RESULTS.mcap ...`: offline replay of a rosbag2 bag through the node's
// pipeline; see src/bag/replay.ts. Exit codes: 0 done (malformed frames are reported, not fatal),
// 1 golden mismatch, 2 usage or input error, 3 a lost result (a bug).
import * as fs from 'fs';
import { parseArgs } from 'util';
import { openBag } from '../bag/open';
import { replay, ReplayInvariantError, selectTopics, summaryJson, type ReplayResult } from '../bag/replay';
import { compareGolden, formatGolden, readResults } from '../bag/golden';
import { renderReport, type Thumbnail } from '../bag/report';
import { makeThumbnail } from '../bag/thumbnails';
import { openSession, type Session } from '../bag/session';
import { createBagWriter } from '../bag/writer';
import { RESIZE_FILTERS, RESIZE_MODES, type ResizeFilter, type ResizeMode } from '../image/types';
import { BACKEND_KINDS } from '../engine/types';

export const USAGE = `usage: mnv4 replay BAG --out RESULTS.mcap [options]

Replays every sensor_msgs/msg/Image and CompressedImage topic of a rosbag2 bag (folder, .mcap or
.db3) through the classifier and writes /classification, /classification/latency and /label_info
to a results bag, each result at its input's receive time with the input's header.

  --out PATH               results bag: x.mcap (single file) or a folder (MCAP + metadata.yaml)
  --topic T                replay only this image topic (repeatable)
  --model NAME|PATH        registry name or model file (default conv_small)
  --backend B              auto | ${BACKEND_KINDS.join(' | ')} (default auto)
  --resize-mode M          ${RESIZE_MODES.join(' | ')} (default stretch)
  --filter F               ${RESIZE_FILTERS.join(' | ')} (default area)
  --top-k N                results per frame (default 5)
  --score-threshold S      drop results below S (default 0)
  --threads N              engine workers (default 2)
  --queue-size N           engine queue (default 4)
  --rate R                 feed at R x the recorded pace with the live drop_oldest policy
  --as-fast-as-possible    block policy, every frame processed (default)
  --report FILE.html       write a self-contained HTML report
  --golden RESULTS.mcap    compare with an earlier results bag; exit 1 if frames differ
  --tolerance T            golden score tolerance (default 0.02)
  --json                   print a JSON summary on stdout
`;

export interface ReplayCliOptions {
  bag: string;
  out: string;
  topics: string[];
  model: string;
  backend: (typeof BACKEND_KINDS)[number] | 'auto';
  resizeMode: ResizeMode;
  filter: ResizeFilter;
  topK: number;
  scoreThreshold: number;
  threads: number;
  queueSize: number;
  rate?: number;
  /** Internal (the demo): keep the block policy even with a rate. The CLI's --rate is live. */
  blockWithRate?: boolean;
  report?: string;
  golden?: string;
  tolerance: number;
  json: boolean;
}

class UsageError extends Error {}

function int(name: string, v: string | undefined, def: number, min: number, max: number): number {
  if (v === undefined) return def;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be an integer in ${min}..${max}, got '${v}'`);
  return n;
}

function real(name: string, v: string | undefined, def: number, min: number, max: number): number {
  if (v === undefined) return def;
  const n = Number(v);
  if (!Number.isFinite(n) || n < min || n > max) throw new UsageError(`--${name} must be a number in ${min}..${max}, got '${v}'`);
  return n;
}

function oneOf<T extends string>(name: string, v: string | undefined, def: T, allowed: readonly T[]): T {
  if (v === undefined) return def;
  if (!(allowed as readonly string[]).includes(v)) throw new UsageError(`--${name} must be one of ${allowed.join(', ')}, got '${v}'`);
  return v as T;
}

export function parseReplayArgs(argv: string[]): ReplayCliOptions | 'help' {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      out: { type: 'string', short: 'o' },
      topic: { type: 'string', multiple: true },
      model: { type: 'string' },
      backend: { type: 'string' },
      'resize-mode': { type: 'string' },
      filter: { type: 'string' },
      'top-k': { type: 'string' },
      'score-threshold': { type: 'string' },
      threads: { type: 'string' },
      'queue-size': { type: 'string' },
      rate: { type: 'string' },
      'as-fast-as-possible': { type: 'boolean' },
      report: { type: 'string' },
      golden: { type: 'string' },
      tolerance: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return 'help';
  if (positionals.length !== 1) throw new UsageError(positionals.length ? `one bag at a time (got ${positionals.join(', ')})` : 'which bag? give a bag folder, .mcap or .db3');
  if (!values.out) throw new UsageError('--out RESULTS.mcap is required');
  if (values.rate !== undefined && values['as-fast-as-possible']) throw new UsageError('--rate and --as-fast-as-possible exclude each other');
  return {
    bag: positionals[0],
    out: values.out,
    topics: values.topic ?? [],
    model: values.model ?? 'conv_small',
    backend: oneOf('backend', values.backend, 'auto', ['auto', ...BACKEND_KINDS]),
    resizeMode: oneOf('resize-mode', values['resize-mode'], 'stretch', RESIZE_MODES),
    filter: oneOf('filter', values.filter, 'area', RESIZE_FILTERS),
    topK: int('top-k', values['top-k'], 5, 1, 1000),
    scoreThreshold: real('score-threshold', values['score-threshold'], 0, 0, 1),
    threads: int('threads', values.threads, 2, 1, 8),
    queueSize: int('queue-size', values['queue-size'], 4, 1, 1024),
    rate: values.rate === undefined ? undefined : real('rate', values.rate, 1, 0.001, 1000),
    report: values.report,
    golden: values.golden,
    tolerance: real('tolerance', values.tolerance, 0.02, 0, 1),
    json: values.json ?? false,
  };
}

/** A one-line progress bar on stderr, only when stderr is a terminal. */
function progressBar(stream: NodeJS.WriteStream): ((done: number, total: number) => void) & { end(): void } {
  let last = 0;
  const t0 = performance.now();
  const f = ((done: number, total: number) => {
    const t = performance.now();
    if (done < total && t - last < 100) return;
    last = t;
    const width = 30;
    const frac = total ? Math.min(1, done / total) : 1;
    const fps = done / Math.max((t - t0) / 1000, 1e-3);
    stream.write(`\r[${'#'.repeat(Math.round(frac * width)).padEnd(width, '.')}] ${done}/${total} ${fps.toFixed(1)} fps `);
  }) as ((done: number, total: number) => void) & { end(): void };
  f.end = () => stream.write('\n');
  return f;
}

const THUMBNAIL_CAP = 24;

export interface ReplayRun {
  result: ReplayResult;
  session: Pick<Session, 'backend' | 'model' | 'reason' | 'labels'>;
  goldenFailed: boolean;
  goldenText?: string;
}

/** Runs a replay as the CLI does (also used by `mnv4 demo`); throws on input errors. */
export async function runReplay(
  o: ReplayCliOptions,
  log: (line: string) => void,
  progress = false,
  keep?: (index: number, total: number) => boolean,
): Promise<ReplayRun> {
  const bag = await openBag(o.bag);
  let session: Session | undefined;
  try {
    const chosen = selectTopics(bag.info.topics, o.topics); // fail before loading a model
    for (const t of chosen) {
      // image_transport records a camera twice (raw and compressed): the same frames, twice.
      if (chosen.some((c) => c.name === `${t.name}/compressed` && c.messageCount === t.messageCount)) {
        log(`note: ${t.name} and ${t.name}/compressed hold as many frames: probably one camera recorded twice, so each frame is classified twice (pick one with --topic)`);
      }
    }
    session = await openSession({
      model: o.model,
      backend: o.backend,
      resizeMode: o.resizeMode,
      filter: o.filter,
      topK: o.topK,
      scoreThreshold: o.scoreThreshold,
      numThreads: o.threads,
      queueSize: o.queueSize,
      live: o.rate !== undefined && !o.blockWithRate,
    });
    log(`replay: ${session.model} on ${session.backend} (${session.reason})`);
    const writer = await createBagWriter(o.out);
    const bar = progress ? progressBar(process.stderr) : undefined;
    let result: ReplayResult;
    try {
      result = await replay(bag, session.pipeline, {
        topics: o.topics,
        rate: o.rate,
        block: o.rate === undefined || o.blockWithRate === true,
        maxInFlight: o.queueSize + o.threads,
        labels: session.labels,
        writer,
        keepData: keep ?? (o.report ? (i, total) => i % Math.max(1, Math.ceil(total / THUMBNAIL_CAP)) === 0 : undefined),
        onProgress: bar,
      });
    } finally {
      bar?.end();
      await writer.close();
      await session.close();
    }
    if (o.report) {
      const thumbnails: Thumbnail[] = [];
      for (const r of result.records) {
        if (!r.cdr || !r.top || !r.header || thumbnails.length >= THUMBNAIL_CAP) continue;
        try {
          const top = r.top[0];
          thumbnails.push({
            dataUri: await makeThumbnail(r.kind, r.cdr),
            label: top ? (session.labels[top.classIndex] ?? `class ${top.classIndex}`) : '(below threshold)',
            score: top?.score ?? 0,
            stamp: r.header.stamp,
            frameId: r.header.frame_id,
            topic: r.topic,
          });
        } catch (err) {
          log(`report: no thumbnail for frame ${r.index}: ${(err as Error).message}`);
        }
      }
      const html = renderReport({
        title: `mnv4 replay: ${o.bag}`,
        bag: o.bag,
        model: session.model,
        backend: session.backend,
        mode: o.rate === undefined ? 'block policy, as fast as possible' : `rate ${o.rate}x, ${o.blockWithRate ? 'block' : 'drop_oldest'}`,
        result,
        thumbnails,
        labels: session.labels,
      });
      fs.writeFileSync(o.report, html);
      log(`report: ${o.report}`);
    }
    let goldenFailed = false;
    let goldenText: string | undefined;
    if (o.golden) {
      const golden = await readResults(o.golden);
      const cmp = compareGolden(golden, result.records, { tolerance: o.tolerance, labels: session.labels });
      goldenFailed = cmp.differences.length > 0;
      goldenText = formatGolden(cmp, o.golden);
    }
    return { result, session: { backend: session.backend, model: session.model, reason: session.reason, labels: session.labels }, goldenFailed, goldenText };
  } finally {
    await session?.close();
    await bag.close();
  }
}

function textSummary(r: ReplayResult): string {
  const l = r.latency.total_ms;
  const lines = [
    `${r.frames} frames: ${r.classified} classified, ${r.errors.length} errors${r.dropped ? ` (${r.dropped} dropped)` : ''}; ${r.fps} fps`,
    `latency ms: mean ${l.mean}, p50 ${l.p50}, p90 ${l.p90}, p99 ${l.p99}, max ${l.max} (inference mean ${r.latency.inference_ms.mean})`,
  ];
  for (const e of r.errors.slice(0, 20)) lines.push(`  error ${e.topic} ${e.stamp.sec}.${String(e.stamp.nanosec).padStart(9, '0')} '${e.frame_id}': ${e.reason}`);
  if (r.errors.length > 20) lines.push(`  ... and ${r.errors.length - 20} more errors`);
  return lines.join('\n');
}

export async function run(argv: string[]): Promise<number> {
  let o: ReplayCliOptions | 'help';
  try {
    o = parseReplayArgs(argv);
  } catch (err) {
    console.error(`mnv4 replay: ${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (o === 'help') {
    console.log(USAGE);
    return 0;
  }
  const opts = o;
  const log = (line: string) => console.error(line);
  let run: ReplayRun;
  try {
    run = await runReplay(opts, log, process.stderr.isTTY === true && !opts.json);
  } catch (err) {
    if (err instanceof ReplayInvariantError) {
      console.error(`mnv4 replay: BUG: ${err.message}`);
      return 3;
    }
    console.error(`mnv4 replay: ${(err as Error).message}`);
    return 2;
  }
  if (opts.json) console.log(JSON.stringify(summaryJson(run.result)));
  else console.log(textSummary(run.result));
  // stdout stays pure JSON with --json.
  if (run.goldenText) (run.goldenFailed || opts.json ? console.error : console.log)(run.goldenText);
  return run.goldenFailed ? 1 : 0;
}
