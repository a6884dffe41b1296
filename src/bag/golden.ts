// Regression check against an earlier results bag: frames are matched by header stamp + frame_id
// (the input's header, copied into every result), then top-1 must agree and every class in both
// top-k lists must score within `tolerance`; a class in only one list must not score above the
// other list's lowest score by more than `tolerance` (it would have made that list).
import { decodeClassification } from '../cdr/messages';
import type { Hypothesis } from '../engine/types';
import type { Header } from '../pipeline/types';
import { openBag } from './open';
import { RESULT_TOPICS, type FrameRecord } from './replay';

export interface ResultFrame {
  header: Header;
  top: Hypothesis[];
}

export interface GoldenDifference {
  key: string; // "sec.nanosec frame_id"
  reason: string;
}

export interface GoldenReport {
  compared: number;
  differences: GoldenDifference[];
}

export function frameKey(h: Header): string {
  return `${h.stamp.sec}.${String(h.stamp.nanosec).padStart(9, '0')} ${h.frame_id}`;
}

/** Reads `/classification` of a results bag, in log order. */
export async function readResults(bagPath: string): Promise<ResultFrame[]> {
  const bag = await openBag(bagPath);
  try {
    const topic = bag.info.topics.find((t) => t.name === RESULT_TOPICS.classification);
    if (!topic) throw new Error(`${bagPath} has no ${RESULT_TOPICS.classification} topic; is it a results bag from \`mnv4 replay\`?`);
    const out: ResultFrame[] = [];
    for await (const m of bag.messages({ topics: [RESULT_TOPICS.classification] })) {
      const c = decodeClassification(m.data);
      out.push({
        header: c.header,
        top: c.results.map((r) => ({ classIndex: Number(r.class_id), score: r.score })),
      });
    }
    return out;
  } finally {
    await bag.close();
  }
}

function fmt(h: Hypothesis | undefined, labels: readonly string[]): string {
  if (!h) return 'nothing above the threshold';
  return `${h.classIndex} ${labels[h.classIndex] ?? ''} (${h.score.toFixed(3)})`.replace('  ', ' ');
}

function compareTop(a: Hypothesis[], b: Hypothesis[], tolerance: number, labels: readonly string[]): string | undefined {
  if ((a[0]?.classIndex ?? -1) !== (b[0]?.classIndex ?? -1)) return `top-1 was ${fmt(a[0], labels)}, now ${fmt(b[0], labels)}`;
  const k = Math.min(a.length, b.length);
  const aa = a.slice(0, k);
  const bb = b.slice(0, k);
  const minA = aa.length ? aa[aa.length - 1].score : 0;
  const minB = bb.length ? bb[bb.length - 1].score : 0;
  for (const h of aa) {
    const other = bb.find((x) => x.classIndex === h.classIndex);
    if (other) {
      if (Math.abs(other.score - h.score) > tolerance) return `class ${fmt(h, labels)} now scores ${other.score.toFixed(3)} (tolerance ${tolerance})`;
    } else if (h.score > minB + tolerance) {
      return `class ${fmt(h, labels)} left the top-${k}`;
    }
  }
  for (const h of bb) {
    if (!aa.some((x) => x.classIndex === h.classIndex) && h.score > minA + tolerance) return `class ${fmt(h, labels)} entered the top-${k}`;
  }
  return undefined;
}

/** Compares a replay's frames with the golden results; the input order decides the listing order. */
export function compareGolden(
  golden: readonly ResultFrame[],
  current: readonly FrameRecord[],
  opts: { tolerance: number; labels: readonly string[] },
): GoldenReport {
  const byKey = new Map<string, ResultFrame[]>();
  for (const g of golden) {
    const k = frameKey(g.header);
    const list = byKey.get(k);
    if (list) list.push(g);
    else byKey.set(k, [g]);
  }
  const differences: GoldenDifference[] = [];
  let compared = 0;
  for (const rec of current) {
    const key = rec.header ? frameKey(rec.header) : undefined;
    const g = key ? byKey.get(key)?.shift() : undefined;
    const name = key ?? `frame #${rec.index} on ${rec.topic} (header unreadable)`;
    if (!rec.top) {
      if (g) differences.push({ key: name, reason: `golden has ${fmt(g.top[0], opts.labels)}, now an error: ${rec.error?.code}: ${rec.error?.message}` });
      continue;
    }
    if (!g) {
      differences.push({ key: name, reason: `not in the golden bag; now ${fmt(rec.top[0], opts.labels)}` });
      continue;
    }
    compared++;
    const why = compareTop(g.top, rec.top, opts.tolerance, opts.labels);
    if (why) differences.push({ key: name, reason: why });
  }
  for (const [key, left] of byKey) {
    for (const g of left) differences.push({ key, reason: `in the golden bag (${fmt(g.top[0], opts.labels)}) but not replayed now` });
  }
  return { compared, differences };
}

export function formatGolden(r: GoldenReport, goldenPath: string, max = 50): string {
  if (r.differences.length === 0) return `golden: ${r.compared} frames match ${goldenPath}`;
  const lines = [`golden: ${r.differences.length} frame(s) differ from ${goldenPath} (${r.compared} compared):`];
  for (const d of r.differences.slice(0, max)) lines.push(`  ${d.key}: ${d.reason}`);
  if (r.differences.length > max) lines.push(`  ... and ${r.differences.length - max} more`);
  return lines.join('\n');
}
