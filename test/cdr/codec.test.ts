import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { CdrWriter, EncapsulationKind } from '@foxglove/cdr';
import {
  decodeClassification,
  decodeCompressedImage,
  decodeDiagnosticArray,
  decodeImage,
  decodeLabelInfo,
  decodeLatency,
  DiagnosticLevel,
  DiagnosticStatus,
  encodeClassification,
  encodeCompressedImage,
  encodeDiagnosticArray,
  encodeImage,
  encodeLabelInfo,
  encodeLatency,
  peekHeader,
} from '../../src/cdr';
import { CLASSIFICATION_LATENCY_MSG } from '../../src/cdr/definitions';
import { FrameError } from '../../src/errors';
import type { Header } from '../../src/pipeline/types';
import { TYPES } from '../../src/pipeline/types';
import { atOddOffset, foxgloveReader, foxgloveWriter, hex, randAscii, randBytes, randInt, rng } from './helpers';

function randHeader(r: () => number): Header {
  return {
    stamp: { sec: randInt(r, -2147483648, 2147483647), nanosec: randInt(r, 0, 999999999) },
    frame_id: randAscii(r, 13),
  };
}

const UNICODE_FRAME = 'caméra_µ/光学_🚗';

/** Hand-built CDR of a sensor_msgs/Image with Foxglove's low-level writer, in either byte order. */
function handImage(kind: EncapsulationKind, h: Header, img: { height: number; width: number; encoding: string; is_bigendian: number; step: number; data: Uint8Array }): Uint8Array {
  const w = new CdrWriter({ kind });
  w.int32(h.stamp.sec).uint32(h.stamp.nanosec);
  // CdrWriter.string counts UTF-16 units, so write UTF-8 strings as length + bytes + NUL ourselves.
  const str = (s: string) => {
    const b = Buffer.from(s, 'utf8');
    w.uint32(b.length + 1).uint8Array(b, false).uint8(0);
  };
  str(h.frame_id);
  w.uint32(img.height).uint32(img.width);
  str(img.encoding);
  w.uint8(img.is_bigendian).uint32(img.step).uint8Array(img.data, true);
  return w.data;
}

describe('cdr: sensor_msgs/Image decode', () => {
  const fox = foxgloveWriter(TYPES.image);

  it('matches Foxglove MessageWriter output on random images (LE), data as a zero-copy view', () => {
    const r = rng(1);
    for (let i = 0; i < 300; i++) {
      const msg = {
        header: randHeader(r),
        height: randInt(r, 0, 5000),
        width: randInt(r, 0, 0xffffffff),
        encoding: randAscii(r, 11),
        is_bigendian: randInt(r, 0, 1),
        step: randInt(r, 0, 0xffffffff),
        data: randBytes(r, randInt(r, 0, 40)),
      };
      const bytes = atOddOffset(fox.writeMessage(msg));
      const got = decodeImage(bytes);
      assert.deepEqual(got.header, msg.header);
      assert.equal(got.height, msg.height);
      assert.equal(got.width, msg.width);
      assert.equal(got.encoding, msg.encoding);
      assert.equal(got.is_bigendian, msg.is_bigendian);
      assert.equal(got.step, msg.step);
      assert.deepEqual(Array.from(got.data), Array.from(msg.data));
      assert.equal(got.data.buffer, bytes.buffer, 'data must be a view into the message');
      assert.equal(got.data.byteOffset + got.data.byteLength, bytes.byteOffset + bytes.byteLength);
    }
  });

  it('decodes big-endian CDR built with CdrWriter(CDR_BE), which Foxglove reads the same way', () => {
    const r = rng(2);
    const foxReader = foxgloveReader(TYPES.image);
    for (let i = 0; i < 100; i++) {
      const h = i === 0 ? { ...randHeader(r), frame_id: UNICODE_FRAME } : randHeader(r);
      const img = { height: randInt(r, 1, 1080), width: randInt(r, 1, 1920), encoding: randAscii(r, 9), is_bigendian: 1, step: randInt(r, 0, 9000), data: randBytes(r, randInt(r, 0, 33)) };
      const bytes = handImage(EncapsulationKind.CDR_BE, h, img);
      assert.equal(hex(bytes.subarray(0, 4)), '00000000');
      const got = decodeImage(bytes);
      const ref = foxReader.readMessage<typeof img & { header: Header }>(bytes);
      assert.deepEqual(got.header, h);
      assert.deepEqual(ref.header, h);
      for (const k of ['height', 'width', 'encoding', 'is_bigendian', 'step'] as const) {
        assert.equal(got[k], img[k], k);
        assert.equal(ref[k], img[k], k);
      }
      assert.deepEqual(Array.from(got.data), Array.from(img.data));
    }
  });

  it('reads a UTF-8 frame_id (LE) and our encoder writes it so Foxglove reads it back', () => {
    const h = { stamp: { sec: 5, nanosec: 6 }, frame_id: UNICODE_FRAME };
    const img = { height: 2, width: 3, encoding: 'mono8', is_bigendian: 0, step: 3, data: new Uint8Array([1, 2, 3, 4, 5, 6]) };
    const hand = handImage(EncapsulationKind.CDR_LE, h, img);
    assert.equal(decodeImage(hand).header.frame_id, UNICODE_FRAME);
    const ours = encodeImage({ header: h, ...img });
    assert.equal(hex(ours), hex(hand));
    assert.equal(foxgloveReader(TYPES.image).readMessage<{ header: Header }>(ours).header.frame_id, UNICODE_FRAME);
  });
});

