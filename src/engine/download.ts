// Resumable model download: HTTP(S) GET into `<dest>.part` (resumed with a Range request when a
// partial file is there), size checked against the server's total and the registry's size, sha256
// checked when known, then renamed atomically onto `dest`. Only `mnv4 models download` calls it.
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import * as https from 'https';
import * as path from 'path';

export interface DownloadOptions {
  url: string;
  dest: string;
  /** Bytes expected (from the registry); the server's total must agree. */
  expectedSize?: number;
  /** Lower-case hex sha256 of the whole file. */
  sha256?: string;
  /** Called as bytes arrive; total is undefined when the server does not say. */
  onProgress?: (received: number, total: number | undefined) => void;
  /** No data for this long aborts the transfer (the .part stays for a resume). */
  idleTimeoutMs?: number;
}

export interface DownloadResult {
  path: string;
  bytes: number;
  /** Bytes that were already in the .part file and not fetched again. */
  resumedFrom: number;
  sha256: string;
  /** The file was already complete at dest; nothing was fetched. */
  alreadyPresent: boolean;
}

export class DownloadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DownloadError';
  }
}

const MAX_REDIRECTS = 5;

function request(url: string, headers: Record<string, string>, idleTimeoutMs: number, redirects = 0): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      reject(new DownloadError(`not a valid URL: ${url}`));
      return;
    }
    const get = u.protocol === 'https:' ? https.get : u.protocol === 'http:' ? http.get : undefined;
    if (!get) {
      reject(new DownloadError(`unsupported URL scheme ${u.protocol} in ${url} (http or https)`));
      return;
    }
    const req = get(u, { headers }, (res) => {
      const status = res.statusCode ?? 0;
      if (status >= 300 && status < 400 && res.headers.location) {
        res.resume();
        if (redirects >= MAX_REDIRECTS) {
          reject(new DownloadError(`too many redirects fetching ${url}`));
          return;
        }
        resolve(request(new URL(res.headers.location, u).toString(), headers, idleTimeoutMs, redirects + 1));
        return;
      }
      resolve(res);
    });
    req.setTimeout(idleTimeoutMs, () => req.destroy(new DownloadError(`no response from ${url} for ${idleTimeoutMs} ms`)));
    req.on('error', (err) => reject(err instanceof DownloadError ? err : new DownloadError(`cannot fetch ${url}: ${err.message}`)));
  });
}

async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function sizeOf(file: string): number | undefined {
  try {
    return fs.statSync(file).size;
  } catch {
    return undefined;
  }
}

/** Parses `bytes start-end/total` (total may be `*`). */
function parseContentRange(v: string | undefined): { start: number; total?: number } | undefined {
  const m = v && /^bytes\s+(\d+)-(\d+)\/(\d+|\*)$/.exec(v.trim());
  if (!m) return undefined;
  return { start: Number(m[1]), total: m[3] === '*' ? undefined : Number(m[3]) };
}

