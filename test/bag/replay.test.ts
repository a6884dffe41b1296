import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { McapIndexedReader } from '@mcap/core';
import { MessageReader } from '@foxglove/rosmsg2-serialization';
import { parse as parseMsg } from '@foxglove/rosmsg';
import { runReplay, run as replayCli, type ReplayRun } from '../../src/cli/replay';
import { buildInputs, replayOptions as opts, type ReplayInputs } from './inputs';
import { writeDb3Folder, writeMcap } from './independent';

type Stamp = { sec: number; nanosec: number };
type Hdr = { stamp: Stamp; frame_id: string };


async function readBag(file: string) {
  const bytes = fs.readFileSync(file);
  const reader = await McapIndexedReader.Initialize({ readable: { size: async () => BigInt(bytes.length), read: async (o, s) => bytes.subarray(Number(o), Number(o + s)) } });
  const byTopic = new Map<string, { logTime: bigint; msg: Record<string, unknown> }[]>();
  const decoders = new Map<number, MessageReader>();
  for (const [id, ch] of reader.channelsById) {
    const schema = reader.schemasById.get(ch.schemaId)!;
    assert.equal(schema.encoding, 'ros2msg', `${ch.topic} schema encoding`);
    assert.equal(ch.messageEncoding, 'cdr', `${ch.topic} message encoding`);
    // Built only from the bag's own embedded schema text.
    decoders.set(id, new MessageReader(parseMsg(new TextDecoder().decode(schema.data), { ros2: true })));
    byTopic.set(ch.topic, []);
  }
  for await (const m of reader.readMessages()) {
    const ch = reader.channelsById.get(m.channelId)!;
    byTopic.get(ch.topic)!.push({ logTime: m.logTime, msg: decoders.get(m.channelId)!.readMessage(m.data) });
  }
  return { reader, byTopic };
}

