// Resumable model download against a loopback HTTP server (nothing leaves 127.0.0.1).
import { strict as assert } from 'assert';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import type { AddressInfo } from 'net';
import * as os from 'os';
import * as path from 'path';
import { download, DownloadError } from '../../src/engine/download';
import { run as modelsCli } from '../../src/cli/models';

interface Served {
  url: string;
  requests: Array<{ path: string; range?: string }>;
  close(): Promise<void>;
  /** Bytes after which the next full (non-range) response is cut off, once. */
  cutAfter?: number;
  /** Announce this total instead of the real one. */
  lieTotal?: number;
}

async function serve(body: Buffer, opts: { rangeSupport?: boolean } = {}): Promise<Served> {
  const s: Partial<Served> = { requests: [] };
  const server = http.createServer((req, res) => {
    s.requests!.push({ path: req.url ?? '', range: req.headers.range });
    if (req.url === '/redirect') {
      res.writeHead(302, { Location: '/model.bin' });
      res.end();
      return;
    }
    if (req.url !== '/model.bin') {
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end('not here');
      return;
    }
    const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    if (m && opts.rangeSupport !== false) {
      const start = Number(m[1]);
      if (start >= body.length) {
        res.writeHead(416, { 'Content-Range': `bytes */${body.length}` });
        res.end();
        return;
      }
      res.writeHead(206, { 'Content-Length': body.length - start, 'Content-Range': `bytes ${start}-${body.length - 1}/${body.length}` });
      res.end(body.subarray(start));
      return;
    }
    const total = s.lieTotal ?? body.length;
    res.writeHead(200, { 'Content-Length': total });
    if (s.cutAfter !== undefined) {
      const cut = s.cutAfter;
      s.cutAfter = undefined;
      res.write(body.subarray(0, cut), () => setTimeout(() => res.socket?.destroy(), 20));
      return;
    }
    res.end(body.subarray(0, Math.min(total, body.length)));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  s.url = `http://127.0.0.1:${port}`;
  s.close = () => new Promise<void>((r) => server.close(() => r()));
  return s as Served;
}

describe('model download (loopback HTTP)', () => {
  const body = Buffer.alloc(300_000);
  for (let i = 0; i < body.length; i++) body[i] = (i * 7919 + (i >> 8)) & 0xff;
  const sha = createHash('sha256').update(body).digest('hex');
  let tmp: string;
  let srv: Served;
  beforeEach(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mnv4-dl-'));
    srv = await serve(body);
  });
  afterEach(async () => {
    await srv.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('downloads the whole file with progress, size and sha256 checks, and renames it into place', async () => {
    const dest = path.join(tmp, 'sub', 'model.bin');
    const progress: number[] = [];
    const r = await download({ url: `${srv.url}/model.bin`, dest, expectedSize: body.length, sha256: sha, onProgress: (n) => progress.push(n) });
    assert.ok(fs.readFileSync(dest).equals(body));
    assert.equal(r.bytes, body.length);
    assert.equal(r.resumedFrom, 0);
    assert.equal(r.sha256, sha);
    assert.equal(fs.existsSync(`${dest}.part`), false);
    assert.equal(progress[progress.length - 1], body.length);
    assert.ok(progress.length > 1);
    // a second run finds it complete and fetches nothing
    const n = srv.requests.length;
    const again = await download({ url: `${srv.url}/model.bin`, dest, expectedSize: body.length, sha256: sha });
    assert.equal(again.alreadyPresent, true);
    assert.equal(srv.requests.length, n);
  });

  it('resumes an interrupted transfer with an HTTP Range request', async () => {
    const dest = path.join(tmp, 'model.bin');
    srv.cutAfter = 120_000;
    await assert.rejects(download({ url: `${srv.url}/model.bin`, dest }), (e: Error) => e instanceof DownloadError && /interrupted at \d+ of 300000 bytes.*run the same command again/.test(e.message));
    assert.equal(fs.existsSync(dest), false);
    const partial = fs.statSync(`${dest}.part`).size;
    assert.ok(partial > 0 && partial < body.length, `partial ${partial}`);
    const r = await download({ url: `${srv.url}/model.bin`, dest, sha256: sha });
    assert.equal(srv.requests[srv.requests.length - 1].range, `bytes=${partial}-`);
    assert.equal(r.resumedFrom, partial);
    assert.ok(fs.readFileSync(dest).equals(body));
    assert.equal(fs.existsSync(`${dest}.part`), false);
  });

  it('starts over when the server ignores the Range header', async () => {
    await srv.close();
    srv = await serve(body, { rangeSupport: false });
    const dest = path.join(tmp, 'model.bin');
    fs.writeFileSync(`${dest}.part`, Buffer.from('garbage that is not the start of the file'));
    const r = await download({ url: `${srv.url}/model.bin`, dest, sha256: sha });
    assert.equal(r.resumedFrom, 0);
    assert.ok(fs.readFileSync(dest).equals(body));
  });

  it('refuses a file whose size differs from the registry', async () => {
    const dest = path.join(tmp, 'model.bin');
    await assert.rejects(download({ url: `${srv.url}/model.bin`, dest, expectedSize: body.length + 1 }), /is 300000 bytes but the registry expects 300001; refusing it/);
    assert.equal(fs.existsSync(dest), false);
  });

  it('refuses a transfer shorter than the announced size', async () => {
    srv.lieTotal = body.length + 10; // announces more than it sends, then closes
    srv.cutAfter = body.length;
    const dest = path.join(tmp, 'model.bin');
    await assert.rejects(download({ url: `${srv.url}/model.bin`, dest }), /interrupted at 300000 of 300010 bytes/);
    assert.equal(fs.existsSync(dest), false);
  });

  it('refuses and removes a download whose sha256 differs', async () => {
    const dest = path.join(tmp, 'model.bin');
    await assert.rejects(download({ url: `${srv.url}/model.bin`, dest, sha256: '0'.repeat(64) }), new RegExp(`sha256 .* is ${sha}, expected 0{64}; removed it`));
    assert.equal(fs.existsSync(dest), false);
    assert.equal(fs.existsSync(`${dest}.part`), false);
  });

  it('gives a clear error for a 404 and follows redirects', async () => {
    const dest = path.join(tmp, 'model.bin');
    await assert.rejects(download({ url: `${srv.url}/missing.bin`, dest }), (e: Error) => e instanceof DownloadError && e.message === `HTTP 404 Not Found for ${srv.url}/missing.bin`);
    assert.equal(fs.existsSync(dest), false);
    const r = await download({ url: `${srv.url}/redirect`, dest, sha256: sha });
    assert.equal(r.bytes, body.length);
  });

  it('`mnv4 models download` fetches into --dir and reports a 404 with exit code 1', async () => {
    const errs: string[] = [];
    const outs: string[] = [];
    const origErr = console.error, origLog = console.log;
    const origWrite = process.stderr.write.bind(process.stderr);
    console.error = (...a: unknown[]) => errs.push(a.join(' '));
    console.log = (...a: unknown[]) => outs.push(a.join(' '));
    (process.stderr as { write: unknown }).write = (s: string) => (errs.push(String(s)), true);
    try {
      const code = await modelsCli(['download', 'conv_small', '--dir', tmp, '--url', `${srv.url}/model.bin`]);
      assert.equal(code, 0);
      assert.ok(fs.readFileSync(path.join(tmp, 'MobileNetV4_conv_small_224x224_nv12.bin')).equals(body));
      assert.equal(outs[outs.length - 1], path.join(tmp, 'MobileNetV4_conv_small_224x224_nv12.bin'));
      assert.ok(errs.some((l) => /100%/.test(l)), errs.join('|'));
      const bad = await modelsCli(['download', 'conv_medium', '--dir', tmp, '--url', `${srv.url}/nope.bin`]);
      assert.equal(bad, 1);
      assert.ok(errs.some((l) => /mnv4 models: HTTP 404 Not Found/.test(l)));
      assert.equal(await modelsCli(['download', 'conv_tiny', '--dir', tmp]), 1);
      assert.ok(errs.some((l) => /unknown model 'conv_tiny'/.test(l)));
    } finally {
      console.error = origErr;
      console.log = origLog;
      (process.stderr as { write: unknown }).write = origWrite;
    }
  });
});
