// `--report`: one self-contained HTML file (inline SVG, CSS and a little JS; no external URL) with
// the latency histogram, the per-stage breakdown over the replay, throughput, class frequencies,
// a strip of frame thumbnails with their top-1 label, and the errors.
import type { FrameRecord, ReplayResult } from './replay';
import { STAGES, type Stage } from './stats';

export interface Thumbnail {
  dataUri: string; // data:image/jpeg;base64,...
  label: string;
  score: number;
  stamp: { sec: number; nanosec: number };
  frameId: string;
  topic: string;
}

export interface ReportInput {
  title: string;
  bag: string;
  model: string;
  backend: string;
  mode: string; // "block, as fast as possible" | "rate 1.0, drop_oldest"
  result: ReplayResult;
  thumbnails: Thumbnail[];
  labels: readonly string[];
}

const STAGE_COLOURS: Record<Exclude<Stage, 'total_ms'>, string> = {
  decode_ms: '#8c6bb1',
  queue_ms: '#bdbdbd',
  preprocess_ms: '#41ab5d',
  inference_ms: '#2171b5',
  postprocess_ms: '#fd8d3c',
};
const PARTS = STAGES.filter((s): s is Exclude<Stage, 'total_ms'> => s !== 'total_ms');

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** A long live-policy replay can drop thousands of frames; the page lists the first ones. */
const MAX_ERROR_ROWS = 500;

const W = 720;
const H = 220;
const M = { l: 48, r: 12, t: 12, b: 32 };

function num(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toFixed(x < 10 ? 2 : 1);
}

function axes(xLabel: string, yLabel: string, xMax: number, yMax: number): string {
  const pw = W - M.l - M.r;
  const ph = H - M.t - M.b;
  const ticks = [0, 0.25, 0.5, 0.75, 1];
  let s = `<line x1="${M.l}" y1="${M.t + ph}" x2="${M.l + pw}" y2="${M.t + ph}" class="axis"/><line x1="${M.l}" y1="${M.t}" x2="${M.l}" y2="${M.t + ph}" class="axis"/>`;
  for (const f of ticks) {
    s += `<text x="${M.l + f * pw}" y="${H - 16}" class="tick" text-anchor="middle">${num(f * xMax)}</text>`;
    s += `<text x="${M.l - 4}" y="${M.t + ph - f * ph + 4}" class="tick" text-anchor="end">${num(f * yMax)}</text>`;
  }
  s += `<text x="${M.l + pw / 2}" y="${H - 2}" class="label" text-anchor="middle">${escapeHtml(xLabel)}</text>`;
  s += `<text x="12" y="${M.t + ph / 2}" class="label" text-anchor="middle" transform="rotate(-90 12 ${M.t + ph / 2})">${escapeHtml(yLabel)}</text>`;
  return s;
}

function svg(id: string, body: string): string {
  return `<svg id="${id}" class="chart" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" xmlns="http://www.w3.org/2000/svg" role="img">${body}</svg>`;
}

function empty(id: string, what: string): string {
  return svg(id, `<text x="${W / 2}" y="${H / 2}" text-anchor="middle" class="label">no ${escapeHtml(what)}</text>`);
}

function histogram(values: number[]): string {
  if (values.length === 0) return empty('latency-histogram', 'classified frames');
  const max = Math.max(...values);
  const bins = Math.min(40, Math.max(5, Math.ceil(Math.sqrt(values.length))));
  const width = max > 0 ? max / bins : 1;
  const counts = new Array<number>(bins).fill(0);
  for (const v of values) counts[Math.min(bins - 1, Math.floor(v / width))]++;
  const cmax = Math.max(...counts);
  const pw = W - M.l - M.r;
  const ph = H - M.t - M.b;
  let body = axes('total latency (ms)', 'frames', width * bins, cmax);
  counts.forEach((c, i) => {
    const h = (c / cmax) * ph;
    body += `<rect class="bar" x="${M.l + (i * pw) / bins + 1}" y="${M.t + ph - h}" width="${Math.max(1, pw / bins - 2)}" height="${h}" fill="#2171b5"><title>${num(i * width)}–${num((i + 1) * width)} ms: ${c} frame(s)</title></rect>`;
  });
  return svg('latency-histogram', body);
}

