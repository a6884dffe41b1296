import { strict as assert } from 'assert';
import { openBag } from '../../src/bag/open';
import { run as demo, demoModel, SAMPLE_BAG } from '../../src/cli/demo';
import { SAMPLE_SPECS } from './frames';

describe('sample bag', () => {
  it('holds the fixture photos in several raw and compressed encodings, in stamp order', async () => {
    const bag = await openBag(SAMPLE_BAG);
    try {
      assert.equal(bag.info.storage, 'mcap');
      assert.equal(bag.info.metadataVersion, 5);
      assert.equal(bag.info.messageCount, SAMPLE_SPECS.length);
      const topics = Object.fromEntries(bag.info.topics.map((t) => [t.name, t.type]));
      assert.equal(topics['/usb_cam/image_raw'], 'sensor_msgs/msg/Image');
      assert.equal(topics['/usb_cam/image_raw/compressed'], 'sensor_msgs/msg/CompressedImage');
      let last = 0n;
      let n = 0;
      for await (const m of bag.messages()) {
        assert.equal(m.topic, SAMPLE_SPECS[n].topic);
        assert.ok(m.logTime > last);
        last = m.logTime;
        n++;
      }
      assert.equal(n, SAMPLE_SPECS.length);
    } finally {
      await bag.close();
    }
  });
});

describe('[native] mnv4 demo', function () {
  this.timeout(120_000);
  it('replays the sample bag on the CPU and prints every frame with its expected label and a latency summary', async () => {
    const lines: string[] = [];
    const log = console.log;
    console.log = (s: string) => lines.push(s);
    let code: number;
    try {
      code = await demo([]);
    } finally {
      console.log = log;
    }
    assert.equal(code, 0, lines.join('\n'));
    const out = lines.join('\n');
    if (demoModel().model === 'reference-mobilenetv2') assert.match(lines[0], /weights not found.*reference MobileNetV2/);
    else assert.match(out, /conv_small on cpu/);
    const frames = lines.filter((l) => / -> /.test(l));
    assert.equal(frames.length, SAMPLE_SPECS.length);
    if (demoModel().model === 'reference-mobilenetv2') {
      SAMPLE_SPECS.forEach((s, i) => assert.match(frames[i], new RegExp(`-> ${s.expected} `), `${s.file}: ${frames[i]}`));
    }
    assert.match(out, /latency ms \(receipt to result\): mean [\d.]+, p50 [\d.]+/);
    assert.match(out, new RegExp(`${SAMPLE_SPECS.length}/${SAMPLE_SPECS.length} classified, 0 errors`));
  });
});
