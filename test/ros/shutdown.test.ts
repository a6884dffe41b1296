// SIGTERM with frames in flight: the node (fake rclnodejs, real CPU engine in worker threads, fed
// faster than it classifies) must stop intake, settle its frames, close the engine and let the
// process end by itself, within the 2 s that `ros2 launch` allows before escalating.
import { strict as assert } from 'assert';
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { packageRoot } from '../../src/paths';

const DEADLINE_MS = 2000;

describe('[native] ros node shutdown under load (child process)', function () {
  this.timeout(120000);

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`${signal}: exits 0 within 2 s with frames in flight, its workers gone`, async () => {
      const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', path.join(__dirname, 'shutdown_child.ts')], {
        cwd: packageRoot,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      const exited = new Promise<{ code: number | null; at: number }>((resolve) => child.on('exit', (code) => resolve({ code, at: performance.now() })));
      const published = () => Math.max(0, ...[...out.matchAll(/published (\d+)/g)].map((m) => Number(m[1])));
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          if (published() >= 6) resolve();
        });
        void exited.then(() => reject(new Error(`child exited early:\n${out}\n${err}`)));
      });
      const loaded = /published \d+ threads=(\d+)/.exec(out.split('\n').filter((l) => l.startsWith('published')).at(-1)!)!;
      const sentAt = performance.now();
      child.kill(signal);
      const { code, at } = await exited;
      const elapsed = at - sentAt;
      const log = `${out}\n${err}`;
      assert.equal(code, 0, log);
      assert.ok(elapsed < DEADLINE_MS, `exited ${elapsed.toFixed(0)} ms after ${signal}\n${log}`);
      const inflight = Number(/signal inflight=(\d+)/.exec(out)![1]);
      assert.ok(inflight > 0, `frames were in flight at the signal\n${log}`);
      assert.match(out, /done code=0 .*shutdown=true/);
      assert.match(err, /stopped after publishing \d+ classifications/);
      // The process ended on its own: nothing (no worker, no timer) held the event loop open.
      assert.doesNotMatch(err, /handles still open|took longer|again, exiting/);
      const base = Number(/baseline threads=(\d+)/.exec(out)![1]);
      const done = Number(/done code=0 threads=(\d+)/.exec(out)![1]);
      assert.ok(Number(loaded[1]) > base, 'the engine ran worker threads under load');
      assert.ok(done < Number(loaded[1]), `threads after shutdown (${done}) fewer than under load (${loaded[1]})`);
      assert.equal(fs.existsSync(`/proc/${child.pid}`), false, 'no process left');
      console.log(`      ${signal}: ${inflight} frames in flight, exit after ${elapsed.toFixed(0)} ms; threads ${base} before the engine, ${loaded[1]} under load, ${done} after shutdown`);
    });
  }
});