function stageBreakdown(ok: FrameRecord[]): string {
  if (ok.length === 0) return empty('stage-breakdown', 'classified frames');
  const groups = Math.min(120, ok.length);
  const per = ok.length / groups;
  const means: Record<string, number>[] = [];
  for (let g = 0; g < groups; g++) {
    const slice = ok.slice(Math.floor(g * per), Math.max(Math.floor(g * per) + 1, Math.floor((g + 1) * per)));
    const m: Record<string, number> = {};
    for (const p of PARTS) m[p] = slice.reduce((a, r) => a + r.latency![p], 0) / slice.length;
    means.push(m);
  }
  const ymax = Math.max(...means.map((m) => PARTS.reduce((a, p) => a + m[p], 0))) || 1;
  const pw = W - M.l - M.r;
  const ph = H - M.t - M.b;
  let body = axes(`frame (input order, ${ok.length} frames)`, 'ms (mean per group)', ok.length, ymax);
  means.forEach((m, g) => {
    let y = M.t + ph;
    for (const p of PARTS) {
      const h = (m[p] / ymax) * ph;
      y -= h;
      body += `<rect class="seg" x="${M.l + (g * pw) / groups}" y="${y}" width="${Math.max(1, pw / groups - 0.5)}" height="${h}" fill="${STAGE_COLOURS[p]}"><title>${p.replace('_ms', '')}: ${num(m[p])} ms</title></rect>`;
    }
  });
  return svg('stage-breakdown', body);
}

function throughput(records: FrameRecord[], wallMs: number): string {
  const done = records.filter((r) => r.top && r.doneMs !== undefined).map((r) => r.doneMs!);
  if (done.length === 0 || wallMs <= 0) return empty('throughput', 'classified frames');
  const bins = Math.min(60, Math.max(1, done.length));
  const binMs = Math.max(wallMs / bins, 1);
  const counts = new Array<number>(bins).fill(0);
  for (const t of done) counts[Math.min(bins - 1, Math.floor(t / binMs))]++;
  const fps = counts.map((c) => (c * 1000) / binMs);
  const ymax = Math.max(...fps) || 1;
  const pw = W - M.l - M.r;
  const ph = H - M.t - M.b;
  let body = axes('wall-clock time (s)', 'classified frames/s', wallMs / 1000, ymax);
  const pts = fps.map((f, i) => `${M.l + ((i + 0.5) * pw) / bins},${M.t + ph - (f / ymax) * ph}`);
  body += `<polyline class="line" points="${pts.join(' ')}" fill="none" stroke="#2171b5" stroke-width="2"/>`;
  fps.forEach((f, i) => {
    body += `<circle cx="${M.l + ((i + 0.5) * pw) / bins}" cy="${M.t + ph - (f / ymax) * ph}" r="3" fill="#2171b5"><title>${num(f)} frames/s</title></circle>`;
  });
  return svg('throughput', body);
}

function classBars(classes: Record<string, number>): string {
  const entries = Object.entries(classes).sort((a, b) => b[1] - a[1]).slice(0, 20);
  if (entries.length === 0) return '<svg id="class-frequencies" class="chart" viewBox="0 0 720 40" width="720" height="40"><text x="10" y="24">no classified frames</text></svg>';
  const rowH = 22;
  const h = entries.length * rowH + 8;
  const max = entries[0][1];
  let body = '';
  entries.forEach(([name, n], i) => {
    const w = (n / max) * 440;
    body += `<text x="230" y="${i * rowH + 18}" text-anchor="end" class="tick">${escapeHtml(name.length > 36 ? name.slice(0, 35) + '…' : name)}</text>`;
    body += `<rect class="bar" x="236" y="${i * rowH + 5}" width="${Math.max(w, 1)}" height="${rowH - 6}" fill="#41ab5d"><title>${escapeHtml(name)}: ${n}</title></rect>`;
    body += `<text x="${240 + w}" y="${i * rowH + 18}" class="tick">${n}</text>`;
  });
  return `<svg id="class-frequencies" class="chart" viewBox="0 0 720 ${h}" width="720" height="${h}" xmlns="http://www.w3.org/2000/svg">${body}</svg>`;
}

function stampText(s: { sec: number; nanosec: number }): string {
  return `${s.sec}.${String(s.nanosec).padStart(9, '0')}`;
}