describe('cdr: sensor_msgs/CompressedImage decode', () => {
  it('matches Foxglove MessageWriter output (LE) and hand-built CDR_BE', () => {
    const fox = foxgloveWriter(TYPES.compressed);
    const r = rng(3);
    for (let i = 0; i < 200; i++) {
      const msg = { header: randHeader(r), format: randAscii(r, 30), data: randBytes(r, randInt(r, 0, 50)) };
      const le = decodeCompressedImage(atOddOffset(fox.writeMessage(msg)));
      assert.deepEqual(le.header, msg.header);
      assert.equal(le.format, msg.format);
      assert.deepEqual(Array.from(le.data), Array.from(msg.data));

      const w = new CdrWriter({ kind: EncapsulationKind.CDR_BE });
      w.int32(msg.header.stamp.sec).uint32(msg.header.stamp.nanosec).string(msg.header.frame_id).string(msg.format).uint8Array(msg.data, true);
      const be = decodeCompressedImage(w.data);
      assert.deepEqual(be.header, msg.header);
      assert.equal(be.format, msg.format);
      assert.deepEqual(Array.from(be.data), Array.from(msg.data));
    }
  });
});

describe('cdr: encoders match Foxglove MessageWriter byte for byte', () => {
  function check(typeName: string, ours: Uint8Array, msg: unknown): void {
    const theirs = foxgloveWriter(typeName).writeMessage(msg);
    assert.equal(hex(ours), hex(theirs), `${typeName} bytes differ`);
    assert.equal(ours.byteOffset, 0);
    assert.equal(ours.buffer.byteLength, ours.byteLength, 'the buffer is sized exactly, no slack');
  }

  it('sensor_msgs/Image and CompressedImage', () => {
    const r = rng(4);
    for (let i = 0; i < 100; i++) {
      const img = { header: randHeader(r), height: randInt(r, 0, 99), width: randInt(r, 0, 99), encoding: randAscii(r, 7), is_bigendian: randInt(r, 0, 1), step: randInt(r, 0, 999), data: randBytes(r, randInt(r, 0, 21)) };
      check(TYPES.image, encodeImage(img), img);
      const c = { header: randHeader(r), format: randAscii(r, 25), data: randBytes(r, randInt(r, 0, 21)) };
      check(TYPES.compressed, encodeCompressedImage(c), c);
    }
  });

  it('vision_msgs/Classification, incl. empty results; round-trips through MessageReader', () => {
    const r = rng(5);
    const reader = foxgloveReader(TYPES.classification);
    for (let i = 0; i < 200; i++) {
      const header = randHeader(r);
      const n = i === 0 ? 0 : randInt(r, 0, 6);
      const results = Array.from({ length: n }, () => ({ class_id: String(randInt(r, 0, 999)).slice(0, randInt(r, 1, 3)) + randAscii(r, 2), score: r() }));
      const ours = encodeClassification(header, results);
      check(TYPES.classification, ours, { header, results });
      assert.deepEqual(reader.readMessage(ours), { header, results });
      assert.deepEqual(decodeClassification(ours), { header, results });
    }
  });

  it('ClassificationLatency; uint64 as number or bigint', () => {
    const r = rng(6);
    const reader = foxgloveReader(TYPES.latency);
    for (let i = 0; i < 100; i++) {
      const header = randHeader(r);
      const f = {
        sequence: i % 2 ? BigInt(randInt(r, 0, 2 ** 40)) : randInt(r, 0, 2 ** 40),
        model_variant: randAscii(r, 12),
        backend: ['bpu', 'bpu-sim', 'cpu'][i % 3],
        decode_ms: r() * 10,
        queue_ms: r(),
        preprocess_ms: r(),
        inference_ms: r() * 20,
        postprocess_ms: r() / 10,
        total_ms: r() * 40,
        dropped_frames: i === 99 ? 0xffffffffffffffffn : randInt(r, 0, 1000),
        queue_depth: randInt(r, 0, 0xffffffff),
      };
      const ours = encodeLatency(header, f);
      const asBig = { ...f, sequence: BigInt(f.sequence), dropped_frames: BigInt(f.dropped_frames) };
      check(TYPES.latency, ours, { header, ...asBig });
      assert.deepEqual(reader.readMessage(ours), { header, ...asBig });
      assert.deepEqual(decodeLatency(ours), { header, ...asBig });
    }
  });

  it('vision_msgs/LabelInfo with the real 1000 ImageNet labels and with random maps', () => {
    const labels = fs.readFileSync(path.join(__dirname, '..', '..', 'config', 'labels', 'imagenet1k_labels.txt'), 'utf8').split('\n').filter((l) => l.length > 0);
    assert.equal(labels.length, 1000);
    const header = { stamp: { sec: 0, nanosec: 0 }, frame_id: '' };
    const classMap = labels.map((class_name, class_id) => ({ class_id, class_name }));
    const asciiOnly = classMap.filter((c) => /^[\x20-\x7e]*$/.test(c.class_name));
    const ours = encodeLabelInfo(header, asciiOnly, 0.25);
    check(TYPES.labelInfo, ours, { header, class_map: asciiOnly, threshold: 0.25 });
    // All 1000 (any non-ASCII label too) round-trip through Foxglove's reader.
    const all = encodeLabelInfo(header, classMap, 0.1);
    const back = foxgloveReader(TYPES.labelInfo).readMessage<{ class_map: unknown[]; threshold: number }>(all);
    assert.deepEqual(back.class_map, classMap);
    assert.equal(back.threshold, Math.fround(0.1));
    assert.deepEqual(decodeLabelInfo(all).class_map, classMap);

    const r = rng(7);
    for (let i = 0; i < 100; i++) {
      const h = randHeader(r);
      const map = Array.from({ length: randInt(r, 0, 5) }, () => ({ class_id: randInt(r, 0, 65535), class_name: randAscii(r, 9) }));
      const t = r();
      check(TYPES.labelInfo, encodeLabelInfo(h, map, t), { header: h, class_map: map, threshold: t });
    }
  });

  it('diagnostic_msgs/DiagnosticArray with nested key/value sequences', () => {
    const r = rng(8);
    const reader = foxgloveReader(TYPES.diagnostics);
    for (let i = 0; i < 100; i++) {
      const header = randHeader(r);
      const status: DiagnosticStatus[] = Array.from({ length: randInt(r, 0, 3) }, () => ({
        level: randInt(r, 0, 3),
        name: randAscii(r, 20),
        message: randAscii(r, 20),
        hardware_id: randAscii(r, 5),
        values: Array.from({ length: randInt(r, 0, 4) }, () => ({ key: randAscii(r, 7), value: randAscii(r, 7) })),
      }));
      const ours = encodeDiagnosticArray(header, status);
      check(TYPES.diagnostics, ours, { header, status });
      assert.deepEqual(reader.readMessage(ours), { header, status });
      assert.deepEqual(decodeDiagnosticArray(ours), { header, status });
    }
    assert.equal(DiagnosticLevel.ERROR, 2);
  });

  it('refuses values that do not fit their field type with the field named', () => {
    const h = { stamp: { sec: 0, nanosec: 0 }, frame_id: '' };
    assert.throws(() => encodeLabelInfo(h, [{ class_id: 70000, class_name: 'x' }], 0), /class_map\[\]\.class_id: 70000 is not a valid uint16/);
    assert.throws(() => encodeClassification({ ...h, stamp: { sec: 1.5, nanosec: 0 } }, []), /header\.stamp\.sec/);
    assert.throws(() => encodeImage({ header: h, height: -1, width: 1, encoding: 'mono8', step: 1, data: new Uint8Array(1) }), /height/);
  });

  it('the embedded latency definition is msg/ClassificationLatency.msg verbatim', () => {
    const file = fs.readFileSync(path.join(__dirname, '..', '..', 'msg', 'ClassificationLatency.msg'), 'utf8');
    assert.equal(CLASSIFICATION_LATENCY_MSG, file);
  });
});

