import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { openBag } from '../../src/bag/open';
import { replay, type PipelineLike } from '../../src/bag/replay';
import type { FrameOutcome, ImageKind } from '../../src/pipeline/types';
import { fgImage, writeMcap, type RawMsg } from './independent';

// The replay loop's scheduling, on a virtual clock. The pipeline here only records when it was
// called (the real pipeline is exercised end to end in replay.test.ts).
function recorder(clock: { t: number }) {
  const calls: number[] = [];
  let readyCalls = 0;
  const p: PipelineLike = {
    process(_kind: ImageKind, _cdr: Uint8Array): Promise<FrameOutcome> {
      calls.push(clock.t);
      const header = { stamp: { sec: calls.length, nanosec: 0 }, frame_id: 'f' };
      return Promise.resolve({ ok: true, sequence: calls.length - 1, header, top: [{ classIndex: 1, score: 0.9 }], latency: { decode_ms: 0, queue_ms: 0, preprocess_ms: 0, inference_ms: 1, postprocess_ms: 0, total_ms: 1 }, classificationCdr: new Uint8Array(8), latencyCdr: new Uint8Array(8) });
    },
    async ready() {
      readyCalls++;
    },
    labelInfoCdr: () => new Uint8Array(8),
  };
  return { p, calls, readyCalls: () => readyCalls };
}

describe('replay pacing and split bags', () => {
  let dir: string;
  const msgs: RawMsg[] = [];
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mnv4-pace-'));
    const gaps = [0, 100, 250, 260, 1000]; // ms after the first receive time
    for (const g of gaps) {
      msgs.push({
        topic: '/cam/image_raw',
        type: 'sensor_msgs/msg/Image',
        logTime: 5_000_000_000n + BigInt(g) * 1_000_000n,
        data: fgImage({ header: { stamp: { sec: 5, nanosec: g } , frame_id: 'cam' }, width: 2, height: 2, encoding: 'mono8', step: 2, data: new Uint8Array(4) }),
      });
    }
    await writeMcap(path.join(dir, 'paced.mcap'), msgs);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  for (const rate of [1, 2, 0.5]) {
    it(`feeds each frame at its recorded receive time / ${rate}, without waiting on the engine`, async () => {
      const clock = { t: 1000 };
      const { p, calls, readyCalls } = recorder(clock);
      const bag = await openBag(path.join(dir, 'paced.mcap'));
      try {
        const res = await replay(bag, p, {
          rate,
          maxInFlight: 4,
          labels: ['a', 'b'],
          now: () => clock.t,
          sleep: async (ms) => {
            clock.t += ms;
          },
        });
        assert.equal(res.frames, 5);
        assert.deepEqual(calls.map((t) => t - 1000), [0, 100, 250, 260, 1000].map((g) => g / rate));
        assert.equal(readyCalls(), 0, 'the live policy does not wait for room');
      } finally {
        await bag.close();
      }
    });
  }

  it('as fast as possible: never sleeps and waits for room before every frame', async () => {
    const clock = { t: 0 };
    const { p, calls, readyCalls } = recorder(clock);
    const bag = await openBag(path.join(dir, 'paced.mcap'));
    try {
      await replay(bag, p, { maxInFlight: 2, labels: ['a', 'b'], now: () => clock.t, sleep: async () => assert.fail('slept') });
      assert.deepEqual(calls, [0, 0, 0, 0, 0]);
      assert.equal(readyCalls(), 5);
    } finally {
      await bag.close();
    }
  });

  it('merges a split bag (two files listed in metadata.yaml) in receive-time order', async () => {
    const folder = path.join(dir, 'split');
    fs.mkdirSync(folder);
    // Second file first in the listing, and interleaved times: order must come from the times.
    await writeMcap(path.join(folder, 'split_0.mcap'), msgs.filter((_, i) => i % 2 === 0));
    await writeMcap(path.join(folder, 'split_1.mcap'), msgs.filter((_, i) => i % 2 === 1));
    fs.writeFileSync(
      path.join(folder, 'metadata.yaml'),
      `rosbag2_bagfile_information:
  version: 5
  storage_identifier: mcap
  duration: {nanoseconds: 1000000000}
  starting_time: {nanoseconds_since_epoch: 5000000000}
  message_count: 5
  topics_with_message_count: []
  compression_format: ""
  compression_mode: ""
  relative_file_paths: [split_1.mcap, split_0.mcap]
  files: []
`,
    );
    const bag = await openBag(folder);
    try {
      assert.equal(bag.info.files.length, 2);
      assert.equal(bag.info.messageCount, 5);
      const times: bigint[] = [];
      for await (const m of bag.messages()) times.push(m.logTime);
      assert.deepEqual(times, msgs.map((m) => m.logTime));
    } finally {
      await bag.close();
    }
    // Without metadata.yaml the folder's storage files are taken in name order, merged the same way.
    fs.unlinkSync(path.join(folder, 'metadata.yaml'));
    const bare = await openBag(folder);
    try {
      assert.equal(bare.info.metadataVersion, undefined);
      assert.equal(bare.info.messageCount, 5);
    } finally {
      await bare.close();
    }
  });
});