export async function download(opts: DownloadOptions): Promise<DownloadResult> {
  const { url, dest, expectedSize } = opts;
  const want = opts.sha256?.toLowerCase();
  const idle = opts.idleTimeoutMs ?? 30000;
  const part = `${dest}.part`;
  fs.mkdirSync(path.dirname(dest), { recursive: true });

  const existing = sizeOf(dest);
  if (existing !== undefined && (expectedSize === undefined || existing === expectedSize)) {
    const sum = await sha256File(dest);
    if (!want || sum === want) return { path: dest, bytes: existing, resumedFrom: existing, sha256: sum, alreadyPresent: true };
  }

  let offset = sizeOf(part) ?? 0;
  if (expectedSize !== undefined && offset > expectedSize) {
    fs.rmSync(part);
    offset = 0;
  }
  const res = await request(url, offset > 0 ? { Range: `bytes=${offset}-` } : {}, idle);
  const status = res.statusCode ?? 0;
  let total: number | undefined;
  let append: boolean;
  if (status === 206) {
    const cr = parseContentRange(res.headers['content-range']);
    if (!cr || cr.start !== offset) {
      res.resume();
      throw new DownloadError(`server answered the resume of ${url} with an unexpected range (${res.headers['content-range'] ?? 'none'})`);
    }
    total = cr.total;
    append = true;
  } else if (status === 200) {
    const len = res.headers['content-length'];
    total = len !== undefined ? Number(len) : undefined;
    append = false; // the server ignored the Range: start over
    offset = 0;
  } else if (status === 416 && offset > 0) {
    // Nothing after `offset`: the .part may already be complete.
    res.resume();
    const cr = /\*\/(\d+)/.exec(res.headers['content-range'] ?? '');
    total = cr ? Number(cr[1]) : expectedSize;
    if (total === undefined || total !== offset) {
      fs.rmSync(part, { force: true });
      throw new DownloadError(`the partial file ${part} does not match ${url} (server refused the resume); removed it, run again`);
    }
    return finish(opts, part, offset, offset, total, want);
  } else {
    res.resume();
    throw new DownloadError(`HTTP ${status} ${res.statusMessage ?? ''} for ${url}`.replace(/\s+for/, ' for'));
  }
  if (total !== undefined && expectedSize !== undefined && total !== expectedSize) {
    res.resume();
    throw new DownloadError(`${url} is ${total} bytes but the registry expects ${expectedSize}; refusing it`);
  }

  const resumedFrom = offset;
  let received = offset;
  opts.onProgress?.(received, total);
  const out = fs.createWriteStream(part, { flags: append ? 'a' : 'w' });
  try {
    await new Promise<void>((resolve, reject) => {
      let failed = false;
      const fail = (err: Error) => {
        if (failed) return;
        failed = true;
        res.destroy();
        out.destroy();
        reject(err);
      };
      res.setTimeout(idle, () => fail(new DownloadError(`no data from ${url} for ${idle} ms`)));
      res.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (total !== undefined && received > total) {
          fail(new DownloadError(`${url} sent more than its announced ${total} bytes; refusing it`));
          return;
        }
        opts.onProgress?.(received, total);
      });
      res.on('aborted', () => fail(new DownloadError('connection closed early')));
      res.on('error', (err) => fail(err));
      out.on('error', (err) => fail(new DownloadError(`cannot write ${part}: ${err.message}`)));
      res.pipe(out);
      out.on('finish', () => {
        if (!failed) resolve();
      });
    });
  } catch (err) {
    const have = sizeOf(part) ?? 0;
    if (err instanceof DownloadError && /more than/.test(err.message)) fs.rmSync(part, { force: true });
    throw new DownloadError(
      `download of ${url} interrupted at ${have}${total !== undefined ? ` of ${total}` : ''} bytes (${(err as Error).message}); ` +
        `run the same command again to resume from ${part}`,
    );
  }
  return finish(opts, part, resumedFrom, sizeOf(part) ?? 0, total, want);
}

async function finish(
  opts: DownloadOptions,
  part: string,
  resumedFrom: number,
  bytes: number,
  total: number | undefined,
  want: string | undefined,
): Promise<DownloadResult> {
  if (total !== undefined && bytes !== total) {
    throw new DownloadError(`download of ${opts.url} has ${bytes} bytes, the server announced ${total}; run again to resume from ${part}`);
  }
  if (opts.expectedSize !== undefined && bytes !== opts.expectedSize) {
    fs.rmSync(part, { force: true });
    throw new DownloadError(`download of ${opts.url} has ${bytes} bytes but the registry expects ${opts.expectedSize}; removed it`);
  }
  const sum = await sha256File(part);
  if (want && sum !== want) {
    fs.rmSync(part, { force: true });
    throw new DownloadError(`sha256 of the download from ${opts.url} is ${sum}, expected ${want}; removed it`);
  }
  fs.renameSync(part, opts.dest);
  return { path: opts.dest, bytes, resumedFrom, sha256: sum, alreadyPresent: false };
}
