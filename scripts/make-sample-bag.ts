// Writes the bundled sample bag test/fixtures/bags/sample/ (MCAP + metadata.yaml v5) with the
// project's own writer and CDR encoders, from the fixture photos in several encodings and sizes,
// raw and compressed, at 10 Hz with realistic stamps and frame ids.
// Run: npx ts-node --transpile-only scripts/make-sample-bag.ts [OUT_DIR] [--storage mcap|sqlite3]
import * as path from 'path';
import { createBagWriter } from '../src/bag/writer';
import { QOS_SENSOR_DATA, qosProfileYaml } from '../src/bag/qos';
import { encodeCompressedImage, encodeImage } from '../src/cdr/messages';
import { TYPES } from '../src/pipeline/types';
import { compressedFormat, photoFrame, photoJpeg, photoPng, SAMPLE_SPECS } from '../test/bag/frames';

/** 2024-11-19 07:06:40 UTC: an arbitrary fixed epoch, so the bag is byte-for-byte reproducible. */
export const SAMPLE_EPOCH_S = 1_732_000_000;
const PERIOD_NS = 100_000_000n; // 10 Hz
const TRANSPORT_NS = 4_000_000n; // camera stamp to recorder receipt

export async function makeSampleBag(out: string, storage: 'mcap' | 'sqlite3' = 'mcap'): Promise<void> {
  const w = await createBagWriter(out, { storage });
  const topics = new Map<string, string>();
  for (const s of SAMPLE_SPECS) topics.set(s.topic, s.encoding === 'jpeg' || s.encoding === 'png' ? TYPES.compressed : TYPES.image);
  for (const [name, type] of topics) await w.addTopic({ name, type, qos: qosProfileYaml(QOS_SENSOR_DATA) });
  let i = 0;
  for (const s of SAMPLE_SPECS) {
    const stampNs = BigInt(SAMPLE_EPOCH_S) * 1_000_000_000n + BigInt(i) * PERIOD_NS + 1_234_567n;
    const header = { stamp: { sec: Number(stampNs / 1_000_000_000n), nanosec: Number(stampNs % 1_000_000_000n) }, frame_id: s.frameId };
    let cdr: Uint8Array;
    if (s.encoding === 'jpeg' || s.encoding === 'png') {
      const data = s.encoding === 'jpeg' ? await photoJpeg(s.file, s.width, s.height) : await photoPng(s.file, s.width, s.height);
      cdr = encodeCompressedImage({ header, format: compressedFormat(s.encoding), data });
    } else {
      const f = await photoFrame(s.file, s.width, s.height, s.encoding, s.step);
      cdr = encodeImage({ header, height: f.height, width: f.width, encoding: f.encoding, step: f.step, data: f.data });
    }
    await w.write(s.topic, stampNs + TRANSPORT_NS, cdr);
    i++;
  }
  await w.close();
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const si = args.indexOf('--storage');
  const storage = si >= 0 ? (args.splice(si, 2)[1] as 'mcap' | 'sqlite3') : 'mcap';
  const out = args[0] ?? path.join(__dirname, '..', 'test', 'fixtures', 'bags', 'sample');
  makeSampleBag(out, storage).then(
    () => console.log(`wrote ${out}`),
    (err) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