describe('cdr: malformed input gives FrameError, never another exception', () => {
  const header = { stamp: { sec: 1700000000, nanosec: 123456789 }, frame_id: 'cam_optical' };
  const samples: [string, Uint8Array, (b: Uint8Array) => unknown][] = [
    ['Image', encodeImage({ header, height: 2, width: 3, encoding: 'rgb8', step: 9, data: new Uint8Array(18).fill(7) }), decodeImage],
    ['CompressedImage', encodeCompressedImage({ header, format: 'jpeg', data: new Uint8Array([0xff, 0xd8, 0xff]) }), decodeCompressedImage],
    ['Classification', encodeClassification(header, [{ class_id: '1', score: 0.5 }, { class_id: '999', score: 0.25 }]), decodeClassification],
    ['LabelInfo', encodeLabelInfo(header, [{ class_id: 3, class_name: 'abc' }], 0.5), decodeLabelInfo],
    ['DiagnosticArray', encodeDiagnosticArray(header, [{ level: 1, name: 'n', message: 'm', hardware_id: '', values: [{ key: 'k', value: 'v' }] }]), decodeDiagnosticArray],
    ['Latency', encodeLatency(header, { sequence: 1, model_variant: 'conv_small', backend: 'cpu', decode_ms: 1, queue_ms: 2, preprocess_ms: 3, inference_ms: 4, postprocess_ms: 5, total_ms: 6, dropped_frames: 7, queue_depth: 8 }), decodeLatency],
  ];

  for (const [name, full, decode] of samples) {
    it(`${name}: every truncation is 'truncated_cdr' with a reason`, () => {
      decode(full); // the full message is valid
      for (let len = 0; len < full.byteLength; len++) {
        const cut = atOddOffset(full.subarray(0, len));
        let err: unknown;
        try {
          decode(cut);
        } catch (e) {
          err = e;
        }
        assert.ok(err instanceof FrameError, `${name} cut at ${len}: expected FrameError, got ${String(err)}`);
        assert.equal(err.code, 'truncated_cdr', `${name} cut at ${len}: ${err.message}`);
        assert.match(err.message, len < 4 ? /encapsulation header/ : /truncated at .*missing|claims/);
      }
    });
  }

  it('names the field and the missing byte count', () => {
    const img = samples[0][1];
    assert.throws(() => decodeImage(img.subarray(0, img.byteLength - 5)), (e: FrameError) => e.code === 'truncated_cdr' && /truncated at data .*5 missing/.test(e.message));
    assert.throws(() => decodeImage(img.subarray(0, 10)), /header\.stamp\.nanosec/);
  });

  it('random byte corruption never escapes as a non-FrameError', () => {
    const r = rng(9);
    let frameErrors = 0;
    for (let i = 0; i < 4000; i++) {
      const [, full, decode] = samples[i % samples.length];
      const bad = full.slice();
      const flips = randInt(r, 1, 4);
      for (let f = 0; f < flips; f++) bad[randInt(r, 0, bad.length - 1)] = randInt(r, 0, 255);
      try {
        decode(bad);
      } catch (e) {
        assert.ok(e instanceof FrameError, `unexpected ${String(e)}`);
        assert.ok(e.code === 'truncated_cdr' || e.code === 'bad_cdr');
        frameErrors++;
      }
    }
    assert.ok(frameErrors > 100, 'corruption was detected in a fair share of cases');
  });

  it("unsupported encapsulations and a string without its NUL are 'bad_cdr'", () => {
    const img = samples[0][1].slice();
    for (const kind of [0x02, 0x03, 0x10, 0x11]) {
      const b = img.slice();
      b[1] = kind;
      assert.throws(() => decodeImage(b), (e: FrameError) => e.code === 'bad_cdr' && /unsupported CDR encapsulation/.test(e.message));
    }
    // frame_id 'cam_optical' is 12 bytes incl. NUL at offset 16..27; clobber its NUL.
    const b = img.slice();
    assert.equal(b[16 + 11], 0);
    b[16 + 11] = 0x41;
    assert.throws(() => decodeImage(b), (e: FrameError) => e.code === 'bad_cdr' && /header\.frame_id is not NUL-terminated/.test(e.message));
    assert.throws(() => decodeImage('nope' as unknown as Uint8Array), (e: FrameError) => e.code === 'bad_cdr');
  });

  it('a sequence length beyond the message is refused before any allocation', () => {
    const c = samples[2][1].slice();
    // results length sits right after the header: 4 + 8 + 4 + 12 = 28
    new DataView(c.buffer).setUint32(28, 0xfffffff0, true);
    assert.throws(() => decodeClassification(c), (e: FrameError) => e.code === 'truncated_cdr' && /results: the sequence claims 4294967280 elements/.test(e.message));
  });

  it('peekHeader returns the header of a message whose body is cut, and undefined when the header is', () => {
    const img = samples[0][1];
    assert.deepEqual(peekHeader(img.subarray(0, 30)), header);
    assert.equal(peekHeader(img.subarray(0, 20)), undefined);
    assert.equal(peekHeader(new Uint8Array([9, 9, 9, 9, 9, 9])), undefined);
  });
});