describe('[native] bag replay (bags from independent writers, reference MobileNetV2)', function () {
  this.timeout(300_000);
  let dir: string;
  let inputs: ReplayInputs;
  let mcapRun: ReplayRun;
  let mcapBag: string;
  let db3Bag: string;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mnv4-replay-'));
    inputs = await buildInputs();
    mcapBag = path.join(dir, 'input.mcap');
    await writeMcap(mcapBag, inputs.msgs);
    db3Bag = path.join(dir, 'input_db3');
    writeDb3Folder(db3Bag, inputs.msgs);
    mcapRun = await runReplay(opts(mcapBag, path.join(dir, 'results.mcap')), () => undefined);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  function checkRun(r: ReplayRun): void {
    const res = r.result;
    assert.equal(res.frames, inputs.msgs.length);
    assert.equal(res.classified, inputs.good.length, `errors: ${JSON.stringify(res.errors.map((e) => e.reason))}`);
    assert.equal(res.frames, res.classified + res.errors.length);
    for (const g of inputs.good) {
      const rec = res.records.find((x) => x.header && x.header.stamp.sec === g.stamp.sec && x.header.stamp.nanosec === g.stamp.nanosec);
      assert.ok(rec?.top, `${g.spec.file} (${g.spec.encoding}) has a result`);
      assert.equal(rec.header!.frame_id, g.frameId);
      assert.equal(rec.top![0].classIndex, g.spec.expected, `${g.spec.file} as ${g.spec.encoding} ${g.spec.width}x${g.spec.height}: top-1 ${rec.top![0].classIndex} (${r.session.labels[rec.top![0].classIndex]})`);
    }
    // Every malformed frame reported with its own stamp and frame_id, and the right reason.
    assert.equal(res.errors.length, inputs.bad.length);
    for (const b of inputs.bad) {
      const e = res.errors.find((x) => x.frame_id === b.frameId);
      assert.ok(e, `${b.what} is reported`);
      assert.deepEqual(e.stamp, b.stamp, `${b.what} stamp`);
      assert.equal(e.code, b.code, `${b.what}: ${e.reason}`);
      assert.ok(e.reason.length > e.code.length + 5, `${b.what} has a readable reason: ${e.reason}`);
    }
  }

  it('classifies every good frame of an MCAP bag right and reports every malformed one with its stamp', () => {
    checkRun(mcapRun);
    assert.equal(mcapRun.session.backend, 'cpu');
  });

  it('does the same for a Humble-layout .db3 bag', async () => {
    const r = await runReplay(opts(db3Bag, path.join(dir, 'results_db3.mcap')), () => undefined);
    checkRun(r);
  });

  it('writes a results bag that Foxglove decodes from its embedded schemas, headers and times matching the inputs', async () => {
    const { reader, byTopic } = await readBag(path.join(dir, 'results.mcap'));
    assert.equal(reader.header.profile, 'ros2');
    assert.ok(reader.statistics, 'Statistics record');
    assert.equal(reader.statistics!.messageCount, BigInt(2 * inputs.good.length + 1));
    const cls = byTopic.get('/classification')!;
    const lat = byTopic.get('/classification/latency')!;
    const info = byTopic.get('/label_info')!;
    assert.equal(cls.length, inputs.good.length);
    assert.equal(lat.length, inputs.good.length);
    assert.equal(info.length, 1);
    inputs.good.forEach((g, i) => {
      const want: Hdr = { stamp: g.stamp, frame_id: g.frameId };
      assert.deepEqual(cls[i].msg.header, want, `classification ${i} header`);
      assert.deepEqual(lat[i].msg.header, want, `latency ${i} header`);
      assert.equal(cls[i].logTime, g.logTime, `classification ${i} logged at the input's receive time`);
      const results = cls[i].msg.results as { class_id: string; score: number }[];
      assert.equal(results.length, 5);
      assert.equal(results[0].class_id, String(g.spec.expected));
      assert.ok(results[0].score > results[1].score);
      const l = lat[i].msg as { total_ms: number; inference_ms: number; backend: string };
      assert.ok(l.total_ms >= l.inference_ms && l.inference_ms > 0);
      assert.equal(l.backend, 'cpu');
    });
    const classMap = info[0].msg.class_map as { class_id: number; class_name: string }[];
    assert.equal(classMap.length, 1000);
    assert.equal(classMap[285].class_name, mcapRun.session.labels[285]);
    assert.ok(info[0].logTime <= cls[0].logTime, '/label_info comes first');
  });

  it('passes a golden comparison on the same model and fails, naming frames, on another model', async () => {
    const golden = path.join(dir, 'results.mcap');
    const same = await runReplay(opts(db3Bag, path.join(dir, 'same.mcap'), { golden }), () => undefined);
    assert.equal(same.goldenFailed, false, same.goldenText);
    assert.match(same.goldenText!, new RegExp(`${inputs.good.length} frames match`));

    const other = await runReplay(opts(mcapBag, path.join(dir, 'other.mcap'), { golden, model: 'conv_small_synthetic' }), () => undefined);
    assert.equal(other.goldenFailed, true);
    const g0 = inputs.good[0];
    const key = `${g0.stamp.sec}.${String(g0.stamp.nanosec).padStart(9, '0')} ${g0.frameId}`;
    assert.ok(other.goldenText!.includes(key), `names ${key}:\n${other.goldenText}`);
    assert.match(other.goldenText!, /top-1 was 285 /);
  });

  it('fails the golden check on a different resize mode for at least the frame whose class depends on it', async () => {
    const golden = path.join(dir, 'results.mcap');
    const r = await runReplay(opts(mcapBag, path.join(dir, 'stretch.mcap'), { golden, resizeMode: 'stretch' }), () => undefined);
    assert.equal(r.goldenFailed, true, r.goldenText);
    // squirrel_cls.jpg is a fox squirrel with a centre crop and a titi with a stretch (SOURCES.md).
    const sq = inputs.good.find((g) => g.spec.file === 'squirrel_cls.jpg')!;
    assert.ok(r.goldenText!.includes(`${sq.stamp.sec}.${String(sq.stamp.nanosec).padStart(9, '0')} ${sq.frameId}`), r.goldenText);
  });

  it('mnv4 replay --json prints the summary and exits 0; a golden mismatch exits 1', async () => {
    const logs: string[] = [];
    const errs: string[] = [];
    const log = console.log;
    const err = console.error;
    console.log = (s: string) => logs.push(s);
    console.error = (s: string) => errs.push(s);
    let code: number;
    let code2: number;
    try {
      code = await replayCli([mcapBag, '--out', path.join(dir, 'cli.mcap'), '--model', 'reference-mobilenetv2', '--backend', 'cpu', '--resize-mode', 'center_crop', '--json']);
      code2 = await replayCli([mcapBag, '--out', path.join(dir, 'cli2.mcap'), '--model', 'conv_small_synthetic', '--backend', 'cpu', '--golden', path.join(dir, 'results.mcap'), '--json']);
    } finally {
      console.log = log;
      console.error = err;
    }
    assert.equal(code, 0, errs.join('\n'));
    const j = JSON.parse(logs[0]);
    assert.equal(j.frames, inputs.msgs.length);
    assert.equal(j.classified, inputs.good.length);
    assert.equal(j.errors.length, inputs.bad.length);
    const zero = inputs.bad.find((b) => b.code === 'zero_size')!;
    const e = j.errors.find((x: { frame_id: string }) => x.frame_id === zero.frameId);
    assert.deepEqual(e.stamp, zero.stamp);
    assert.match(e.reason, /zero_size/);
    assert.ok(j.latency_ms.total.p50 > 0);
    assert.ok(j.fps > 0);
    assert.equal(j.classes[mcapRun.session.labels[285]], 1);
    assert.equal(code2, 1);
    assert.ok(errs.some((s) => /frame\(s\) differ/.test(s)));
  });

  it('refuses a topic that is not in the bag or not an image, naming the image topics', async () => {
    await assert.rejects(runReplay(opts(mcapBag, path.join(dir, 'x.mcap'), { topics: ['/nope'] }), () => undefined), /\/nope is not in the bag; image topics: \/usb_cam\/image_raw/);
  });

  it('replays one topic with --topic', async () => {
    const r = await runReplay(opts(mcapBag, path.join(dir, 'one.mcap'), { topics: ['/mipi_cam/image_raw'] }), () => undefined);
    assert.equal(r.result.frames, 1);
    assert.equal(r.result.classified, 1);
    assert.equal(r.result.records[0].top![0].classIndex, 19);
  });

  it('with --rate feeds at recorded pace under drop_oldest and still accounts for every frame', async () => {
    const r = await runReplay(opts(mcapBag, path.join(dir, 'rate.mcap'), { rate: 20, queueSize: 1, threads: 1 }), () => undefined);
    assert.equal(r.result.frames, inputs.msgs.length);
    assert.equal(r.result.frames, r.result.classified + r.result.errors.length);
    assert.equal(r.result.dropped, r.result.errors.filter((e) => e.code === 'dropped').length);
    // A malformed frame is either reported for what it is or shed before it was looked at; it is
    // never classified. Frames not dropped keep their reasons.
    for (const b of inputs.bad) {
      const e = r.result.errors.find((x) => x.frame_id === b.frameId);
      assert.ok(e && (e.code === b.code || e.code === 'dropped'), `${b.what}: ${e?.reason}`);
    }
    for (const rec of r.result.records.filter((x) => x.top)) {
      const g = inputs.good.find((x) => x.logTime === rec.logTime)!;
      assert.equal(rec.top![0].classIndex, g.spec.expected);
    }
  });
});