export function renderReport(input: ReportInput): string {
  const r = input.result;
  const ok = r.records.filter((x) => x.top && x.latency);
  const lat = r.latency;
  const legend = PARTS.map((p) => `<span class="key"><i style="background:${STAGE_COLOURS[p]}"></i>${p.replace('_ms', '')} (mean ${num(lat[p].mean)} ms)</span>`).join(' ');
  const thumbs = input.thumbnails
    .map(
      (t) =>
        `<figure class="thumb"><img src="${t.dataUri}" alt="${escapeHtml(t.label)}" title="${escapeHtml(t.topic)} ${stampText(t.stamp)} ${escapeHtml(t.frameId)}"/>` +
        `<figcaption><b class="top1">${escapeHtml(t.label)}</b> ${(t.score * 100).toFixed(1)}%<br/><small>${escapeHtml(t.frameId)} @ ${stampText(t.stamp)}</small></figcaption></figure>`,
    )
    .join('');
  const errorRows = r.errors
    .slice(0, MAX_ERROR_ROWS)
    .map(
      (e) =>
        `<tr class="error-row"><td>${stampText(e.stamp)}</td><td>${escapeHtml(e.frame_id)}</td><td>${escapeHtml(e.topic)}</td><td>${escapeHtml(e.code)}</td><td>${escapeHtml(e.reason)}</td></tr>`,
    )
    .join('') + (r.errors.length > MAX_ERROR_ROWS ? `<tr><td colspan="5">… and ${r.errors.length - MAX_ERROR_ROWS} more (see \`--json\`)</td></tr>` : '');
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"/><meta name="viewport" content="width=device-width,initial-scale=1"/>
<title>${escapeHtml(input.title)}</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;max-width:1100px}
h1{font-size:20px}h2{font-size:16px;margin-top:28px}
.cards{display:flex;flex-wrap:wrap;gap:12px}.card{border:1px solid #ddd;border-radius:6px;padding:8px 12px;min-width:110px}
.card b{display:block;font-size:20px}
.chart{max-width:100%;height:auto;border:1px solid #eee;background:#fff}
.axis{stroke:#888}.tick{font-size:11px;fill:#555}.label{font-size:12px;fill:#333}
.bar:hover,.seg:hover{opacity:.7}
.key{display:inline-block;margin-right:12px}.key i{display:inline-block;width:10px;height:10px;margin-right:4px}
.strip{display:flex;gap:10px;overflow-x:auto;padding-bottom:8px}
.thumb{margin:0;flex:0 0 auto;text-align:center;font-size:12px;max-width:180px}.thumb img{display:block;height:96px;border-radius:4px}
table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:3px 8px;text-align:left;font-size:12px}
#tip{position:fixed;pointer-events:none;background:#222;color:#fff;padding:2px 6px;border-radius:3px;font-size:12px;display:none}
</style></head><body>
<h1>${escapeHtml(input.title)}</h1>
<p>Bag <code>${escapeHtml(input.bag)}</code> · model <code>${escapeHtml(input.model)}</code> · backend <code>${escapeHtml(input.backend)}</code> · ${escapeHtml(input.mode)} · topics ${r.topics.map((t) => `<code>${escapeHtml(t)}</code>`).join(', ')}</p>
<div class="cards" id="summary">
<div class="card">frames<b id="n-frames">${r.frames}</b></div>
<div class="card">classified<b id="n-classified">${r.classified}</b></div>
<div class="card">errors<b id="n-errors">${r.errors.length}</b></div>
<div class="card">dropped<b>${r.dropped}</b></div>
<div class="card">throughput<b>${num(r.fps)} fps</b></div>
<div class="card">latency p50 / p99<b>${num(lat.total_ms.p50)} / ${num(lat.total_ms.p99)} ms</b></div>
</div>
<h2>Latency histogram (receipt to result)</h2>
${histogram(ok.map((x) => x.latency!.total_ms))}
<h2>Per-stage breakdown over the replay</h2>
<div>${legend}</div>
${stageBreakdown(ok)}
<h2>Throughput</h2>
${throughput(r.records, r.wallMs)}
<h2>Class frequencies (top-1)</h2>
${classBars(r.classes)}
<h2>Frames</h2>
<div class="strip" id="thumbnails">${thumbs || '<p>no thumbnails</p>'}</div>
<h2>Errors (${r.errors.length})</h2>
${r.errors.length ? `<table id="errors"><thead><tr><th>stamp</th><th>frame_id</th><th>topic</th><th>code</th><th>reason</th></tr></thead><tbody>${errorRows}</tbody></table>` : '<p id="errors">none: every frame was classified</p>'}
<div id="tip"></div>
<script>
(function(){var tip=document.getElementById('tip');
document.querySelectorAll('svg.chart [class]').forEach(function(el){var t=el.querySelector('title');if(!t)return;
el.addEventListener('mousemove',function(ev){tip.textContent=t.textContent;tip.style.display='block';tip.style.left=(ev.clientX+12)+'px';tip.style.top=(ev.clientY+12)+'px';});
el.addEventListener('mouseleave',function(){tip.style.display='none';});});})();
</script>
</body></html>
`;
}
