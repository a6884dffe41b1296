// Child process for test/ros/shutdown.test.ts: the node on the fake rclnodejs with the real CPU
// engine, fed frames faster than it classifies them. Prints progress lines on stdout:
//   ready | published N | signal inflight=N | done code=N threads=N
import * as fs from 'fs';
import { runNode } from '../../src/ros/run';
import { defaultDeps } from '../../src/ros/wiring';
import { createFakeRclnodejs, type FakeNode } from './fake_rclnodejs';
import { headerFor, rawImage } from './e2e_helpers';

const threads = () => fs.readdirSync('/proc/self/task').length;

async function main(): Promise<void> {
  const frames = await Promise.all(['cat.png', 'parrot.jpg', 'orange.jpg'].map((f, i) => rawImage(f, i, headerFor(f, i))));
  const rcl = createFakeRclnodejs({ echoLogs: true });
  const argv = ['--ros-args', '-p', 'model_variant:=reference-mobilenetv2', '-p', 'backend:=cpu', '-p', 'num_threads:=2', '-p', 'queue_size:=4', '-p', 'drop_policy:=drop_oldest'];
  const say = (l: string) => process.stdout.write(`${l}\n`);
  say(`baseline threads=${threads()}`);
  const code = await runNode({
    argv,
    rcl,
    deps: defaultDeps(),
    onReady: (cls) => {
      const node = rcl.state.nodes[0] as FakeNode;
      let i = 0;
      const feed = setInterval(() => {
        for (let k = 0; k < 4; k++) node.subscriptions[0].inject(frames[i++ % frames.length]);
      }, 5);
      let last = -1;
      const report = setInterval(() => {
        const n = node.publisher('classification').messages.length;
        if (n !== last) say(`published ${n} threads=${threads()}`);
        last = n;
      }, 50);
      const onSignal = () => {
        process.off('SIGTERM', onSignal);
        process.off('SIGINT', onSignal);
        clearInterval(feed);
        clearInterval(report);
        say(`signal inflight=${cls.framesInFlight}`);
      };
      process.on('SIGTERM', onSignal);
      process.on('SIGINT', onSignal);
      say('ready');
    },
  });
  say(`done code=${code} threads=${threads()} shutdown=${rcl.state.shutdown}`);
  process.exitCode = code;
}

main().catch((err: Error) => {
  console.error(err.stack);
  process.exitCode = 3;
});
