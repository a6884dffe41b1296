// `mnv4 models list` and `mnv4 models download VARIANT [--dir D] [--url U]`.
import * as path from 'path';
import { parseArgs } from 'util';
import { download, DownloadError } from '../engine/download';
import { loadRegistry, modelCacheDir, resolveModel, type Registry } from '../engine/registry';
import { ModelError } from '../errors';

const USAGE = `usage:
  mnv4 models list [--registry FILE] [--json]
  mnv4 models download VARIANT [--dir DIR] [--url URL] [--registry FILE]

list      the registry's models and which of their files are present here
download  fetch a model's BPU .bin (resumable; size and sha256 checked) into DIR
          (default $MNV4_MODEL_DIR, else ~/.cache/mobilenetv4_classifier/models)
--registry FILE  a user registry on top of config/models.yaml (also $MNV4_MODEL_REGISTRY)`;

export async function run(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  try {
    if (sub === 'list') return list(rest);
    if (sub === 'download') return await fetchModel(rest);
    if (sub === '--help' || sub === '-h' || sub === 'help') {
      console.log(USAGE);
      return 0;
    }
    console.error(USAGE);
    return 2;
  } catch (err) {
    if (err instanceof ModelError || err instanceof DownloadError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      console.error(`mnv4 models: ${(err as Error).message}`);
      return (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') ? 2 : 1;
    }
    throw err;
  }
}

function list(argv: string[]): number {
  const { values } = parseArgs({ args: argv, options: { registry: { type: 'string' }, json: { type: 'boolean' } } });
  const reg: Registry = loadRegistry(values.registry);
  const rows = [...reg.values()].map((e) => {
    const where = (b: 'cpu' | 'bpu' | 'bpu-sim') => {
      const has = b === 'cpu' ? e.cpu : b === 'bpu' ? e.bpu : e.bpuSim;
      if (!has) return undefined;
      const r = resolveModel(e.name, b, { registry: reg });
      return { path: r.modelPath, present: r.exists };
    };
    return { name: e.name, description: e.description, input: `${e.inputWidth}x${e.inputHeight}`, cpu: where('cpu'), bpu: where('bpu'), bpuSim: where('bpu-sim'), url: e.bpu?.url };
  });
  if (values.json) {
    for (const r of rows) console.log(JSON.stringify(r));
    return 0;
  }
  const mark = (w?: { present: boolean }) => (w === undefined ? '-' : w.present ? 'yes' : 'missing');
  const width = Math.max(...rows.map((r) => r.name.length), 4);
  console.log(`${'name'.padEnd(width)}  cpu      bpu      bpu-sim  description`);
  for (const r of rows) {
    console.log(`${r.name.padEnd(width)}  ${mark(r.cpu).padEnd(7)}  ${mark(r.bpu).padEnd(7)}  ${mark(r.bpuSim).padEnd(7)}  ${r.description}`);
  }
  console.log(`\nmodel directory: ${modelCacheDir()}`);
  return 0;
}

function progressPrinter(label: string): (received: number, total: number | undefined) => void {
  const tty = process.stderr.isTTY === true;
  let lastPct = -1;
  let lastDraw = 0;
  const mb = (n: number) => (n / 1048576).toFixed(1);
  return (received, total) => {
    const pct = total ? Math.floor((received / total) * 100) : -1;
    if (tty) {
      const now = Date.now();
      if (now - lastDraw < 100 && received !== total) return;
      lastDraw = now;
      const cols = 30;
      const bar = total ? '#'.repeat(Math.round((received / total) * cols)).padEnd(cols, '.') : '';
      const text = total ? `[${bar}] ${String(pct).padStart(3)}% ${mb(received)}/${mb(total)} MB` : `${mb(received)} MB`;
      process.stderr.write(`\r${label} ${text}`);
      if (received === total) process.stderr.write('\n');
      return;
    }
    // Not a terminal: a plain line every 10 %.
    const step = pct < 0 ? -1 : Math.floor(pct / 10) * 10;
    if (step !== lastPct) {
      lastPct = step;
      process.stderr.write(`${label} ${total ? `${step}% (${received}/${total} bytes)` : `${received} bytes`}\n`);
    }
  };
}

async function fetchModel(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { dir: { type: 'string' }, url: { type: 'string' }, registry: { type: 'string' } },
  });
  if (positionals.length !== 1) {
    console.error(USAGE);
    return 2;
  }
  const name = positionals[0];
  const reg = loadRegistry(values.registry);
  const entry = reg.get(name);
  if (!entry && !values.url) throw new ModelError(`unknown model '${name}'; known: ${[...reg.keys()].join(', ')} (or pass --url)`);
  const bpu = entry?.bpu;
  if (entry && !bpu && !values.url) throw new ModelError(`model '${name}' has no downloadable BPU .bin in the registry (pass --url)`);
  const url = values.url ?? (bpu?.url as string);
  if (!url) throw new ModelError(`model '${name}' has no download URL in the registry; pass --url`);
  const fileName = bpu ? path.basename(bpu.file) : path.basename(new URL(url).pathname);
  const dir = values.dir ?? modelCacheDir();
  const dest = path.join(dir, fileName);
  console.error(`downloading ${url}\n  -> ${dest}`);
  const result = await download({
    url,
    dest,
    // A custom --url may serve another build: then the registry's size and hash do not apply.
    expectedSize: values.url ? undefined : bpu?.size,
    sha256: values.url ? undefined : bpu?.sha256,
    onProgress: progressPrinter(fileName),
  });
  if (result.alreadyPresent) console.error(`${dest} is already there (${result.bytes} bytes)`);
  else console.error(`done: ${result.bytes} bytes${result.resumedFrom ? ` (resumed at ${result.resumedFrom})` : ''}, sha256 ${result.sha256}`);
  console.log(dest);
  return 0;
}
